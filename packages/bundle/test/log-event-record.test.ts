import * as sc from '@llm-workbench/semconv';
import { describe, expect, it } from 'vitest';
import {
  attachLogEvents,
  foldRun,
  sealBundle,
  type LogEventRecord,
  type SpanRecord,
} from '../src/index.js';
import { attrs, contentRun, ev, sampleRun, span, TRACE } from './fixtures.js';

/** The run as a producer in log mode records it: workbench events as log records of their span. */
function asLogRecords(spans: readonly SpanRecord[]): {
  spans: SpanRecord[];
  logs: LogEventRecord[];
} {
  const logs: LogEventRecord[] = [];
  const out = spans.map((s) => {
    const kept = s.events.filter((e) => !e.name.startsWith(sc.EVENT_PREFIX));
    for (const e of s.events) {
      if (!e.name.startsWith(sc.EVENT_PREFIX)) continue;
      logs.push({
        traceId: s.traceId,
        spanId: s.spanId,
        name: e.name,
        timeUnixNano: e.timeUnixNano,
        attributes: e.attributes,
      });
    }
    return { ...s, events: kept };
  });
  return { spans: out, logs };
}

const hash = (spans: Iterable<SpanRecord>, logEvents?: LogEventRecord[]): string =>
  sealBundle(foldRun(spans, logEvents === undefined ? {} : { logEvents })).integrity.sha256;

describe('attachLogEvents', () => {
  it('makes each log event an event of its span, merged by time, span events first on ties, then by name whatever the arrival order', () => {
    const s = span({
      spanId: '00f067aa0ba902b7',
      events: [ev('exception', 5n, {}), ev('other', 9n, {})],
    });
    const log = (name: string, offset: bigint): LogEventRecord => ({
      traceId: TRACE,
      spanId: s.spanId,
      name,
      timeUnixNano: ev(name, offset, {}).timeUnixNano,
      attributes: attrs({}),
    });
    const arrivals = [log('c', 9n), log('a', 1n), log('b', 9n)];
    const { spans, unattached } = attachLogEvents([s], arrivals);
    expect(unattached).toEqual([]);
    expect(spans[0]!.events.map((e) => e.name)).toEqual(['a', 'exception', 'other', 'b', 'c']);
    // Records of one span come in any order (one request each, in flight together): ties never
    // go by arrival.
    expect(attachLogEvents([s], [...arrivals].reverse()).spans).toEqual(spans);
  });

  it('keeps the same log record given twice once, and returns those of absent spans apart', () => {
    const s = span({ spanId: '00f067aa0ba902b7' });
    const mine: LogEventRecord = {
      traceId: TRACE,
      spanId: s.spanId,
      name: sc.EVENT_ARTIFACT,
      timeUnixNano: 1n,
      attributes: attrs({ k: 1 }),
    };
    const stray: LogEventRecord = { ...mine, spanId: '1111111111111111' };
    const { spans, unattached } = attachLogEvents([s], [mine, stray, { ...mine }, stray]);
    expect(spans[0]!.events).toHaveLength(1);
    expect(unattached).toEqual([stray]);
  });
});

describe('foldRun with logEvents', () => {
  it('gives the same integrity.sha256 for a run recorded with span events or log records', () => {
    for (const run of [sampleRun(), contentRun()]) {
      const { spans, logs } = asLogRecords(run);
      expect(logs.length).toBeGreaterThan(0);
      const reference = hash(run);
      expect(hash(spans, logs)).toBe(reference);
      // In any arrival order, and with records sent twice.
      expect(hash([...spans].reverse(), [...logs, ...logs].reverse())).toBe(reference);
    }
  });

  it('flags a log event whose span never arrives, makes no step of it, and folds the run as incomplete', () => {
    const { spans, logs } = asLogRecords(sampleRun());
    const stray: LogEventRecord = {
      traceId: TRACE,
      spanId: 'abcdefabcdef0123',
      name: sc.EVENT_GATE_REQUESTED,
      timeUnixNano: 1_764_151_842_000_000_000n,
      attributes: attrs({ [sc.ATTR_GATE_ID]: 'ghost' }),
    };
    const withStray = foldRun(spans, { logEvents: [...logs, stray] });
    const without = foldRun(spans, { logEvents: logs });
    expect(withStray.steps).toEqual(without.steps);
    expect(withStray.events).toEqual(without.events);
    expect(withStray.diagnostics).toContainEqual({
      code: 'log_event_without_span',
      message: expect.stringContaining('abcdefabcdef0123') as string,
      spanId: null,
      subject: sc.EVENT_GATE_REQUESTED,
    });
    // A span of the trace is missing (the one the record names): the same bundle a fold marked
    // truncated gives, which is what the in-process processor folds when that span never ended.
    expect(without.run.complete).toBe(true);
    expect(withStray.run.complete).toBe(false);
    expect(withStray.diagnostics.map((d) => d.code)).toContain('folded_early');
    expect(sealBundle(withStray).integrity.sha256).toBe(
      sealBundle(foldRun(spans, { logEvents: [...logs, stray], truncated: true })).integrity.sha256,
    );
  });
});
