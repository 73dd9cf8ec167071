import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor, StartedSpan } from './sdk-types.js';
import {
  BundlePipeline,
  resolveFoldingOptions,
  type ResolvedFoldingOptions,
} from './bundle-pipeline.js';
import { TraceBuffer, type TraceEntry } from './trace-buffer.js';
import type { BundleFoldingOptions, BundleFoldingStats } from './types.js';

const NAMESPACE = '@llm-workbench/processor';

/**
 * A span processor that folds each finished trace into a run bundle and hands it to a sink.
 * A trace is folded once its local root span and every span started in it have ended, or after
 * `idleTimeoutMs` without activity (then the bundle says `complete: false`). `onEnd` only buffers;
 * folding and writing happen on a later turn of the event loop. Never throws into your code:
 * drops and failures are counted in {@link RunBundleSpanProcessor.stats} and reported once through diag.
 *
 * @example
 * const provider = new BasicTracerProvider({
 *   spanProcessors: [
 *     new BatchSpanProcessor(new OTLPTraceExporter()),
 *     new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: './bundles' }) }),
 *   ],
 * });
 */
export class RunBundleSpanProcessor implements SpanProcessor {
  private readonly options: ResolvedFoldingOptions;
  private readonly pipeline: BundlePipeline;
  private readonly buffer: TraceBuffer;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: BundleFoldingOptions) {
    this.options = resolveFoldingOptions('RunBundleSpanProcessor', options);
    this.pipeline = new BundlePipeline(this.options, NAMESPACE);
    const idle = this.options.idleTimeoutMs;
    this.buffer = new TraceBuffer(
      this.options,
      this.pipeline,
      (entry, now) => (now - entry.lastActivity >= idle ? 'truncated' : 'keep'),
      Math.max(10, Math.min(idle / 2, 5000)),
    );
  }

  /** What has been written, dropped and failed so far. */
  get stats(): Readonly<BundleFoldingStats> {
    return this.pipeline.stats;
  }

  onStart(span: StartedSpan, _parentContext: Context): void {
    if (this.shutdownPromise) return;
    try {
      const entry = this.buffer.entryFor(span.spanContext().traceId, performance.now(), true);
      if (!entry) return;
      entry.open++;
      entry.lastActivity = performance.now();
    } catch (err) {
      this.pipeline.warnOnce('onStart', `onStart failed: ${(err as Error).message}`);
    }
  }

  onEnd(span: ReadableSpan): void {
    if (this.shutdownPromise) return;
    try {
      const traceId = span.spanContext().traceId;
      const entry = this.buffer.entryFor(traceId, performance.now(), false);
      if (!entry) return;
      this.buffer.add(entry, span);
      entry.open--;
      entry.lastActivity = performance.now();
      const parent = span.parentSpanContext;
      if (parent === undefined || parent.isRemote === true) entry.rootSeen = true;
      if (entry.rootSeen && entry.open <= 0) this.buffer.fold(traceId, entry, false);
    } catch (err) {
      this.pipeline.warnOnce('onEnd', `onEnd failed: ${(err as Error).message}`);
    }
  }

  /** Writes every finished trace's bundle; rejects if the sink has not finished within `flushTimeoutMs`. */
  forceFlush(): Promise<void> {
    return this.pipeline.flushWithin('RunBundleSpanProcessor.forceFlush');
  }

  /**
   * Folds every buffered trace (unfinished ones marked incomplete), writes them, and stops. Runs
   * once; later calls return the same promise. Rejects if the sink does not finish within `flushTimeoutMs`.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.buffer.foldAll(isFinished);
      this.buffer.stopSweeper();
      await this.pipeline.close('RunBundleSpanProcessor.shutdown');
    })();
    return this.shutdownPromise;
  }
}

function isFinished(entry: TraceEntry): boolean {
  return entry.rootSeen && entry.open <= 0;
}
