/**
 * Runs every benchmark and prints each figure next to its baseline, measured in the same run.
 *
 * A benchmark is a file `bench/<name>.bench.ts` that exports `run(): Promise<BenchResult[]>`;
 * drop one in and it is picked up, in file name order. (canonicalize.bench.ts exports
 * `benchCanonicalize` instead, which is called the same way.) Each file also runs alone.
 *
 * Usage: pnpm bench [name ...]   (e.g. `pnpm bench processor large-trace`; default: all)
 * Environment: BENCH_JSON=<file> also writes the results as JSON; each bench documents its own
 * knobs (BENCH_FSYNC, BENCH_RUNS, BENCH_ROUNDS, ...).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { formatResult } from './print-results.js';
import type { BenchResult } from './result.js';

type BenchRun = () => Promise<BenchResult[]>;

/** Exports other than `run` that are a bench's entry point. */
const ENTRY_POINTS = ['run', 'benchCanonicalize'] as const;

const here = new URL('.', import.meta.url);
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) {
  console.error(`no bench matches ${wanted.join(', ')}`);
  process.exit(2);
}

console.log(
  `node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${new Date().toISOString()}`,
);
const all: Record<string, BenchResult[]> = {};
let failed = false;
for (const file of files) {
  const module = (await import(pathToFileURL(new URL(file, here).pathname).href)) as Record<
    string,
    unknown
  >;
  const entry = ENTRY_POINTS.map((name) => module[name]).find((f) => typeof f === 'function') as
    BenchRun | undefined;
  console.log(`\n## ${file}`);
  if (entry === undefined) {
    console.log(`  (skipped: exports none of ${ENTRY_POINTS.join(', ')})`);
    continue;
  }
  const started = performance.now();
  try {
    const results = await entry();
    all[file] = results;
    for (const r of results) console.log(formatResult(r));
  } catch (error) {
    failed = true;
    console.log(`  FAILED: ${(error as Error).stack ?? String(error)}`);
  }
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(all, null, 2));
if (failed) process.exitCode = 1;
