import { diag, type DiagLogger } from '@opentelemetry/api';
import {
  foldRun,
  isRunTrace,
  sealBundle,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { FileBundleSink, type BundleWriteResult } from '@llm-workbench/sink';
import type { ReadableSpan } from './sdk-types.js';
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { BundleWorkerClient } from './bundle-worker-client.js';
import type { WorkerResult } from './bundle-worker-protocol.js';
import { logEventRecord, spanRecordFromReadableSpan } from './span-record-from-readable-span.js';
import type { StrayLogEvent, TraceItem } from './span-transfer.js';
import type { BundleFoldingOptions, BundleFoldingStats } from './types.js';

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
};

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
  };
  readonly log: DiagLogger;
  private readonly queue: TraceItem[] = [];
  private readonly pending = new Set<Promise<void>>();
  private scheduled = false;
  private readonly warned = new Set<string>();
  private readonly worker: BundleWorkerClient | undefined;

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
            for (const item of items) this.processInline(item);
          },
          // A worker killed mid-append would hold the folder's ledger lock forever.
          exited: (threadId) => sink.releaseLedgerLockOf(threadId),
        },
        spawn,
      );
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
  ): void {
    this.queue.push({ spans, truncated, strayLogs });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Folds everything queued now and resolves when every pending write has settled. */
  async flush(): Promise<void> {
    this.drain();
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stops the worker thread, if any (at shutdown, after the last flush). */
  async stop(): Promise<void> {
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
    for (const item of items) if (this.isRun(item.spans)) runs.push(item);
    if (runs.length === 0) return;
    const worker = this.worker;
    if (worker?.usable && worker.backlog < MAX_WORKER_BACKLOG_SPANS)
      this.track(worker.submit(runs));
    else for (const item of runs) this.processInline(item);
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

  private processInline({ spans, truncated, strayLogs }: TraceItem): void {
    let bundle: RunBundle;
    try {
      const records: SpanRecord[] = spans.map(spanRecordFromReadableSpan);
      const logEvents = (strayLogs ?? []).map((l) => logEventRecord(l.traceId, l.spanId, l.event));
      bundle = sealBundle(
        foldRun(records, logEvents.length > 0 ? { truncated, logEvents } : { truncated }),
      );
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

  private onWorkerResults(items: readonly TraceItem[], results: readonly WorkerResult[]): void {
    for (let i = 0; i < items.length; i++) {
      const result = results[i];
      if (result === undefined) {
        // The worker answered for fewer traces than it was sent: do the rest here.
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
