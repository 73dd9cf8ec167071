import { canonicalize as jsonCanonicalize } from 'json-canonicalize';
import { describe, expect, it } from 'vitest';
import { rng } from '@llm-workbench/test-support';
import { CanonicalizationError } from '../src/canonicalization-error.js';
import { canonicalize } from '../src/canonicalize.js';
import { stringifyIfCanonical } from '../src/stringify-if-canonical.js';
import { randomValue } from './random-json.js';

/** The value as JSON.parse of its canonical text makes it: members in canonical order. */
const inOrder = (value: unknown): object => JSON.parse(jsonCanonicalize(value)) as object;

/** The error canonicalize throws for `value`, or undefined when it does not throw. */
function rejection(value: unknown): CanonicalizationError | undefined {
  try {
    canonicalize(value);
    return undefined;
  } catch (error) {
    if (error instanceof CanonicalizationError) return error;
    throw error;
  }
}

describe('stringifyIfCanonical', () => {
  describe('accepts values in canonical order, with json-canonicalize bytes', () => {
    const surrogateKey = JSON.parse('{"\\ud83d\\ude00":1,"\\ufb33":2}') as object;
    it.each<[string, object, string]>([
      ['-0, written as 0', { a: -0, b: [-0] }, '{"a":0,"b":[0]}'],
      [
        'numbers that need ES formatting',
        [1e21, 5e-7, 1e-7, 0.1 + 0.2],
        '[1e+21,5e-7,1e-7,0.30000000000000004]',
      ],
      ['U+2028 and U+2029, written raw', ['\u2028\u2029'], '["\u2028\u2029"]'],
      [
        'control characters, escaped',
        ['\u0000\b\t\n\f\r\u001f\u007f'],
        '["\\u0000\\b\\t\\n\\f\\r\\u001f\u007f"]',
      ],
      [
        'valid surrogate pairs in strings',
        { s: 'a\ud83d\ude00b\u{10ffff}' },
        '{"s":"a\ud83d\ude00b\u{10ffff}"}',
      ],
      ['valid surrogate pairs in keys', surrogateKey, '{"\ud83d\ude00":1,"\ufb33":2}'],
      [
        'a backslash followed by the letters ud800',
        { s: '\\ud800', t: '\\\\ud800' },
        '{"s":"\\\\ud800","t":"\\\\\\\\ud800"}',
      ],
      [
        'a __proto__ member',
        JSON.parse('{"__proto__":{"a":1},"b":2}') as object,
        '{"__proto__":{"a":1},"b":2}',
      ],
      [
        'null-prototype objects',
        Object.assign(Object.create(null) as object, { a: 1, b: {} }),
        '{"a":1,"b":{}}',
      ],
      [
        'integer-like keys V8 keeps in code unit order',
        { '1': 'x', '2': 'y', a: 'z' },
        '{"1":"x","2":"y","a":"z"}',
      ],
      [
        'empty containers and literals',
        { a: [], b: {}, c: [null, true, false] },
        '{"a":[],"b":{},"c":[null,true,false]}',
      ],
    ])('%s', (_what, value, expected) => {
      expect(stringifyIfCanonical(value)).toBe(expected);
      expect(jsonCanonicalize(value)).toBe(expected);
      expect(canonicalize(value)).toBe(expected);
    });

    it('nesting 1000 deep', () => {
      let deep: object = ['leaf'];
      for (let i = 1; i < 1000; i++) deep = i % 2 === 0 ? [deep] : { k: deep };
      expect(stringifyIfCanonical(deep)).toBe(jsonCanonicalize(deep));
    });
  });

  describe('leaves to the exact canonicalizer whatever it would copy or reject', () => {
    class Point {
      x = 1;
    }
    class List extends Array<number> {}
    const sparse: unknown[] = [1];
    sparse[2] = 3;
    const cyclic: Record<string, unknown> = { a: {} };
    (cyclic.a as Record<string, unknown>).b = cyclic;
    let tooDeep: object = [1];
    for (let i = 0; i < 1000; i++) tooDeep = [tooDeep];
    const throwing = {
      get a(): unknown {
        throw new Error('boom');
      },
    };

    it.each<[string, object, string | null]>([
      // Copied into order by the exact canonicalizer: same bytes, not an error.
      ['keys out of order', { b: 1, a: 2 }, 'ok'],
      ['keys out of order deep down', { a: [{ x: { d: 1, c: 2 } }] }, 'ok'],
      ['integer-like keys V8 enumerates as numbers', { '9': 1, '10': 2 }, 'ok'],
      // Rejected by the exact canonicalizer.
      ['a lone high surrogate', { s: 'x\ud800' }, 'lone_surrogate'],
      ['a lone low surrogate', ['\udc00'], 'lone_surrogate'],
      ['a reversed pair', ['\ude00\ud83d'], 'lone_surrogate'],
      ['a lone surrogate after an escaped backslash', ['\\\ud800'], 'lone_surrogate'],
      ['a lone surrogate in a key', { 'k\udbff': 1 }, 'lone_surrogate'],
      ['NaN', { n: NaN }, 'non_finite_number'],
      ['Infinity', [Infinity], 'non_finite_number'],
      ['-Infinity', { a: { b: -Infinity } }, 'non_finite_number'],
      ['undefined as a member', { a: undefined }, 'undefined'],
      ['undefined in an array', [undefined], 'undefined'],
      ['an array hole', sparse, 'undefined'],
      ['a function', { f: () => 1 }, 'unsupported_type'],
      ['a symbol', [Symbol('s')], 'unsupported_type'],
      ['a BigInt', { n: 1n }, 'bigint'],
      ['an object with toJSON', { d: { toJSON: () => 'x' } }, 'unsupported_type'],
      ['a Date', { at: new Date(0) }, 'non_plain_object'],
      ['a Map', new Map([['a', 1]]), 'non_plain_object'],
      ['a Set', [new Set([1])], 'non_plain_object'],
      ['a class instance', { p: new Point() }, 'non_plain_object'],
      ['an Array subclass', { l: List.from([1]) }, 'non_plain_object'],
      ['a Uint8Array', { b: new Uint8Array(2) }, 'non_plain_object'],
      ['a boxed string', [new String('s')], 'non_plain_object'],
      [
        'an object with a plain object as prototype',
        Object.create({ a: 1 }) as object,
        'non_plain_object',
      ],
      ['a cycle', cyclic, 'cycle'],
      ['nesting 1001 deep', tooDeep, 'max_depth'],
      ['a getter that throws', throwing, null],
    ])('%s', (_what, value, outcome) => {
      expect(stringifyIfCanonical(value)).toBeUndefined();
      if (outcome === 'ok') expect(canonicalize(value)).toBe(jsonCanonicalize(value));
      else if (outcome === null) expect(() => canonicalize(value)).toThrow('boom');
      else expect(rejection(value)?.code).toBe(outcome);
    });

    it('a toJSON on Object.prototype or Array.prototype, or an enumerable Object.prototype member', () => {
      const value = { a: [1], b: { c: 2 } };
      expect(stringifyIfCanonical(value)).toBe('{"a":[1],"b":{"c":2}}');
      for (const [proto, key, enumerable] of [
        [Object.prototype, 'toJSON', false],
        [Array.prototype, 'toJSON', false],
        [Object.prototype, 'pollutionProbe', true],
      ] as const) {
        Object.defineProperty(proto, key, {
          value: () => 'polluted',
          enumerable,
          writable: true,
          configurable: true,
        });
        let fast: string | undefined;
        let exact: string;
        try {
          // Read while polluted, assert after: vitest itself walks objects with for-in.
          fast = stringifyIfCanonical(value);
          exact = canonicalize(value);
        } finally {
          delete (proto as Record<string, unknown>)[key];
        }
        expect({ key, fast, exact }).toEqual({
          key,
          fast: undefined,
          exact: '{"a":[1],"b":{"c":2}}',
        });
      }
      expect(stringifyIfCanonical(value)).toBe('{"a":[1],"b":{"c":2}}');
    });
  });

  describe('randomized', () => {
    it('gives json-canonicalize bytes for 3000 generated documents in canonical order', () => {
      const random = rng(2028);
      let accepted = 0;
      for (let n = 0; n < 3000; n++) {
        const value = inOrder({ doc: randomValue(random, 1 + (n % 6)) });
        const fast = stringifyIfCanonical(value);
        if (fast === undefined) continue; // integer-like keys JSON.parse put first
        accepted++;
        if (fast !== jsonCanonicalize(value)) expect.fail(`document ${n}: ${fast}`);
      }
      expect(accepted).toBeGreaterThan(2000);
    });

    it('refuses 2000 generated documents in canonical order with one bad leaf, as canonicalize does', () => {
      const random = rng(8259);
      const bad: [string, () => unknown][] = [
        ['non_finite_number', () => NaN],
        ['non_finite_number', () => Infinity],
        ['lone_surrogate', () => `x${String.fromCharCode(0xd800 + Math.floor(random() * 2048))}`],
        ['undefined', () => undefined],
        ['bigint', () => 1n],
        ['unsupported_type', () => () => 1],
        ['non_plain_object', () => new Date(0)],
        ['non_plain_object', () => new Map()],
      ];
      let planted = 0;
      for (let n = 0; n < 2000; n++) {
        const value = inOrder({ doc: randomValue(random, 4), z: [0] });
        if (stringifyIfCanonical(value) === undefined) continue;
        // Replace one value in place (member order stays canonical).
        const holders: [Record<string, unknown> | unknown[], string | number][] = [];
        const collect = (node: unknown): void => {
          if (typeof node !== 'object' || node === null) return;
          const record = node as Record<string, unknown>;
          for (const key of Object.keys(record)) {
            holders.push([record, Array.isArray(node) ? Number(key) : key]);
            collect(record[key]);
          }
        };
        collect(value);
        const [holder, key] = holders[Math.floor(random() * holders.length)]!;
        const [code, make] = bad[Math.floor(random() * bad.length)]!;
        (holder as Record<string | number, unknown>)[key] = make();
        expect(stringifyIfCanonical(value)).toBeUndefined();
        expect({ n, code: rejection(value)?.code }).toEqual({ n, code });
        planted++;
      }
      expect(planted).toBeGreaterThan(1500);
    });
  });
});
