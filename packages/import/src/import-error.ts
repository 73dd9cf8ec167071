/** Why an import or a replay failed. Codes are stable; messages are for people. */
export type ImportErrorCode =
  /** The backend could not be reached: connection refused, DNS failure, reset. */
  | 'unreachable'
  /** The backend did not answer within the timeout. */
  | 'timeout'
  /** The backend answered 404 for a trace id. */
  | 'not_found'
  /** The backend answered with another non-2xx status. */
  | 'http_status'
  /** The backend answered 2xx with a body that is not the expected JSON. */
  | 'bad_response'
  /** An argument was refused before anything was sent (bad URL, trace id, duration). */
  | 'invalid_argument'
  /** An input was larger than the limit set for it (`maxInputBytes`); nothing of it was kept. */
  | 'too_large';

/**
 * The one error class of `@llm-workbench/import`: a stable `code`, the `url` involved (when there
 * is one), the HTTP `status` (when the backend answered), and the underlying error as `cause`.
 *
 * @example
 * try {
 *   await jaeger.getTrace(id);
 * } catch (err) {
 *   if (err instanceof ImportError && err.code === 'not_found') console.error(err.message);
 * }
 */
export class ImportError extends Error {
  override readonly name = 'ImportError';
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    readonly details: { readonly url?: string; readonly status?: number } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
