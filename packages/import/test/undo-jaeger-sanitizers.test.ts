import { describe, expect, it } from 'vitest';
import { foldRun, sealBundle } from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';
import { parseGoTime, undoJaegerSanitizers } from '../src/index.js';
import { attrs, BASE, span } from './fixtures.js';

/** What Jaeger's negative-duration sanitizer does to a span on ingest (v2.13, all storages). */
function sanitizedByJaeger(start: bigint, end: bigint): { end: bigint; warning: string } {
  const fmt = (ns: bigint): string => {
    const d = new Date(Number(ns / 1_000_000n));
    const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
    return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}${frac === '' ? '' : `.${frac}`} +0000 UTC`;
  };
  return {
    end: start + 1n,
    warning: `Negative duration detected, sanitizing end timestamp. Original end timestamp: ${fmt(end)}, adjusted to: ${fmt(start + 1n)}`,
  };
}

describe('undoJaegerSanitizers', () => {
  it('puts back the end of a span that ended before it started, and the bundle is the same', () => {
    const start = BASE + 5_000_000_123n;
    const end = BASE + 4_000_000_456n;
    const original = [
      span({
        spanId: '1000000000000001',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        endTimeUnixNano: BASE + 9_000_000_000n,
      }),
      span({
        spanId: '2000000000000002',
        parentSpanId: '1000000000000001',
        startTimeUnixNano: start,
        endTimeUnixNano: end,
        attributes: attrs({ [sc.ATTR_STEP_ID]: 'late' }),
      }),
    ];
    const s = sanitizedByJaeger(start, end);
    const fromJaeger = [
      original[0]!,
      {
        ...original[1]!,
        endTimeUnixNano: s.end,
        attributes: attrs({ [sc.ATTR_STEP_ID]: 'late', '@jaeger@warnings': [s.warning] }),
      },
    ];
    expect(sealBundle(foldRun(fromJaeger)).integrity.sha256).not.toBe(
      sealBundle(foldRun(original)).integrity.sha256,
    );
    const undone = undoJaegerSanitizers(fromJaeger);
    expect(undone[1]!.endTimeUnixNano).toBe(end);
    expect(undone[1]!.attributes['@jaeger@warnings']).toBeUndefined();
    expect(sealBundle(foldRun(undone))).toEqual(sealBundle(foldRun(original)));
  });

  it('puts back a zero duration, which Jaeger also makes 1 ns, and keeps other warnings', () => {
    const start = BASE + 999n;
    const s = sanitizedByJaeger(start, start);
    const [undone] = undoJaegerSanitizers([
      span({
        spanId: '1000000000000001',
        startTimeUnixNano: start,
        endTimeUnixNano: s.end,
        attributes: attrs({ '@jaeger@warnings': ['clock skew', s.warning] }),
      }),
    ]);
    expect(undone!.endTimeUnixNano).toBe(start);
    expect(undone!.attributes['@jaeger@warnings']).toEqual(['clock skew']);
  });

  it('turns Jaeger’s service name placeholders back into what they stood for', () => {
    const [missing, empty, named] = undoJaegerSanitizers([
      span({
        spanId: '1000000000000001',
        resource: attrs({ 'service.name': 'missing-service-name', host: 'h' }),
      }),
      span({
        spanId: '2000000000000002',
        resource: attrs({ 'service.name': 'empty-service-name' }),
      }),
      span({ spanId: '3000000000000003', resource: attrs({ 'service.name': 'newsletter' }) }),
    ]);
    expect(missing!.resource).toEqual(attrs({ host: 'h' }));
    expect(empty!.resource['service.name']).toBe('');
    expect(named!.resource['service.name']).toBe('newsletter');
  });
});

describe('parseGoTime', () => {
  it('reads Go’s time.Time.String() exactly, to the nanosecond, with any offset', () => {
    expect(parseGoTime('2025-11-26 10:10:44.153808123 +0000 UTC')).toBe(1_764_151_844_153_808_123n);
    expect(parseGoTime('2025-11-26 10:10:44 +0000 UTC')).toBe(1_764_151_844_000_000_000n);
    expect(parseGoTime('2025-11-26 11:10:44.5 +0100 CET')).toBe(1_764_151_844_500_000_000n);
    expect(parseGoTime('yesterday')).toBeNull();
  });
});
