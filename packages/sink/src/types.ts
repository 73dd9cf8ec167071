import type { RunBundle } from '@llm-workbench/bundle';

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

/** Where bundles go. Implementations must be safe to call concurrently. */
export interface BundleSink {
  /** Stores a bundle durably; the promise settles once it is stored or failed. */
  write(bundle: RunBundle): Promise<BundleWriteResult>;
  /** Releases resources; optional. */
  shutdown?(): Promise<void>;
}

/** Options of `FileBundleSink`. */
export interface FileBundleSinkOptions {
  /** Folder that receives the bundles; created if missing. Required. */
  directory: string;
  /** Whether to fsync files and the folder (durable across power loss). Default true. */
  fsync?: boolean;
}
