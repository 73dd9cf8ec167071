import type { BundleSink, BundleWriteResult } from '@llm-workbench/sink';
import type { RunBundle } from '@llm-workbench/bundle';

/** Options shared by {@link RunBundleSpanProcessor} and {@link RunBundleSpanExporter}. */
export interface BundleFoldingOptions {
  /** Where bundles go, e.g. `new FileBundleSink({ directory: './bundles' })`. Required. */
  sink: BundleSink;
  /** Most traces buffered at once; spans of further traces are dropped and counted. Default 1000. */
  maxOpenTraces?: number;
  /** Most spans buffered for one trace; further spans are dropped and counted. Default 10000. */
  maxSpansPerTrace?: number;
  /**
   * A trace with no activity for this long is folded as it is, marked `complete: false`.
   * Default 60000 ms.
   */
  idleTimeoutMs?: number;
  /** How long `forceFlush` and `shutdown` wait for the sink before failing. Default 30000 ms. */
  flushTimeoutMs?: number;
  /** Called after each bundle is stored (for logging or metrics); errors it throws are reported through diag. */
  onBundle?: (bundle: RunBundle, result: BundleWriteResult) => void;
  /**
   * Fold, seal and write bundles on a worker thread, so that your application's thread only
   * copies each finished trace's span data (a few microseconds a span). Applies to a
   * `FileBundleSink` (other sinks run on your thread: they are your objects); bundles are the
   * same bytes either way. The worker is unref'd while idle; if it cannot start or fails, that
   * is reported once through diag and folding continues inline, nothing lost. While the worker
   * is more than 20 000 spans behind, finished traces are folded inline (backpressure, bounded
   * memory). Default true.
   */
  worker?: boolean;
}

/** Options of {@link RunBundleSpanExporter}. */
export interface RunBundleSpanExporterOptions extends BundleFoldingOptions {
  /**
   * Once a trace's root span has arrived, how long it must stay quiet (no new spans) before it is
   * folded. Default 2000 ms.
   */
  quietPeriodMs?: number;
}

/** Counters of what the processor or exporter did, for tests and metrics. */
export interface BundleFoldingStats {
  bundlesWritten: number;
  bundlesUnchanged: number;
  bundlesRevised: number;
  incomplete: number;
  droppedSpans: number;
  droppedTraces: number;
  lateSpans: number;
  /** Events that came as log records and were dropped: their span never ended here, or over the cap. */
  droppedLogEvents: number;
  sinkErrors: number;
  foldErrors: number;
}
