import { describe, expect, it } from 'vitest';
import { splitUtf8 } from '../src/split-utf8.js';

describe('splitUtf8', () => {
  it('splits on code point boundaries within the byte limit, and joins back', () => {
    const text = 'a'.repeat(3) + 'é' + '€' + '😀' + 'z' + '\uD800' + 'end';
    for (const max of [4, 5, 6, 7, 11]) {
      const parts = splitUtf8(text, max);
      expect(parts.join('')).toBe(text);
      for (const part of parts) {
        expect(Buffer.byteLength(part)).toBeLessThanOrEqual(max);
        expect(part.length).toBeGreaterThan(0);
      }
    }
    expect(splitUtf8('😀😀', 4)).toEqual(['😀', '😀']);
    expect(splitUtf8('', 10)).toEqual(['']);
  });

  it('rejects limits under one code point', () => {
    expect(() => splitUtf8('x', 3)).toThrow(RangeError);
  });
});
