/** Why FileBundleSink refused or failed a write. */
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
  | 'ledger_busy';

/**
 * Thrown by FileBundleSink for a bundle it refuses to store, or a folder it cannot keep whole.
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
