import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, EXIT } from './io.js';
import { readBounded } from './read-bounded.js';

/** Largest bundle file read while looking for a run. */
const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;
/** Most files looked at in one folder. */
const MAX_FILES = 100_000;

/** The bundles of one run found in a folder: the one that stands for the run, then the others. */
export interface FoundRunBundles {
  /** The run's bundle: a complete one before an incomplete one, then the one with most segments, then the latest. */
  path: string;
  /** Other bundles of the same run id (earlier incomplete ones, revisions), best first. */
  others: string[];
}

interface Candidate {
  path: string;
  complete: boolean;
  segments: number;
  endTime: string;
}

/**
 * Finds the bundle of a run by its run id in a folder of bundles (such as a FileBundleSink's):
 * every `*.json` file but envelopes and dot-files is read, and those whose `run.runId` is the id
 * are ranked. A run that spans traces is one bundle named by its first segment's trace id, but an
 * incomplete bundle (a run folded when it expired) may sit beside a later complete one.
 *
 * @example
 * const { path } = await findRunBundle('bundles', 'run-20261207-040647-da4dd6551889');
 */
export async function findRunBundle(dir: string, runId: string): Promise<FoundRunBundles> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new CliError(
      `cannot list ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      EXIT.io,
    );
  }
  // The run id as the canonical bundle writes it: a quick test before parsing a file.
  const needle = `"runId":${JSON.stringify(runId)}`;
  const found: Candidate[] = [];
  for (const name of names.sort().slice(0, MAX_FILES)) {
    if (!name.endsWith('.json') || name.endsWith('.dsse.json') || name.startsWith('.')) continue;
    const path = join(dir, name);
    const read = await readBounded(path, MAX_BUNDLE_BYTES);
    if (!('text' in read) || !read.text.includes(needle)) continue;
    try {
      const run = (JSON.parse(read.text) as { run?: Record<string, unknown> }).run;
      if (run?.['runId'] !== runId) continue;
      found.push({
        path,
        complete: run['complete'] === true,
        segments: Array.isArray(run['segments']) ? run['segments'].length : 0,
        endTime: typeof run['endTime'] === 'string' ? run['endTime'] : '',
      });
    } catch {
      // not a bundle: skipped
    }
  }
  if (found.length === 0) {
    throw new CliError(`no bundle of run ${JSON.stringify(runId)} in ${dir}`, EXIT.failed);
  }
  found.sort(
    (a, b) =>
      Number(b.complete) - Number(a.complete) ||
      b.segments - a.segments ||
      (a.endTime < b.endTime ? 1 : a.endTime > b.endTime ? -1 : 0) ||
      (a.path < b.path ? -1 : 1),
  );
  return { path: found[0]!.path, others: found.slice(1).map((c) => c.path) };
}
