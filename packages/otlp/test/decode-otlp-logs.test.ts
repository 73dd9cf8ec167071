import { describe, expect, it } from 'vitest';
import { decodeOtlpJsonLogs, decodeOtlpProtobufLogs } from '../src/index.js';
import { ProtoWriter } from '../src/protobuf/proto-writer.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const TIME = 1_764_151_842_000_000_001n; // above 2^53: must stay exact

const jsonRequest = (records: unknown[]): string =>
  JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] },
        scopeLogs: [{ scope: { name: '@llm-workbench/instrumentation' }, logRecords: records }],
      },
    ],
  }).replace('"TIME"', String(TIME));

describe('decodeOtlpJsonLogs', () => {
  it('reads workbench events with their span ids, exact times and attributes', () => {
    const result = decodeOtlpJsonLogs(
      jsonRequest([
        {
          timeUnixNano: 'TIME',
          eventName: 'workbench.gate.requested',
          traceId: TRACE.toUpperCase(),
          spanId: SPAN,
          attributes: [
            { key: 'workbench.gate.id', value: { stringValue: 'review' } },
            { key: 'n', value: { intValue: '9007199254740993' } },
          ],
          body: { stringValue: 'ignored' },
        },
        // observed time stands in for an unset time; snake_case names are read
        {
          observed_time_unix_nano: '5',
          event_name: 'workbench.artifact',
          trace_id: TRACE,
          span_id: SPAN,
        },
        // not ours: no event name, another vocabulary, no span context
        {
          timeUnixNano: '1',
          body: { stringValue: 'a plain log line' },
          traceId: TRACE,
          spanId: SPAN,
        },
        { timeUnixNano: '1', eventName: 'gen_ai.client.inference', traceId: TRACE, spanId: SPAN },
        { timeUnixNano: '1', eventName: 'workbench.artifact' },
      ]),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.ignored).toBe(3);
    expect(result.rejected).toEqual([]);
    expect(result.events).toHaveLength(2);
    expect(result.events[0]).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      name: 'workbench.gate.requested',
      timeUnixNano: TIME,
    });
    expect({ ...result.events[0]!.attributes }).toEqual({
      'workbench.gate.id': 'review',
      n: 9007199254740993n,
    });
    expect(result.events[1]).toMatchObject({ name: 'workbench.artifact', timeUnixNano: 5n });
  });

  it('refuses records with bad ids, times or attributes one by one, with reasons', () => {
    const base = { eventName: 'workbench.artifact', traceId: TRACE, spanId: SPAN };
    const result = decodeOtlpJsonLogs(
      jsonRequest([
        { ...base, timeUnixNano: '1', spanId: 'xyz' },
        { ...base },
        { ...base, timeUnixNano: '1', attributes: [{ key: 'a', value: { intValue: 1.5 } }] },
        { ...base, timeUnixNano: '1' },
      ]),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.events).toHaveLength(1);
    expect(result.rejected.map((r) => [r.index, r.issues[0]!.code])).toEqual([
      [0, 'invalid_span_id'],
      [1, 'missing_time'],
      [2, 'invalid_attribute'],
    ]);
    expect(result.rejected[1]!.issues[0]!.path).toBe(
      'resourceLogs[0].scopeLogs[0].logRecords[1].timeUnixNano',
    );
  });

  it('fails a body that is not JSON of the right shape as a whole', () => {
    for (const body of [
      '{',
      '[]',
      '{"resourceLogs":{}}',
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":3}]}]}',
    ]) {
      const result = decodeOtlpJsonLogs(body);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues[0]!.code).toBe('malformed_request');
    }
    expect(decodeOtlpJsonLogs('{}')).toEqual({ ok: true, events: [], rejected: [], ignored: 0 });
  });
});

/** An ExportLogsServiceRequest with one resource and one scope. */
function protobufRequest(records: Array<(w: ProtoWriter) => void>): Uint8Array {
  const w = new ProtoWriter();
  w.fork(); // ResourceLogs
  w.fork().fork().string(1, 'service.name').fork().string(1, 'agent').ldelim(2).ldelim(1).ldelim(1);
  w.fork(); // ScopeLogs
  w.fork().string(1, 'scope').ldelim(1);
  for (const record of records) {
    w.fork();
    record(w);
    w.ldelim(2);
  }
  w.ldelim(2);
  w.ldelim(1);
  return w.finish();
}

describe('decodeOtlpProtobufLogs', () => {
  it('reads workbench events as the JSON decoder does', () => {
    const body = protobufRequest([
      (w) =>
        w
          .fixed64(1, TIME)
          .fork()
          .string(1, 'workbench.gate.id')
          .fork()
          .string(1, 'review')
          .ldelim(2)
          .ldelim(6)
          .hex(9, TRACE)
          .hex(10, SPAN)
          .string(12, 'workbench.gate.requested'),
      (w) => w.fixed64(11, 5n).hex(9, TRACE).hex(10, SPAN).string(12, 'workbench.artifact'),
      (w) => w.fixed64(1, 1n).hex(9, TRACE).hex(10, SPAN),
      (w) => w.fixed64(1, 1n).string(12, 'workbench.artifact'),
      (w) => w.fixed64(1, 1n).hex(9, TRACE).bytes(10, new Uint8Array(3)).string(12, 'workbench.x'),
    ]);
    const result = decodeOtlpProtobufLogs(body);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.ignored).toBe(2);
    expect(result.events.map((e) => [e.name, e.timeUnixNano, e.spanId])).toEqual([
      ['workbench.gate.requested', TIME, SPAN],
      ['workbench.artifact', 5n, SPAN],
    ]);
    expect({ ...result.events[0]!.attributes }).toEqual({ 'workbench.gate.id': 'review' });
    expect(result.rejected.map((r) => [r.index, r.issues[0]!.code, r.issues[0]!.path])).toEqual([
      [4, 'invalid_span_id', 'resourceLogs[0].scopeLogs[0].logRecords[4].spanId'],
    ]);
  });

  it('fails bytes that are not a protobuf message as a whole', () => {
    const result = decodeOtlpProtobufLogs(new Uint8Array([0x0a, 0xff, 0xff, 0x01]));
    expect(result.ok).toBe(false);
  });
});
