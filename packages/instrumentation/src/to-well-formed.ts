// With the `u` flag, `\p{Surrogate}` matches only surrogates that are not part of a pair.
const LONE_SURROGATE = /\p{Surrogate}/gu;

/**
 * Replaces lone surrogates with U+FFFD, like `String.prototype.toWellFormed`. Recorded content
 * must be well-formed so that its UTF-8 bytes, and so its hash, are the same on every side.
 *
 * @example
 * toWellFormed('a\uD800b'); // 'a\uFFFDb'
 */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Whether a string contains a lone surrogate.
 *
 * @example
 * hasLoneSurrogate('\uD83D\uDE00'); // false
 */
export function hasLoneSurrogate(text: string): boolean {
  return /\p{Surrogate}/u.test(text);
}
