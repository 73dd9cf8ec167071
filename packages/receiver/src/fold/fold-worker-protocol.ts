import type { FoldJob, FoldOutcome } from './types.js';

/** What the fold worker is started with (`workerData`). */
export interface FoldWorkerConfig {
  readonly spoolDir: string;
  readonly outDir: string;
  readonly fsync: boolean;
  readonly writeConcurrency: number;
  readonly cacheSpans: number;
}

/** A batch of traces to fold. */
export interface ToFoldWorker {
  readonly id: number;
  readonly jobs: readonly FoldJob[];
}

/** The outcomes of a batch, in order, and the worker thread's CPU time so far. */
export interface FromFoldWorker {
  readonly id: number;
  readonly outcomes: readonly FoldOutcome[];
  readonly cpuSeconds: number | null;
}
