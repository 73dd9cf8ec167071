import { canonicalize as bundleCanonicalize } from '@llm-workbench/bundle';
import { describe, expect, it } from 'vitest';
import { demoLikeBundle } from './fixtures/demo-like-bundle.js';
import { largeBundle } from './fixtures/large-bundle.js';
import { pageModule } from './helpers/page-modules.js';

const { canonicalize } = await pageModule('canonicalize.js');

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1 + 0.2,
  1e21,
  1e-7,
  123456789012345680000,
  5e-324,
  1.7976931348623157e308,
  -1e-300,
  2 ** 53,
  333333333.3333333,
  100,
  1e23,
];
const STRINGS = [
  '',
  'a',
  'é',
  '€',
  '\u0000\u001f',
  '"\\/',
  '\u2028\u2029',
  '😀',
  '\ud7ff',
  '\ue000',
  '\uffff',
  'Z',
  'a\nb',
  '</script>',
];

function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 3 || r < 0.35) {
    const k = Math.floor(next() * 5);
    if (k === 0) return NUMBERS[Math.floor(next() * NUMBERS.length)];
    if (k === 1) return STRINGS[Math.floor(next() * STRINGS.length)];
    if (k === 2) return next() < 0.5;
    if (k === 3) return null;
    return Math.round((next() - 0.5) * 1e6) / 100;
  }
  if (r < 0.6)
    return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) {
    o[STRINGS[Math.floor(next() * STRINGS.length)]! + String(Math.floor(next() * 3))] = randomValue(
      next,
      depth + 1,
    );
  }
  return o;
}

describe('canonicalize (the page canonicalizer)', () => {
  it('sorts members by UTF-16 code units and formats numbers as ECMAScript does', () => {
    // U+1F600 is stored as the surrogates D83D DE00, so it sorts before U+E000 (code point order
    // would put it after).
    expect(canonicalize({ b: 1, a: [true, 1e21, -0, 1e-7], '€': 0, '😀': 1, '\ue000': 2 })).toBe(
      '{"a":[true,1e+21,0,1e-7],"b":1,"€":0,"😀":1,"\ue000":2}',
    );
  });

  it('rejects numbers JSON cannot hold', () => {
    expect(() => canonicalize({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalize([Infinity])).toThrow(/Infinity/);
    expect(() => canonicalize({ a: undefined })).toThrow(/undefined/);
  });

  it('leaves out only the named top-level member', () => {
    expect(canonicalize({ integrity: 1, a: { integrity: 2 } }, 'integrity')).toBe(
      '{"a":{"integrity":2}}',
    );
  });

  it('agrees with the bundle package on 2,000 random JSON values', () => {
    const next = rng(8785);
    for (let i = 0; i < 2000; i++) {
      const value = randomValue(next, 0);
      expect(canonicalize(value)).toBe(bundleCanonicalize(value));
    }
  });

  it('agrees with the bundle package on real bundles', () => {
    for (const bundle of [demoLikeBundle(), largeBundle(200)]) {
      const { integrity: _omit, ...rest } = bundle;
      expect(canonicalize(JSON.parse(JSON.stringify(bundle)), 'integrity')).toBe(
        bundleCanonicalize(rest),
      );
    }
  });
});
