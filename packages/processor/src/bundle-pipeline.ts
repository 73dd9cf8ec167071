import { join } from 'node:path';
import { diag, type DiagLogger } from '@opentelemetry/api';
import { bundleRun, isRunSegmentTrace, isRunTrace, runSegmentOf } from '@llm-workbench/bundle';
import type { DroppedSpans, LogEventRecord, RunBundle, SpanRecord } from '@llm-workbench/bundle';
import { FileBundleSink, type BundleWriteResult } from '@llm-workbench/sink';
import type { ReadableSpan } from './sdk-types.js';
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { BundleWorkerClient } from './bundle-worker-client.js';
import type { WorkerResult } from './bundle-worker-protocol.js';
import { logEventRecord, spanRecordFromReadableSpan } from './span-record-from-readable-span.js';
import type { StrayLogEvent, TraceItem } from './span-transfer.js';
import type { BundleFoldingOptions, BundleFoldingStats, OpenRunsOptions } from './types.js';
import { OpenRunStore, type ReadyRun } from './open-run-store.js';

/**
 * Spans handed to the worker and not yet answered for, beyond which finished traces are folded
 * on the application's thread instead: the worker is behind, and the backlog (ReadableSpans kept
 * for a crash, messages queued) must stay bounded. Folding inline then is the backpressure a
 * saturated app would feel without a worker.
 */
const MAX_WORKER_BACKLOG_SPANS = 20_000;

const DEFAULTS = {
  maxOpenTraces: 1000,
  maxSpansPerTrace: 10_000,
  idleTimeoutMs: 60_000,
  flushTimeoutMs: 30_000,
  worker: true,
  openRuns: {} as false | OpenRunsOptions,
};

const OPEN_RUN_DEFAULTS = {
  maxOpenRuns: 1000,
  maxRunBytes: 64 * 1024 * 1024,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
};

/** Longest wait between two looks for expired open runs. */
const MAX_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** Resolved options: defaults merged, bad values refused at construction with the value quoted. */
export type ResolvedFoldingOptions = Required<Omit<BundleFoldingOptions, 'onBundle'>> &
  Pick<BundleFoldingOptions, 'onBundle'>;

export function resolveFoldingOptions(
  component: string,
  options: BundleFoldingOptions,
): ResolvedFoldingOptions {
  if (!options || typeof options.sink?.write !== 'function') {
    throw new TypeError(
      `${component}: options.sink must be a BundleSink (an object with write(bundle))`,
    );
  }
  const resolved = { ...DEFAULTS, ...stripUndefined(options) } satisfies ResolvedFoldingOptions;
  for (const key of [
    'maxOpenTraces',
    'maxSpansPerTrace',
    'idleTimeoutMs',
    'flushTimeoutMs',
  ] as const) {
    const v = resolved[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(
        `${component}: ${key} must be a positive number, got ${JSON.stringify(v)}`,
      );
    }
  }
  const openRuns = resolved.openRuns;
  if (openRuns !== false) {
    if (typeof openRuns !== 'object' || openRuns === null) {
      throw new TypeError(
        `${component}: openRuns must be false or an object, got ${JSON.stringify(openRuns)}`,
      );
    }
    for (const key of ['maxOpenRuns', 'maxRunBytes', 'maxAgeMs'] as const) {
      const v = openRuns[key];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) {
        throw new RangeError(
          `${component}: openRuns.${key} must be a positive number, got ${JSON.stringify(v)}`,
        );
      }
    }
    if (
      openRuns.directory !== undefined &&
      (typeof openRuns.directory !== 'string' || openRuns.directory === '')
    ) {
      throw new TypeError(
        `${component}: openRuns.directory must be a non-empty path, got ${JSON.stringify(openRuns.directory)}`,
      );
    }
  }
  if (typeof resolved.worker !== 'boolean') {
    throw new TypeError(
      `${component}: worker must be a boolean, got ${JSON.stringify(resolved.worker)}`,
    );
  }
  return resolved;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Folds traces and writes their bundles, off the caller's stack: conversion, fold, sealing and
 * the sink all run after `submit` has returned, on a worker thread when the sink is a
 * FileBundleSink and `worker` is on, else on a later turn of the event loop. Tracks pending work
 * for flush and shutdown. Never throws: failures are counted and reported through diag, each
 * kind once.
 */
