import type { KeyObject } from 'node:crypto';
import type { RunBundle } from '@llm-workbench/bundle';
import type { SignerRole, SigningKey } from '@llm-workbench/evidence';

/** What a sink did with a bundle. */
export interface BundleWriteResult {
  /**
   * - `written`: the bundle's file was created;
   * - `unchanged`: a file with the same bytes was already there (a duplicate fold);
   * - `revision`: a different bundle of the same trace was already there, which is never
   *   rewritten; this one was written beside it under a name with its hash.
   */
  status: 'written' | 'unchanged' | 'revision';
  /** Where the bundle is (a file path, or a URL for remote sinks). */
  location: string;
}

/** What became of one bundle of a {@link BundleSink.writeMany} batch. */
export type BundleWriteOutcome =
  | { readonly ok: true; readonly result: BundleWriteResult }
  | { readonly ok: false; readonly error: Error };

/** Where bundles go. Implementations must be safe to call concurrently. */
export interface BundleSink {
  /** Stores a bundle durably; the promise settles once it is stored or failed. */
  write(bundle: RunBundle): Promise<BundleWriteResult>;
  /**
   * Stores many bundles, sharing what a sink can share among them (fsyncs, ledger appends);
   * optional. Resolves, never rejects, once every bundle is stored or failed: one outcome per
   * bundle, in order. A bundle is stored as durably as by `write` once its outcome is `ok`.
   */
  writeMany?(bundles: readonly RunBundle[]): Promise<BundleWriteOutcome[]>;
  /** Releases resources; optional. */
  shutdown?(): Promise<void>;
}

/** Options of `FileBundleSink`. */
export interface FileBundleSinkOptions {
  /** Folder that receives the bundles; created if missing. Required. */
  directory: string;
  /** Whether to fsync files and the folder (durable across power loss). Default true. */
  fsync?: boolean;
  /**
   * Append a line to the folder's `ledger.jsonl` for every bundle placed (file name,
   * `integrity.sha256`, time, the previous line's hash): the hash chain `workbench verify DIR`
   * checks the folder against. A write resolves once its line is on disk. Default true.
   */
  ledger?: boolean;
  /**
   * Sign every bundle as it is written: `X.dsse.json` (a DSSE envelope of an in-toto statement)
   * lands beside `X.json` before the bundle does, and the ledger's head is kept signed in
   * `ledger.checkpoint.dsse.json`. Read one with `loadSigningKey` from @llm-workbench/evidence
   * (a file, `WORKBENCH_SIGNING_KEY` or `WORKBENCH_SIGNING_KEY_FILE`). Default: no signing.
   */
  signingKey?: SigningKey | undefined;
  /** Who the signatures say vouched: `app`, `receiver` or `operator`. Default `app`. */
  signerRole?: SignerRole;
}

/**
 * A FileBundleSink's options in a form that crosses to a worker thread (`workerData` or
 * `postMessage`): the key as a KeyObject, and the lock its ledger shares with the sink it came
 * from. Made by `sink.toWorkerData()`, used by `FileBundleSink.fromWorkerData()`.
 */
export interface FileBundleSinkWorkerData {
  readonly directory: string;
  readonly fsync: boolean;
  readonly ledger: boolean;
  readonly signerRole: SignerRole;
  readonly signingKey: KeyObject | undefined;
  readonly ledgerLock: SharedArrayBuffer;
}
