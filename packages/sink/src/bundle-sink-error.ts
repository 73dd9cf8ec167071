/** Why a sink (FileBundleSink, S3BundleSink) refused or failed a write. */
export type BundleSinkErrorCode =
  /** The bundle's trace id is not 32 lowercase hex digits: it could name a path outside. */
  | 'invalid_trace_id'
  /** A name in the folder is not a regular file (a planted symlink, say). */
  | 'outside_directory'
  /** The folder is not a directory. */
  | 'not_a_directory'
  /** The folder's `ledger.jsonl` does not chain (edited, cut or re-ordered): never appended to. */
  | 'ledger_broken'
  /** Another thread of this process held the ledger too long (it died holding it). */
  | 'ledger_busy'
  /** A remote sink's location (bucket, prefix) is not one it can write under safely. */
  | 'invalid_location'
  /** A remote store kept failing (or was unreachable) through every retry and the time allowed. */
  | 'unavailable'
  /** A remote sink had too many writes waiting already (its memory bound): try again later. */
  | 'overloaded'
  /** The sink was shut down: it takes no more writes. */
  | 'shut_down';

/**
 * Thrown by a sink for a bundle it refuses to store, or a folder (or bucket prefix) it cannot keep
 * whole.
 *
 * @example
 * try { await sink.write(bundle); } catch (err) {
 *   if (err instanceof BundleSinkError && err.code === 'ledger_broken') alertOperator(err.message);
 * }
 */
export class BundleSinkError extends Error {
  override readonly name = 'BundleSinkError';
  constructor(
    message: string,
    readonly code: BundleSinkErrorCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
