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
  /**
   * Runs that span traces (suspended with `run.suspend()` and resumed with `wb.resumeRun`): each
   * finished segment is stored durably until the segment that ends the run has come, then all
   * are folded into one bundle (named by segment 1's trace id) and the stored ones removed; so
   * the process may exit between segments, and the one that resumes (writing to the same folder)
   * writes the run's bundle. `false` folds each segment alone. Default: on, in
   * `<FileBundleSink directory>/.open-runs` (with another sink, give `directory`, else segments are
   * folded alone and that is reported once).
   */
  openRuns?: false | OpenRunsOptions;
}

/** Where and how long the processor keeps the segments of runs not over yet. */
export interface OpenRunsOptions {
  /** Folder of the open runs. Default `<FileBundleSink directory>/.open-runs`. */
  directory?: string;
  /** Most runs held open; a segment of one more is folded alone, incomplete. Default 1000. */
  maxOpenRuns?: number;
  /** Most bytes one open run may hold; past it, it is folded as it is, incomplete. Default 64 MiB. */
  maxRunBytes?: number;
  /**
   * How long a run may stay open, from its first stored segment; then it is folded as it is, an
   * incomplete bundle saying which segments are missing (checked at start, at each forceFlush and
   * periodically). Default 7 days.
   */
  maxAgeMs?: number;
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
  /**
   * Events that came as log records and were dropped: their trace was not held here (not started
   * here, or already folded), or over the cap. Those whose span never ended are not dropped: the
   * bundle flags them (`log_event_without_span`).
   */
  droppedLogEvents: number;
  sinkErrors: number;
  foldErrors: number;
  /** Segments of runs not over yet, stored to wait for the rest of their run. */
  segmentsHeld: number;
  /** Open runs folded incomplete: expired, over their byte limit, or beyond the open-run cap. */
  openRunsCutShort: number;
  /** Failures to store or read open runs (the segment is then folded alone). */
  openRunErrors: number;
  /**
   * Traces folded on the application's thread although the worker was on: it was more than
   * 20,000 spans behind (backpressure: the application produces spans faster than one thread
   * folds them), could not take a batch, or is gone. Always 0 without a worker (`worker: false`,
   * or a sink other than a FileBundleSink).
   */
  foldedInline: number;
}
