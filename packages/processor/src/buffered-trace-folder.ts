import {
  BundlePipeline,
  resolveFoldingOptions,
  type ResolvedFoldingOptions,
} from './bundle-pipeline.js';
import { TraceBuffer, type TraceEntry } from './trace-buffer.js';
import type { BundleFoldingOptions, BundleFoldingStats } from './types.js';

const NAMESPACE = '@llm-workbench/processor';

/** When a sweep of the buffer folds a trace, and how often it sweeps. */
export interface Sweep {
  /** Whether an entry is ready (`complete`), idle too long (`truncated`) or waits (`keep`). */
  readonly decide: (entry: TraceEntry, now: number) => 'keep' | 'complete' | 'truncated';
  readonly everyMs: number;
}

/**
 * What {@link RunBundleSpanProcessor} and {@link RunBundleSpanExporter} share: options resolved
 * and refused at construction, the pipeline that folds and writes off the caller's stack, the
 * buffer of open traces, the stats, and a shutdown that runs once. They differ in how spans come
 * in and when a trace is ready.
 *
 * @example
 * class MyFolder extends BufferedTraceFolder {
 *   constructor(options: BundleFoldingOptions) {
 *     super('MyFolder', options, (o) => ({ decide: () => 'keep', everyMs: o.idleTimeoutMs }));
 *   }
 * }
 */
export abstract class BufferedTraceFolder {
  protected readonly pipeline: BundlePipeline;
  protected readonly buffer: TraceBuffer;
  protected shutdownPromise: Promise<void> | undefined;

  /**
   * @param component the class's name, in errors and flush messages
   * @param sweep the sweep, from the resolved options; it may refuse an option of its own (it
   *   runs before the pipeline starts)
   */
  protected constructor(
    protected readonly component: string,
    options: BundleFoldingOptions,
    sweep: (resolved: ResolvedFoldingOptions) => Sweep,
  ) {
    const resolved = resolveFoldingOptions(component, options);
    const { decide, everyMs } = sweep(resolved);
    this.pipeline = new BundlePipeline(resolved, NAMESPACE);
    this.buffer = new TraceBuffer(resolved, this.pipeline, decide, everyMs);
  }

  /** What has been written, dropped and failed so far. */
  get stats(): Readonly<BundleFoldingStats> {
    return this.pipeline.stats;
  }

  /**
   * Folds every buffered trace (those `isDone` rejects marked incomplete), writes them, and stops;
   * once: later calls return the same promise.
   */
  protected shutdownOnce(isDone: (entry: TraceEntry) => boolean): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.buffer.foldAll(isDone);
      this.buffer.stopSweeper();
      await this.pipeline.close(`${this.component}.shutdown`);
    })();
    return this.shutdownPromise;
  }
}
