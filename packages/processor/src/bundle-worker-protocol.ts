import type { BundleWriteResult, FileBundleSinkWorkerData } from '@llm-workbench/sink';
import type { EncodedBatch } from './span-transfer.js';

/** What the worker is started with (`workerData`): how to make its FileBundleSink. */
export interface BundleWorkerConfig {
  /**
   * The application's sink in a form that crosses threads (`FileBundleSink.toWorkerData()`): its
   * folder, fsync, ledger and signing settings, the signing key as a KeyObject (never text, never
   * logged), and the lock its ledger shares with the application thread's sink.
   */
  readonly sink: FileBundleSinkWorkerData;
  /** Send each bundle's text back, for an `onBundle` callback. */
  readonly withText: boolean;
}

/**
 * What the application thread posts: a batch of finished traces (`batch`); or, for a trace too
 * large to copy in one turn of the event loop, its spans in `part`s under one id, then the rest of
 * it as a one-trace `batch` (the worker folds the parts with it), or `abandon` if the rest cannot
 * be sent (the worker drops the parts).
 */
export type ToWorker =
  | { readonly id: number; readonly batch: EncodedBatch }
  | { readonly id: number; readonly part: EncodedBatch }
  | { readonly id: number; readonly abandon: true };

/** What became of one trace of a batch, in batch order. */
export type WorkerResult =
  | (BundleWriteResult & {
      readonly ok: true;
      readonly complete: boolean;
      /** The bundle file's text, when asked for (`withText`). */
      readonly text?: string | undefined;
    })
  | {
      readonly ok: false;
      readonly stage: 'fold' | 'sink';
      readonly message: string;
      /** Known when the fold succeeded and the sink failed. */
      readonly complete?: boolean | undefined;
    };

/** The worker's answer to a batch: a result per trace, or why the whole batch failed. */
export type FromWorker =
  | { readonly id: number; readonly results: readonly WorkerResult[] }
  | { readonly id: number; readonly failed: string };