export class BundlePipeline {
  readonly stats: BundleFoldingStats = {
    bundlesWritten: 0,
    bundlesUnchanged: 0,
    bundlesRevised: 0,
    incomplete: 0,
    droppedSpans: 0,
    droppedTraces: 0,
    lateSpans: 0,
    droppedLogEvents: 0,
    sinkErrors: 0,
    foldErrors: 0,
    segmentsHeld: 0,
    openRunsCutShort: 0,
    openRunErrors: 0,
    foldedInline: 0,
  };
  readonly log: DiagLogger;
  private readonly queue: TraceItem[] = [];
  private readonly pending = new Set<Promise<void>>();
  private scheduled = false;
  private readonly warned = new Set<string>();
  private readonly worker: BundleWorkerClient | undefined;
  /** Where segments of runs not over yet wait for the rest; null when segments fold alone. */
  private readonly openRuns: OpenRunStore | null;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly options: ResolvedFoldingOptions,
    namespace: string,
    /** How the worker thread is started (tests start broken ones); default the bundle worker. */
    spawn?: (options: WorkerOptions) => Worker,
  ) {
    this.log = diag.createComponentLogger({ namespace });
    const sink = options.sink;
    // Only a FileBundleSink itself (not a subclass, which may write differently) can be made
    // again on the worker thread from its options.
    if (options.worker && sink instanceof FileBundleSink && sink.constructor === FileBundleSink) {
      this.worker = new BundleWorkerClient(
        { sink: sink.toWorkerData(), withText: options.onBundle !== undefined },
        {
          results: (items, results) => this.onWorkerResults(items, results),
          handBack: (items, reason, fatal) => {
            this.warnOnce(
              fatal ? 'worker' : 'workerBatch',
              fatal ? `${reason}; folding on this thread from now on` : reason,
            );
            this.stats.foldedInline += items.length;
            for (const item of items) this.processInline(item);
          },
          // A worker killed mid-append would hold the folder's ledger lock forever.
          exited: (threadId) => sink.releaseLedgerLockOf(threadId),
        },
        spawn,
      );
    }
    this.openRuns = this.openRunStore();
    if (this.openRuns !== null) {
      // Runs left open by earlier processes may have expired while nobody ran.
      this.track(this.sweepExpired());
      const every = Math.min(
        MAX_SWEEP_INTERVAL_MS,
        Math.max(1000, (this.openRunsOptions()?.maxAgeMs ?? OPEN_RUN_DEFAULTS.maxAgeMs) / 4),
      );
      this.sweeper = setInterval(() => this.track(this.sweepExpired()), every);
      this.sweeper.unref();
    }
  }

  private openRunsOptions(): OpenRunsOptions | null {
    const o = this.options.openRuns;
    return o === false ? null : o;
  }

  private openRunStore(): OpenRunStore | null {
    const o = this.openRunsOptions();
    if (o === null) return null;
    const sink = this.options.sink;
    const directory =
      o.directory ?? (sink instanceof FileBundleSink ? join(sink.directory, '.open-runs') : null);
    if (directory === null) {
      this.log.warn(
        'the sink is not a FileBundleSink and openRuns.directory is not set: each segment of a run that spans traces is folded alone',
      );
      return null;
    }
    return new OpenRunStore({
      directory,
      maxOpenRuns: o.maxOpenRuns ?? OPEN_RUN_DEFAULTS.maxOpenRuns,
      maxRunBytes: o.maxRunBytes ?? OPEN_RUN_DEFAULTS.maxRunBytes,
      maxAgeMs: o.maxAgeMs ?? OPEN_RUN_DEFAULTS.maxAgeMs,
      onProblem: (message) => {
        this.stats.openRunErrors++;
        this.warnOnce(
          'openRunFile',
          `an open run's segment file could not be read (left in place): ${message}`,
        );
      },
    });
  }

  /** Folds the open runs that have waited longer than `maxAgeMs`, incomplete. Never rejects. */
  private async sweepExpired(): Promise<void> {
    const store = this.openRuns;
    if (store === null) return;
    try {
      const { runs } = await store.expired();
      for (const run of runs) await this.foldReady(run);
    } catch (err) {
      this.stats.openRunErrors++;
      this.warnOnce('openRuns', `open runs could not be read: ${(err as Error).message}`);
    }
  }

  /** Reports a problem through diag once per kind; later ones are only counted. */
  warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.log.warn(`${message} (reported once; see stats for counts)`);
  }

  /**
   * Queues a finished trace, with its log-record events whose span never ended here; folded on a
   * later turn of the event loop.
   */
  submit(
    spans: readonly ReadableSpan[],
    truncated: boolean,
    strayLogs: readonly StrayLogEvent[] = [],
    droppedSpans?: DroppedSpans,
  ): void {
    this.queue.push({ spans, truncated, strayLogs, droppedSpans });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /**
   * Folds everything queued now (and open runs that have expired) and resolves when every
   * pending write has settled.
   */
  async flush(): Promise<void> {
    this.drain();
    if (this.openRuns !== null) this.track(this.sweepExpired());
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stops the worker thread, if any (at shutdown, after the last flush). */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.worker?.terminate();
  }

  /** {@link flush}, failing after `flushTimeoutMs`: the processor's and exporter's forceFlush. */
  flushWithin(what: string): Promise<void> {
    return withTimeout(this.flush(), this.options.flushTimeoutMs, what);
  }

  /**
   * The end of a shutdown: writes what is queued, shuts the sink down, and stops the worker, failing
   * after `flushTimeoutMs` if the sink hangs (the worker is stopped either way).
   */
  async close(what: string): Promise<void> {
    try {
      await withTimeout(
        (async () => {
          await this.flush();
          await this.options.sink.shutdown?.();
        })(),
        this.options.flushTimeoutMs,
        what,
      );
    } finally {
      await this.stop();
    }
  }

  private drain(): void {
    this.scheduled = false;
    const items = this.queue.splice(0);
    const runs: TraceItem[] = [];
    for (const item of items) {
      if (!this.isRun(item.spans)) continue;
      // A segment of a run that spans traces waits for the rest of its run, on this thread.
      if (isRunSegmentTrace(item.spans as unknown as readonly SpanRecord[])) {
        this.processSegment(item);
      } else runs.push(item);
    }
    if (runs.length === 0) return;
    const worker = this.worker;
    if (worker?.usable && worker.backlog < MAX_WORKER_BACKLOG_SPANS) {
      this.track(worker.submit(runs));
      return;
    }
    if (worker !== undefined) this.stats.foldedInline += runs.length;
    for (const item of runs) this.processInline(item);
  }

  /**
   * `isRunTrace` on the SDK spans themselves, before any conversion: it reads only `attributes`
   * (a key is present when its value is not undefined, as conversion keeps it) and event names,
   * which SDK spans have in the same shape. Most traces of an application are not runs.
   */
  private isRun(spans: readonly ReadableSpan[]): boolean {
    try {
      return isRunTrace(spans as unknown as readonly SpanRecord[]);
    } catch (err) {
      this.stats.foldErrors++;
      this.warnOnce('fold', `could not fold a trace: ${(err as Error).message}`);
      return false;
    }
  }

  private processInline({ spans, truncated, strayLogs, droppedSpans }: TraceItem): void {
    let bundle: RunBundle;
    try {
      const records: SpanRecord[] = spans.map(spanRecordFromReadableSpan);
      const logEvents = (strayLogs ?? []).map((l) => logEventRecord(l.traceId, l.spanId, l.event));
      bundle = bundleRun(records, { truncated, droppedSpans, logEvents });
    } catch (err) {
      this.stats.foldErrors++;
      this.warnOnce('fold', `could not fold a trace: ${(err as Error).message}`);
      return;
    }
    if (!bundle.run.complete) this.stats.incomplete++;
    const sink = this.options.sink;
    this.track(
      Promise.resolve()
        .then(() => sink.write(bundle))
        .then((result) => this.stored(result, () => bundle))
        .catch((err: unknown) => this.sinkFailed((err as Error)?.message ?? String(err))),
    );
  }

  /**
   * A finished segment: stored until its run is complete (or a limit is reached), then the run is
   * folded whole. Without a store, or if storing fails, the segment is folded alone.
   */
  private processSegment(item: TraceItem): void {
    let spans: SpanRecord[];
    let logEvents: LogEventRecord[];
    try {
      spans = item.spans.map(spanRecordFromReadableSpan);
      logEvents = (item.strayLogs ?? []).map((l) => logEventRecord(l.traceId, l.spanId, l.event));
    } catch (err) {
      this.stats.foldErrors++;
      this.warnOnce('fold', `could not fold a trace: ${(err as Error).message}`);
      return;
    }
    const segment = runSegmentOf(spans);
    const store = this.openRuns;
    if (segment === null || store === null) {
      this.track(
        this.foldAndWrite(spans, logEvents, item.truncated, item.droppedSpans).then(
          () => undefined,
        ),
      );
      return;
    }
    this.track(
      (async () => {
        let ready: ReadyRun | null;
        try {
          ready = await store.add(segment, spans, logEvents, item.truncated, item.droppedSpans);
        } catch (err) {
          this.stats.openRunErrors++;
          this.warnOnce(
            'openRuns',
            `a segment of run ${JSON.stringify(segment.runId)} could not be stored, so it is folded alone: ${(err as Error).message}`,
          );
          await this.foldAndWrite(spans, logEvents, item.truncated, item.droppedSpans);
          return;
        }
        if (ready === null) {
          this.stats.segmentsHeld++;
          return;
        }
        await this.foldReady(ready);
      })(),
    );
  }

  /** Folds and writes an open run, then forgets what was stored of it once the write succeeded. */
  private async foldReady(ready: ReadyRun): Promise<void> {
    if (ready.reason !== 'complete') {
      this.stats.openRunsCutShort++;
      this.warnOnce(
        `openRun:${ready.reason}`,
        `run ${JSON.stringify(ready.runId)} was folded before all its segments came (${ready.reason.replace(/_/g, ' ')}); its bundle says which are missing`,
      );
    }
    if (
      await this.foldAndWrite(ready.spans, ready.logEvents, ready.truncated, ready.droppedSpans)
    ) {
      await ready.forget().catch((err: unknown) => {
        this.stats.openRunErrors++;
        this.warnOnce('openRunForget', `a folded open run could not be removed: ${String(err)}`);
      });
    }
  }

  /** Folds span records, seals and writes the bundle; resolves to whether it was stored. */
  private async foldAndWrite(
    spans: SpanRecord[],
    logEvents: LogEventRecord[],
    truncated: boolean,
    droppedSpans: DroppedSpans | undefined,
  ): Promise<boolean> {
    let bundle: RunBundle;
    try {
      bundle = bundleRun(spans, { truncated, droppedSpans, logEvents });
    } catch (err) {
      this.stats.foldErrors++;
      this.warnOnce('fold', `could not fold a trace: ${(err as Error).message}`);
      return false;
    }
    if (!bundle.run.complete) this.stats.incomplete++;
    try {
      const result = await this.options.sink.write(bundle);
      this.stored(result, () => bundle);
      return true;
    } catch (err) {
      this.sinkFailed((err as Error)?.message ?? String(err));
      return false;
    }
  }

  private onWorkerResults(items: readonly TraceItem[], results: readonly WorkerResult[]): void {
    for (let i = 0; i < items.length; i++) {
      const result = results[i];
      if (result === undefined) {
        // The worker answered for fewer traces than it was sent: do the rest here.
        this.stats.foldedInline++;
        this.processInline(items[i]!);
        continue;
      }
      if (result.complete === false) this.stats.incomplete++;
      if (result.ok) {
        const { text } = result;
        this.stored(result, () => JSON.parse(text ?? 'null') as RunBundle);
      } else if (result.stage === 'sink') {
        this.sinkFailed(result.message);
      } else {
        this.stats.foldErrors++;
        this.warnOnce('fold', `could not fold a trace: ${result.message}`);
      }
    }
  }

  private stored(result: BundleWriteResult, bundle: () => RunBundle): void {
    if (result.status === 'written') this.stats.bundlesWritten++;
    else if (result.status === 'unchanged') this.stats.bundlesUnchanged++;
    else this.stats.bundlesRevised++;
    this.log.debug(`bundle ${result.status}: ${result.location}`);
    const onBundle = this.options.onBundle;
    if (onBundle === undefined) return;
    try {
      onBundle(bundle(), { status: result.status, location: result.location });
    } catch (err) {
      this.warnOnce('onBundle', `onBundle callback threw: ${(err as Error).message}`);
    }
  }

  private sinkFailed(message: string): void {
    this.stats.sinkErrors++;
    this.warnOnce('sink', `the bundle sink failed: ${message}`);
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}

/** Resolves with the promise, or rejects after `ms` with a timeout error; the timer is unref'd. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
