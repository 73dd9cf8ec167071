import { diag, type DiagLogger } from '@opentelemetry/api';
import { foldRun, isRunTrace, sealBundle, type SpanRecord } from '@llm-workbench/bundle';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { spanRecordFromReadableSpan } from './span-record-from-readable-span.js';
import type { BundleFoldingOptions, BundleFoldingStats } from './types.js';

const DEFAULTS = {
  maxOpenTraces: 1000,
  maxSpansPerTrace: 10_000,
  idleTimeoutMs: 60_000,
  flushTimeoutMs: 30_000,
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
  return resolved;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Folds traces and writes their bundles, off the caller's stack: conversion, fold, sealing and
 * the sink all run after `submit` has returned. Tracks pending writes for flush and shutdown.
 * Never throws: failures are counted and reported through diag, each kind once.
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
    sinkErrors: 0,
    foldErrors: 0,
  };
  readonly log: DiagLogger;
  private readonly queue: Array<{ spans: readonly ReadableSpan[]; truncated: boolean }> = [];
  private readonly pending = new Set<Promise<void>>();
  private scheduled = false;
  private readonly warned = new Set<string>();

  constructor(
    private readonly options: ResolvedFoldingOptions,
    namespace: string,
  ) {
    this.log = diag.createComponentLogger({ namespace });
  }

  /** Reports a problem through diag once per kind; later ones are only counted. */
  warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.log.warn(`${message} (reported once; see stats for counts)`);
  }

  /** Queues a finished trace; folded on a later turn of the event loop. */
  submit(spans: readonly ReadableSpan[], truncated: boolean): void {
    this.queue.push({ spans, truncated });
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

  private drain(): void {
    this.scheduled = false;
    const items = this.queue.splice(0);
    for (const item of items) this.process(item.spans, item.truncated);
  }

  private process(spans: readonly ReadableSpan[], truncated: boolean): void {
    let records: SpanRecord[];
    let bundle;
    try {
      records = spans.map(spanRecordFromReadableSpan);
      if (!isRunTrace(records)) return;
      bundle = sealBundle(foldRun(records, { truncated }));
    } catch (err) {
      this.stats.foldErrors++;
      this.warnOnce('fold', `could not fold a trace: ${(err as Error).message}`);
      return;
    }
    if (!bundle.run.complete) this.stats.incomplete++;
    const sink = this.options.sink;
    const write = Promise.resolve()
      .then(() => sink.write(bundle))
      .then((result) => {
        if (result.status === 'written') this.stats.bundlesWritten++;
        else if (result.status === 'unchanged') this.stats.bundlesUnchanged++;
        else this.stats.bundlesRevised++;
        this.log.debug(`bundle ${result.status}: ${result.location}`);
        try {
          this.options.onBundle?.(bundle, result);
        } catch (err) {
          this.warnOnce('onBundle', `onBundle callback threw: ${(err as Error).message}`);
        }
      })
      .catch((err: unknown) => {
        this.stats.sinkErrors++;
        this.warnOnce('sink', `the bundle sink failed: ${(err as Error).message}`);
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
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
