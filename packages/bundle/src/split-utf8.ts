/**
 * Splits a string into consecutive parts of at most `maxBytes` UTF-8 bytes each, never inside a
 * code point, so that concatenating the parts gives the string back. `maxBytes` must be at least
 * 4, the longest UTF-8 encoding of one code point.
 *
 * @example
 * splitUtf8('héllo', 2); // ['h', 'é', 'll', 'o']
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (!(maxBytes >= 4)) throw new RangeError(`maxBytes must be at least 4, got ${maxBytes}`);
  const parts: string[] = [];
  let start = 0;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i) ?? 0;
    const units = cp > 0xffff ? 2 : 1;
    // A lone surrogate encodes as U+FFFD: 3 bytes, like the rest of U+0800..U+FFFF.
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) {
      parts.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += units;
  }
  if (start < text.length || parts.length === 0) parts.push(text.slice(start));
  return parts;
}
