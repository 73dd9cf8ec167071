import { describe, expect, it } from 'vitest';
import { normalizeTraceId, parseDuration } from '../src/index.js';

describe('parseDuration', () => {
  it('reads minutes, hours, days and combinations', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });

  it('refuses anything else, quoting it', () => {
    for (const bad of ['', '15', 'm', '-5m', '5 minutes', '0s', '3y']) {
      expect(() => parseDuration(bad)).toThrow(`invalid duration ${JSON.stringify(bad)}`);
    }
  });
});

describe('normalizeTraceId', () => {
  it('pads Tempo’s trimmed ids and lowercases', () => {
    expect(normalizeTraceId('ABC')).toBe(`${'0'.repeat(29)}abc`);
    expect(() => normalizeTraceId('0')).toThrow(/not all zero/);
    expect(() => normalizeTraceId('g'.repeat(32))).toThrow(/invalid trace id/);
  });
});
