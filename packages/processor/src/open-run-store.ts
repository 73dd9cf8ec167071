import { mkdir, readdir, readFile, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeSegmentFile,
  encodeSegmentFile,
  OPEN_RUN_KEY,
  openRunKey,
  SEGMENT_FILE_NAME,
  segmentFileName,
  segmentsComplete,
  sumDroppedSpans,
  type DroppedSpans,
  type LogEventRecord,
  type RunSegment,
  type SegmentFile,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { KeyedQueue, writeFileAtomically } from '@llm-workbench/sink';

/** Limits of an {@link OpenRunStore}. */
export interface OpenRunStoreOptions {
  /** The folder open runs are kept in, one sub-folder per run (named by the sha256 of its id). */
  directory: string;
  /** Most runs held open at once; a segment of a further run is folded alone, incomplete. */
  maxOpenRuns: number;
  /** Most bytes one open run may hold; past it, the run is folded as it is, incomplete. */
  maxRunBytes: number;
  /** How long a run may stay open, from its first persisted segment; then it is folded incomplete. */
  maxAgeMs: number;
  /** The clock, epoch milliseconds (tests). Default `Date.now`. */
  now?: () => number;
  /** Told of each unreadable segment file (skipped, left in place). */
  onProblem?: (message: string) => void;
}

/** A run ready to fold: every segment's spans and log events, and how to forget it once written. */
export interface ReadyRun {
  readonly runId: string;
  readonly spans: SpanRecord[];
  readonly logEvents: LogEventRecord[];
  /** Some segment was folded before it was whole (its trace timed out): fold as truncated. */
  readonly truncated: boolean;
  /** Spans its segments dropped at the span cap, added up; undefined when none. */
  readonly droppedSpans: DroppedSpans | undefined;
  /** Why it is folded now: all segments are here, or a limit was reached. */
  readonly reason: 'complete' | 'expired' | 'over_bytes' | 'too_many_runs';
  /** Removes what was persisted of the run; call once its bundle is written. */
  readonly forget: () => Promise<void>;
}

/**
 * Durable storage of the segments of runs that are not over yet (suspended, waiting for a person),
 * so that the process may exit and a later one, writing to the same folder, folds the whole run.
 * Each segment is one file, `<directory>/<sha256(run id)>/segment-<n>-<trace id>.json`, written
 * atomically (a temporary file, fsync, rename): whole or absent. The run id never becomes a path,
 * so any id is safe. Calls for one run are serialized; different processes sharing the folder
 * may both fold a run, which the sink's never-rewrite rule makes harmless.
 *
 * @example
 * const store = new OpenRunStore({ directory: 'bundles/.open-runs', maxOpenRuns: 1000, maxRunBytes: 64 << 20, maxAgeMs: 7 * 86_400_000 });
 * const ready = await store.add(segment, spans, [], false);
 * if (ready) { await sink.write(bundleRun(ready.spans)); await ready.forget(); }
 */
export class OpenRunStore {
  /** One segment of a run at a time (by key), in this process. */
  private readonly queue = new KeyedQueue();
  private readonly now: () => number;

  constructor(private readonly options: OpenRunStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Adds one segment of a run. Resolves to the run to fold now when this segment completes it
   * (or a limit is reached), else null once the segment is durably stored.
   */
  add(
    segment: RunSegment,
    spans: SpanRecord[],
    logEvents: LogEventRecord[],
    truncated: boolean,
    droppedSpans?: DroppedSpans,
  ): Promise<ReadyRun | null> {
    return this.queue.run(openRunKey(segment.runId), () =>
      this.addNow(segment, spans, logEvents, truncated, droppedSpans),
    );
  }

  /**
   * The runs open longer than `maxAgeMs`, to fold as they are (incomplete; the bundle says which
   * segments are missing). Unreadable segment files are skipped and reported in `errors`.
   */
  async expired(): Promise<{ runs: ReadyRun[]; errors: string[] }> {
    const runs: ReadyRun[] = [];
    const errors: string[] = [];
    let names: string[];
    try {
      names = await readdir(this.options.directory);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { runs, errors };
      throw err;
    }
    for (const name of names.sort()) {
      if (!OPEN_RUN_KEY.test(name)) continue;
      const dir = join(this.options.directory, name);
      // The files' times first: a young run is not read at all (a sweep stays cheap).
      if (this.now() - (await oldestChange(dir)) < this.options.maxAgeMs) continue;
      const held = await this.queue.run(name, () => this.load(dir));
      errors.push(...held.errors);
      if (held.segments.length === 0) continue;
      const oldest = Math.min(...held.segments.map((s) => s.heldAt));
      if (this.now() - oldest < this.options.maxAgeMs) continue;
      runs.push(this.ready(held.segments[0]!.segment.runId, held.segments, 'expired', name));
    }
    return { runs, errors };
  }

  private async addNow(
    segment: RunSegment,
    spans: SpanRecord[],
    logEvents: LogEventRecord[],
    truncated: boolean,
    droppedSpans: DroppedSpans | undefined,
  ): Promise<ReadyRun | null> {
    const key = openRunKey(segment.runId);
    const dir = join(this.options.directory, key);
    const held = await this.load(dir);
    for (const e of held.errors) this.options.onProblem?.(e);
    const mine = held.segments.filter((s) => s.segment.traceId !== segment.traceId);
    const file: SegmentFile = {
      segment,
      heldAt: this.now(),
      truncated,
      droppedSpans,
      spans,
      logEvents,
    };
    const text = encodeSegmentFile(file);
    const current: HeldSegment = { ...file, bytes: Buffer.byteLength(text, 'utf8') };
    const all = [...mine, current];
    if (segmentsComplete(all.map((s) => s.segment))) {
      return this.ready(segment.runId, all, 'complete', key);
    }
    const bytes = all.reduce((n, s) => n + s.bytes, 0);
    if (bytes > this.options.maxRunBytes) {
      return this.ready(segment.runId, all, 'over_bytes', key);
    }
    if (mine.length === 0 && (await this.openRunCount()) >= this.options.maxOpenRuns) {
      return this.ready(segment.runId, [current], 'too_many_runs', null);
    }
    await mkdir(dir, { recursive: true });
    await writeFileAtomically(dir, segmentFileName(segment), text);
    return null;
  }

  private ready(
    runId: string,
    segments: readonly HeldSegment[],
    reason: ReadyRun['reason'],
    key: string | null,
  ): ReadyRun {
    const dir = key === null ? null : join(this.options.directory, key);
    return {
      runId,
      spans: segments.flatMap((s) => s.spans),
      logEvents: segments.flatMap((s) => s.logEvents),
      truncated: segments.some((s) => s.truncated),
      droppedSpans: sumDroppedSpans(segments.map((s) => s.droppedSpans)),
      reason,
      forget: async () => {
        if (dir === null) return;
        await this.queue.run(key!, async () => {
          // Only the files folded: a segment persisted meanwhile (another process) stays.
          for (const s of segments) {
            await unlink(join(dir, segmentFileName(s.segment))).catch(() => undefined);
          }
          // Removed only when empty: rmdir fails on a folder that still holds a segment.
          await rmdir(dir).catch(() => undefined);
        });
      },
    };
  }

  private async load(dir: string): Promise<{ segments: HeldSegment[]; errors: string[] }> {
    const segments: HeldSegment[] = [];
    const errors: string[] = [];
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { segments, errors };
      throw err;
    }
    for (const name of names.sort()) {
      if (!SEGMENT_FILE_NAME.test(name)) continue;
      const path = join(dir, name);
      try {
        const text = await readFile(path, 'utf8');
        segments.push({ ...decodeSegmentFile(text), bytes: Buffer.byteLength(text, 'utf8') });
      } catch (err) {
        errors.push(`${path}: ${(err as Error).message}`);
      }
    }
    return { segments, errors };
  }

  private async openRunCount(): Promise<number> {
    try {
      const names = await readdir(this.options.directory);
      return names.filter((n) => OPEN_RUN_KEY.test(n)).length;
    } catch {
      return 0;
    }
  }
}

/** A held segment and the bytes its file takes. */
interface HeldSegment extends SegmentFile {
  readonly bytes: number;
}

/** The earliest modification time (epoch ms) of the segment files in a folder; +Infinity if none. */
async function oldestChange(dir: string): Promise<number> {
  let oldest = Number.POSITIVE_INFINITY;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return oldest;
  }
  for (const name of names) {
    if (!SEGMENT_FILE_NAME.test(name)) continue;
    try {
      oldest = Math.min(oldest, (await stat(join(dir, name))).mtimeMs);
    } catch {
      // removed meanwhile
    }
  }
  return oldest;
}
