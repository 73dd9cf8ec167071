import {
  EXPORT_FAILED,
  EXPORT_SUCCESS,
  type ExportResult,
  type ReadableSpan,
  type SpanExporter,
} from './sdk-types.js';
import { BufferedTraceFolder } from './buffered-trace-folder.js';
import type { RunBundleSpanExporterOptions } from './types.js';

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
export class RunBundleSpanExporter extends BufferedTraceFolder implements SpanExporter {
  constructor(options: RunBundleSpanExporterOptions) {
    super('RunBundleSpanExporter', options, ({ idleTimeoutMs: idle }) => {
      const quiet = options.quietPeriodMs ?? DEFAULT_QUIET_MS;
      if (typeof quiet !== 'number' || !Number.isFinite(quiet) || quiet < 0) {
        throw new RangeError(
          `RunBundleSpanExporter: quietPeriodMs must be a non-negative number, got ${JSON.stringify(quiet)}`,
        );
      }
      return {
        decide: (entry, now) =>
          entry.rootSeen && now - entry.lastActivity >= quiet
            ? 'complete'
            : now - entry.lastActivity >= idle
              ? 'truncated'
              : 'keep',
        everyMs: Math.max(10, Math.min(quiet / 2 || 10, idle / 2, 1000)),
      };
    });
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
    return this.shutdownOnce((entry) => entry.rootSeen);
  }
}
