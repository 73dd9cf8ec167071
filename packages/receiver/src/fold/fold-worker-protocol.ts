import type { FileBundleSinkWorkerData } from '@llm-workbench/sink';
import type { RunAssemblerOptions, RunGauges } from './run-assembler.js';
import type { FoldJob, FoldOutcome } from './types.js';

/** What the fold worker is started with (`workerData`). */
export interface FoldWorkerConfig {
  readonly spoolDir: string;
  /**
   * The bundle sink, as `FileBundleSink.toWorkerData()` gives it: folder, fsync, ledger, signer
   * role, the signing key as a KeyObject (never text: it is never logged) and the ledger's lock,
   * shared with the fallback sink on the receiver's thread.
   */
  readonly sink: FileBundleSinkWorkerData;
  readonly writeConcurrency: number;
  readonly cacheSpans: number;
  /** Where and how long segments of runs spanning traces are held; none: folded alone. */
  readonly runs?: RunAssemblerOptions | undefined;
}

/**
 * A batch of traces to fold; or (`resetSink`) an order to make the sink again from the config,
 * after the output folder was removed or replaced.
 */
export type ToFoldWorker =
  { readonly id: number; readonly jobs: readonly FoldJob[] } | { readonly resetSink: true };

/** The outcomes of a batch, in order, and the worker thread's CPU time so far. */
export interface FromFoldWorker {
  readonly id: number;
  readonly outcomes: readonly FoldOutcome[];
  readonly cpuSeconds: number | null;
  /** The run assembler's gauges and counters after the batch; null without one. */
  readonly runs: RunGauges | null;
}
