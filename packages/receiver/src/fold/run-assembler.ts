import { mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bundleRun,
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
  type RunBundle,
  type RunSegment,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { isTemporaryFileName, KeyedQueue, writeFileAtomically } from '@llm-workbench/sink';

/** Limits of a {@link RunAssembler}: plain data, so that they cross to the fold worker. */
export interface RunAssemblerOptions {
  /** The open-runs folder (the receiver's is `<data>/open-runs`). */
  readonly dir: string;
  /** A run is folded, as incomplete, this long after its first segment was held. Default 7 days. */
  readonly runTtlMs: number;
  /** Most runs held open at once; beyond it the oldest is folded early, as incomplete. */
  readonly maxOpenRuns: number;
  /** Most bytes of held segment files; beyond it the oldest runs are folded early, as incomplete. */
  readonly maxOpenRunBytes: number;
  /**
   * How long a folded run's segments are kept, so that a late span of one of them folds the run
   * again (a revision) rather than starting a run of one segment. The receiver's late window.
   */
  readonly lingerMs: number;
  /** Whether files are fsynced before they count as held. */
  readonly fsync: boolean;
}

/** The run assembler's gauges and counters, as `/metrics` shows them. */
export interface RunGauges {
  /** Runs with held segments, not folded yet. */
  open_runs: number;
  /** Segments of open runs. */
  open_run_segments: number;
  /** Bytes of held segment files (open runs and folded ones kept for late spans). */
  open_run_bytes: number;
  run_segments_held_total: number;
  runs_folded_total: number;
  runs_expired_total: number;
  runs_evicted_total: number;
}

/** What became of one segment given to {@link RunAssembler.take}. */
export type TakeOutcome =
  | { readonly ok: true; readonly status: 'held' }
  | {
      readonly ok: true;
      readonly status: 'written' | 'revision' | 'unchanged';
      readonly complete: boolean;
    }
  | { readonly ok: false; readonly message: string };

/** Writes a sealed bundle; resolves with what the sink did. */
export type WriteBundle = (
  bundle: RunBundle,
) => Promise<{ status: 'written' | 'revision' | 'unchanged' }>;

interface HeldSegment {
  readonly segment: RunSegment;
  readonly file: string;
  readonly bytes: number;
}

interface OpenRun {
  readonly key: string;
  readonly runId: string;
  /** Wall-clock ms when its first segment was held. */
  firstHeldAt: number;
  /** By trace id: the same segment number twice (a token resumed twice) is two segments. */
  readonly segments: Map<string, HeldSegment>;
  bytes: number;
  /** Wall-clock ms when its bundle was written; null while open. */
  foldedAt: number | null;
}

const FOLDED_MARKER = 'folded.json';

/**
 * Assembles runs that span several traces (segments) from the traces the receiver folds: a
 * trace whose run span says it is a segment (`runSegmentOf`) is held, its spans written to a
 * file of its own under `<dir>/<sha256(run id)>/` (atomically, fsynced) before the trace counts
 * as settled, so a restart loses nothing; when the held segments are complete
 * (`segmentsComplete`), the run's segments are folded together into one bundle. A run left open
 * longer than `runTtlMs`, or beyond the caps on open runs and bytes, is folded from what it has:
 * an incomplete bundle whose diagnostics name the missing segments. A folded run's files are
 * kept for `lingerMs`, so that a late span of one of its segments folds the whole run again.
 *
 * One assembler per folder, on the thread that folds (the fold worker, or inline); runs are
 * handled one at a time each.
 *
 * @example
 * const runs = new RunAssembler({ dir: 'data/open-runs', runTtlMs: 7 * 86_400_000, maxOpenRuns: 10_000, maxOpenRunBytes: 1 << 30, lingerMs: 60_000, fsync: true }, (b) => sink.write(b));
 * const outcome = await runs.take({ segment, spans, logEvents: [], truncated: false });
 */
export class RunAssembler {
  private readonly runs = new Map<string, OpenRun>();
  private loaded: Promise<void> | null = null;
  /** The tail of the work queued for each run: one thing at a time per run. */
  private readonly queue = new KeyedQueue();
  private counters = { held: 0, folded: 0, expired: 0, evicted: 0 };
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly options: RunAssemblerOptions,
    private readonly write: WriteBundle,
    private readonly now: () => number = Date.now,
  ) {}

  /** Gauges and counters for `/metrics`. */
  gauges(): RunGauges {
    let open = 0;
    let segments = 0;
    let bytes = 0;
    for (const run of this.runs.values()) {
      bytes += run.bytes;
      if (run.foldedAt !== null) continue;
      open++;
      segments += run.segments.size;
    }
    return {
      open_runs: open,
      open_run_segments: segments,
      open_run_bytes: bytes,
      run_segments_held_total: this.counters.held,
      runs_folded_total: this.counters.folded,
      runs_expired_total: this.counters.expired,
      runs_evicted_total: this.counters.evicted,
    };
  }

  /**
   * Holds one segment (its trace's spans and log events): written to disk, then the run is folded
   * if it is now complete, or again if it was folded and lingers. Never rejects.
   */
  async take(input: {
    readonly segment: RunSegment;
    readonly spans: readonly SpanRecord[];
    readonly logEvents: readonly LogEventRecord[];
    readonly truncated: boolean;
    readonly droppedSpans?: DroppedSpans | undefined;
  }): Promise<TakeOutcome> {
    try {
      await this.load();
    } catch (err) {
      return { ok: false, message: `could not read the open runs: ${text(err)}` };
    }
    const key = openRunKey(input.segment.runId);
    const outcome = await this.queue.run(key, () => this.takeNow(key, input));
    await this.enforceCaps();
    return outcome;
  }

  /**
   * Folds, as incomplete, the runs open longer than `runTtlMs`, and forgets folded runs whose
   * linger is over. Called on a timer; one sweep at a time.
   */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepNow().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweepNow(): Promise<void> {
    try {
      await this.load();
    } catch {
      return; // retried on the next sweep; take() reports it
    }
    const now = this.now();
    for (const run of [...this.runs.values()]) {
      if (run.foldedAt !== null) {
        if (now - run.foldedAt >= this.options.lingerMs)
          await this.queue.run(run.key, () => this.forget(run));
      } else if (now - run.firstHeldAt >= this.options.runTtlMs) {
        await this.queue.run(run.key, async () => {
          if (run.foldedAt !== null || !this.runs.has(run.key)) return;
          if ((await this.foldNow(run)).ok) this.counters.expired++;
        });
      }
    }
    await this.enforceCaps();
  }

  private async takeNow(
    key: string,
    input: {
      readonly segment: RunSegment;
      readonly spans: readonly SpanRecord[];
      readonly logEvents: readonly LogEventRecord[];
      readonly truncated: boolean;
      readonly droppedSpans?: DroppedSpans | undefined;
    },
  ): Promise<TakeOutcome> {
    const dir = join(this.options.dir, key);
    const { segment } = input;
    const name = segmentFileName(segment);
    let run = this.runs.get(key);
    const heldAt = this.now();
    const body = encodeSegmentFile({
      segment,
      heldAt,
      truncated: input.truncated,
      droppedSpans: input.droppedSpans,
      spans: input.spans,
      logEvents: input.logEvents,
    });
    try {
      await mkdir(dir, { recursive: true });
      await writeFileAtomically(dir, name, body, { fsync: this.options.fsync });
    } catch (err) {
      return {
        ok: false,
        message: `could not hold segment ${segment.segment} of its run: ${text(err)}`,
      };
    }
    if (run === undefined) {
      run = {
        key,
        runId: segment.runId,
        firstHeldAt: heldAt,
        segments: new Map(),
        bytes: 0,
        foldedAt: null,
      };
      this.runs.set(key, run);
    }
    const bytes = Buffer.byteLength(body);
    const before = run.segments.get(segment.traceId);
    if (before === undefined) this.counters.held++;
    run.bytes += bytes - (before?.bytes ?? 0);
    run.segments.set(segment.traceId, { segment, file: name, bytes });
    const segments = [...run.segments.values()].map((s) => s.segment);
    if (run.foldedAt === null && !segmentsComplete(segments)) return { ok: true, status: 'held' };
    return this.foldNow(run);
  }

  /** Folds every held segment of the run into one bundle, writes it, and marks the run folded. */
  private async foldNow(run: OpenRun): Promise<TakeOutcome> {
    const dir = join(this.options.dir, run.key);
    const spans: SpanRecord[] = [];
    const logEvents: LogEventRecord[] = [];
    let truncated = false;
    const dropped: Array<DroppedSpans | undefined> = [];
    let bundle: RunBundle;
    try {
      for (const held of run.segments.values()) {
        const file = decodeSegmentFile(await readFile(join(dir, held.file), 'utf8'));
        for (const s of file.spans) spans.push(s);
        for (const e of file.logEvents) logEvents.push(e);
        if (file.truncated) truncated = true;
        dropped.push(file.droppedSpans);
      }
      bundle = bundleRun(spans, { truncated, droppedSpans: sumDroppedSpans(dropped), logEvents });
    } catch (err) {
      return { ok: false, message: `could not fold run ${run.key}: ${text(err)}` };
    }
    let status: 'written' | 'revision' | 'unchanged';
    try {
      ({ status } = await this.write(bundle));
    } catch (err) {
      return { ok: false, message: text(err) };
    }
    const first = run.foldedAt === null;
    run.foldedAt = this.now();
    try {
      await writeFileAtomically(dir, FOLDED_MARKER, JSON.stringify({ foldedAt: run.foldedAt }), {
        fsync: this.options.fsync,
      });
    } catch {
      // The bundle is written; after a restart the run is folded again, to the same bundle.
    }
    if (first) this.counters.folded++;
    return { ok: true, status, complete: bundle.run.complete };
  }

  private async forget(run: OpenRun): Promise<void> {
    if (this.runs.get(run.key) !== run) return;
    this.runs.delete(run.key);
    await rm(join(this.options.dir, run.key), { recursive: true, force: true }).catch(
      () => undefined,
    );
  }

  /** Folds the oldest open runs early, as incomplete, while over a cap; drops lingering ones first. */
  private async enforceCaps(): Promise<void> {
    const { maxOpenRuns, maxOpenRunBytes } = this.options;
    const over = (): boolean => {
      const g = this.gauges();
      return g.open_runs > maxOpenRuns || g.open_run_bytes > maxOpenRunBytes;
    };
    if (!over()) return;
    const byAge = [...this.runs.values()].sort(
      (a, b) =>
        (a.foldedAt === null ? 1 : 0) - (b.foldedAt === null ? 1 : 0) ||
        a.firstHeldAt - b.firstHeldAt,
    );
    for (const run of byAge) {
      if (!over()) break;
      if (run.foldedAt !== null) {
        await this.queue.run(run.key, () => this.forget(run));
        continue;
      }
      await this.queue.run(run.key, async () => {
        if (run.foldedAt !== null || !this.runs.has(run.key)) return;
        if ((await this.foldNow(run)).ok) {
          this.counters.evicted++;
          await this.forget(run);
        }
      });
    }
  }

  /** Reads what the folder holds (after a restart): runs, their segments, their ages. */
  private load(): Promise<void> {
    this.loaded ??= this.loadNow().catch((err: unknown) => {
      this.loaded = null;
      throw err;
    });
    return this.loaded;
  }

  private async loadNow(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    for (const key of await readdir(this.options.dir)) {
      if (!OPEN_RUN_KEY.test(key)) continue;
      const dir = join(this.options.dir, key);
      let run: OpenRun | undefined;
      let foldedAt: number | null = null;
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue; // not a folder of ours
      }
      for (const name of names) {
        const path = join(dir, name);
        if (name === FOLDED_MARKER) {
          try {
            foldedAt = Number(
              (JSON.parse(await readFile(path, 'utf8')) as { foldedAt: number }).foldedAt,
            );
          } catch {
            foldedAt = null;
          }
          continue;
        }
        if (!SEGMENT_FILE_NAME.test(name)) {
          // A temporary file left by a crash mid-write: the segment it was is held again when its
          // trace is folded again from the spool.
          if (isTemporaryFileName(name)) await unlink(path).catch(() => undefined);
          continue;
        }
        let file;
        try {
          file = decodeSegmentFile(await readFile(path, 'utf8'));
        } catch {
          continue; // not ours, or damaged: left alone, not folded
        }
        const bytes = (await stat(path)).size;
        run ??= {
          key,
          runId: file.segment.runId,
          firstHeldAt: file.heldAt,
          segments: new Map(),
          bytes: 0,
          foldedAt: null,
        };
        run.firstHeldAt = Math.min(run.firstHeldAt, file.heldAt);
        run.segments.set(file.segment.traceId, { segment: file.segment, file: name, bytes });
        run.bytes += bytes;
      }
      if (run === undefined) {
        // Nothing held: a run whose files were being removed when the process stopped.
        if (foldedAt !== null)
          await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        continue;
      }
      run.foldedAt = Number.isFinite(foldedAt) ? foldedAt : null;
      this.runs.set(key, run);
    }
    // A run that was complete when the process stopped, before its bundle was written.
    for (const run of this.runs.values()) {
      if (run.foldedAt !== null) continue;
      if (segmentsComplete([...run.segments.values()].map((s) => s.segment)))
        void this.queue.run(run.key, () => this.foldNow(run));
    }
  }
}

/** The folder name of a run: any run id, safe as one path component (the processor's too). */
export { openRunKey as runKey } from '@llm-workbench/bundle';

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
