/**
 * Why a value has no RFC 8785 canonical form.
 *
 * - `non_finite_number`: NaN, Infinity or -Infinity.
 * - `lone_surrogate`: a string or an object key holding an unpaired UTF-16 surrogate.
 * - `undefined`: `undefined` as a value, an array element (or hole) or an object member.
 * - `bigint`: a BigInt; convert it to a decimal string (or a safe number) first.
 * - `unsupported_type`: a function or a symbol.
 * - `non_plain_object`: an object whose prototype is neither `Object.prototype` nor `null`, or an
 *   array whose prototype is not `Array.prototype`: class instances, Dates, Maps, Sets, typed
 *   arrays, boxed primitives, objects from another realm.
 * - `cycle`: an object or array that contains itself.
 * - `max_depth`: arrays and objects nested deeper than canonicalize accepts (1000 levels), or
 *   deeper than the caller's remaining call stack allows.
 * - `too_large`: canonical text longer than the longest string the JavaScript engine can hold.
 */
export type CanonicalizationErrorCode =
  | 'non_finite_number'
  | 'lone_surrogate'
  | 'undefined'
  | 'bigint'
  | 'unsupported_type'
  | 'non_plain_object'
  | 'cycle'
  | 'max_depth'
  | 'too_large';

/**
 * Thrown by `canonicalize` for a value that JSON cannot represent exactly. Errors are data:
 * `code` says what is wrong and `path` where, as a JSON Pointer (RFC 6901) from the root (`''` is
 * the root itself; lone surrogates in keys show as U+FFFD). `cause` holds the underlying error
 * where there is one (a stack overflow behind `max_depth`).
 *
 * @example
 * ```ts
 * try {
 *   canonicalize({ run: { durationMs: NaN } });
 * } catch (error) {
 *   if (error instanceof CanonicalizationError) {
 *     error.code; // 'non_finite_number'
 *     error.path; // '/run/durationMs'
 *   }
 * }
 * ```
 */
export class CanonicalizationError extends Error {
  override readonly name = 'CanonicalizationError';
  /** What is wrong with the value. */
  readonly code: CanonicalizationErrorCode;
  /** Where the offending value sits, as a JSON Pointer; `''` for the root. */
  readonly path: string;

  /**
   * @param code what is wrong
   * @param path JSON Pointer to the offending value
   * @param reason what is wrong, in words; the message adds the path
   * @param options `cause`, where an underlying error explains this one
   */
  constructor(
    code: CanonicalizationErrorCode,
    path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason} (at ${path === '' ? 'the root' : path})`, options);
    this.code = code;
    this.path = path;
  }
}
