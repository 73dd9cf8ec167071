import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateRunId } from '../src/generate-run-id.js';
import { INSTRUMENTATION_VERSION } from '../src/index.js';
import { isTextMediaType } from '../src/is-text-media-type.js';
import { toHrTime } from '../src/to-hr-time.js';

describe('isTextMediaType', () => {
  it.each([
    ['text/markdown', true],
    ['Text/Plain; charset=UTF-8', true],
    ['application/json', true],
    ['application/vnd.api+json', true],
    ['image/svg+xml', true],
    ['application/yaml', true],
    ['text/plain; charset=iso-8859-1', false],
    ['image/png', false],
    ['application/octet-stream', false],
    ['text/', false],
    ['json', false],
  ])('%s → %s', (mediaType, expected) => {
    expect(isTextMediaType(mediaType)).toBe(expected);
  });
});

describe('toHrTime', () => {
  it('converts epoch milliseconds, Dates and HrTimes exactly', () => {
    expect(toHrTime(1_764_151_842_123.5)).toEqual([1_764_151_842, 123_500_000]);
    expect(toHrTime(new Date(999))).toEqual([0, 999_000_000]);
    expect(toHrTime([5, 7])).toEqual([5, 7]);
  });

  it('returns undefined for invalid times', () => {
    for (const bad of [Number.NaN, -1, Infinity, new Date('x'), [1, 1e9], [1.5, 0], [-1, 0]]) {
      expect(toHrTime(bad as never)).toBeUndefined();
    }
  });
});

describe('generateRunId', () => {
  it('is run-, the UTC time to the second, and 12 random hex digits', () => {
    const id = generateRunId(new Date('2026-11-26T10:10:42.999Z'));
    expect(id).toMatch(/^run-20261126-101042-[0-9a-f]{12}$/);
  });
});

describe('INSTRUMENTATION_VERSION', () => {
  it('is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(INSTRUMENTATION_VERSION).toBe(pkg.version);
  });
});
