import {
  EXPORT_FAILED,
  EXPORT_SUCCESS,
  type ExportResult,
  type ReadableSpan,
  type SpanExporter,
} from './sdk-types.js';
import {
  BundlePipeline,
  resolveFoldingOptions,
  type ResolvedFoldingOptions,
} from './bundle-pipeline.js';
import { TraceBuffer } from './trace-buffer.js';
import type { BundleFoldingStats, RunBundleSpanExporterOptions } from './types.js';

const NAMESPACE = '@llm-workbench/processor';
const DEFAULT_QUIET_MS = 2000;

/**
 * A span exporter for setups that configure exporters rather than processors (NodeSDK's
 * `traceExporter`, or your own BatchSpanProcessor). It assembles traces from export batches and
 * folds a trace once its root span has arrived and no span of it has arrived for `quietPeriodMs`;
 * a trace whose root never arrives is folded after `idleTimeoutMs`, marked incomplete. The bundles
 * are the same as {@link RunBundleSpanProcessor}'s.
 *
 * @example
 * const sdk = new NodeSDK({
 *   traceExporter: new RunBundleSpanExporter({ sink: new FileBundleSink({ directory: './bundles' }) }),
 * });
 */
export class RunBundleSpanExporter implements SpanExporter {
  private readonly options: ResolvedFoldingOptions;
  private readonly pipeline: BundlePipeline;
  private readonly buffer: TraceBuffer;
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: RunBundleSpanExporterOptions) {
    this.options = resolveFoldingOptions('RunBundleSpanExporter', options);
    const quiet = options.quietPeriodMs ?? DEFAULT_QUIET_MS;
    if (typeof quiet !== 'number' || !Number.isFinite(quiet) || quiet < 0) {
      throw new RangeError(
        `RunBundleSpanExporter: quietPeriodMs must be a non-negative number, got ${JSON.stringify(quiet)}`,
      );
    }
    this.pipeline = new BundlePipeline(this.options, NAMESPACE);
    const idle = this.options.idleTimeoutMs;
    this.buffer = new TraceBuffer(
      this.options,
      this.pipeline,
      (entry, now) =>
        entry.rootSeen && now - entry.lastActivity >= quiet
          ? 'complete'
          : now - entry.lastActivity >= idle
            ? 'truncated'
            : 'keep',
      Math.max(10, Math.min(quiet / 2 || 10, idle / 2, 1000)),
    );
  }

  /** What has been written, dropped and failed so far. */
  get stats(): Readonly<BundleFoldingStats> {
    return this.pipeline.stats;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.shutdownPromise) {
      resultCallback({
        code: EXPORT_FAILED,
        error: new Error('RunBundleSpanExporter is shut down'),
      });
      return;
    }
    try {
      const now = performance.now();
      for (const span of spans) {
        const entry = this.buffer.entryFor(span.spanContext().traceId, now, true);
        if (!entry) continue;
        this.buffer.add(entry, span);
        entry.lastActivity = now;
        const parent = span.parentSpanContext;
        if (parent === undefined || parent.isRemote === true) entry.rootSeen = true;
      }
    } catch (err) {
      this.pipeline.warnOnce('export', `export failed: ${(err as Error).message}`);
    }
    // Buffered in memory: the batch is accepted; bundles follow once traces go quiet.
    resultCallback({ code: EXPORT_SUCCESS });
  }

  /** Folds every trace whose root has arrived, and writes them; others keep waiting. */
  forceFlush(): Promise<void> {
    for (const [traceId, entry] of [...this.buffer.entries]) {
      if (entry.rootSeen) this.buffer.fold(traceId, entry, false);
    }
    return this.pipeline.flushWithin('RunBundleSpanExporter.forceFlush');
  }

  /** Folds everything buffered (traces without a root marked incomplete), writes, and stops; once. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.buffer.foldAll((entry) => entry.rootSeen);
      this.buffer.stopSweeper();
      await this.pipeline.close('RunBundleSpanExporter.shutdown');
    })();
    return this.shutdownPromise;
  }
}
