import { describe, expect, it } from 'vitest';
import { randomPicks } from '@llm-workbench/test-support';
import { canonicalize } from '../src/canonicalize.js';
import { findDuplicateKeys, keysInStrictOrder, scanDuplicateKeys } from '../src/duplicate-keys.js';

/** Keys that sort oddly or need escapes: a prefix of another, digits, quotes, non-ASCII. */
const KEYS = ['a', 'ab', 'b', 'B', '10', '9', '"q', 'a\\b', 'é', '東', '🙂', 'k:', ' a', 'z'];

/**
 * Random JSON text of objects and arrays, written by hand so that it can hold what JSON.stringify
 * never writes: duplicate keys, keys out of order, escaped keys, spaces around colons.
 */
function randomText(seed: number): string {
  const { random, int, pick } = randomPicks(seed);
  const space = (): string => (random() < 0.1 ? pick([' ', '\n', '\t', '\r\n ']) : '');
  const key = (): string =>
    random() < 0.1 ? `"\\u00${pick(['61', '62', '7a'])}"` : JSON.stringify(pick(KEYS));
  const value = (depth: number): string => {
    const r = random();
    if (depth > 4 || r < 0.3)
      return pick(['1', '-0.5', 'true', 'null', '"v"', '"x\\":"', '"\\"a\\":"']);
    if (r < 0.5) {
      const items = Array.from({ length: int(5) }, () => value(depth + 1));
      return `[${space()}${items.join(`${space()},${space()}`)}${space()}]`;
    }
    let keys = Array.from({ length: int(7) }, key);
    if (random() < 0.6) keys = [...new Set(keys)].sort(); // the canonical order, by raw text
    return `{${space()}${keys.map((k) => `${k}${space()}:${space()}${value(depth + 1)}`).join(`${space()},`)}}`;
  };
  return value(0);
}

describe('findDuplicateKeys', () => {
  it('finds duplicates at any depth and ignores look-alike strings', () => {
    const text = '{"a":{"b":1,"b":2},"c":["x","x"],"d":"\\"a\\":"}';
    expect(findDuplicateKeys(text)).toEqual(['/a/b']);
    expect(findDuplicateKeys('[{"k":1},{"k":2}]')).toEqual([]);
    expect(findDuplicateKeys('{"a" :1,"a":2}')).toEqual(['/a']);
    expect(findDuplicateKeys('{"\\u0061":1,"a":2}')).toEqual(['/a']);
    expect(findDuplicateKeys('{"a":1,"b":{"c":[{"d":1,"d":2}]}}')).toEqual(['/b/c/0/d']);
  });

  it('proves canonical text free of duplicates in its fast pass, and nothing else', () => {
    const value = { a: [{ x: 1, y: 'z":' }, 'b'], ab: { '10': 1, '9': 2 }, b: 'é', é: null };
    expect(keysInStrictOrder(canonicalize(value))).toBe(true);
    expect(keysInStrictOrder('{"b":1,"a":2}')).toBe(false); // out of order: not proven
    expect(keysInStrictOrder('{"a":1,"a":2}')).toBe(false);
    expect(keysInStrictOrder('{"a":1,"ab":{"ab":1,"b":2},"b":3}')).toBe(true);
    expect(keysInStrictOrder('{"a" :1,"a":2}')).toBe(false); // spaced colon: not proven
    expect(keysInStrictOrder('{"a\\u0062":1,"ab":2}')).toBe(false); // escaped key: not proven
  });

  it('gives what the exact scan gives, on 3,000 random texts with and without duplicates', () => {
    let proven = 0;
    let duplicates = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const text = randomText(seed);
      expect(() => JSON.parse(text), text).not.toThrow();
      const exact = scanDuplicateKeys(text);
      expect(findDuplicateKeys(text), text).toEqual(exact);
      if (keysInStrictOrder(text)) {
        proven++;
        expect(exact, text).toEqual([]);
      }
      if (exact.length > 0) duplicates++;
    }
    // Both sides are exercised: texts the fast pass proves, and texts with duplicates.
    expect(proven).toBeGreaterThan(500);
    expect(duplicates).toBeGreaterThan(300);
  });
});
