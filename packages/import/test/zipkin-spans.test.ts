import { describe, expect, it } from 'vitest';
import { foldRun, sealBundle, verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';
import { fromZipkinSpans, toZipkinSpans, withDiagnostics } from '../src/index.js';
import { attrs, BASE, ev, smallRun, span, TRACE } from './fixtures.js';

/** Zipkin's answer is JSON: what the exporter wrote, as it reads back. */
function throughJson(spans: ReturnType<typeof toZipkinSpans>): unknown[] {
  return JSON.parse(JSON.stringify(spans)) as unknown[];
}

/** A bundle without its diagnostics, integrity and span ends (which Zipkin may move by 1 µs). */
function withoutDiagnostics(b: RunBundle): unknown {
  const { integrity: _i, diagnostics: _d, ...rest } = b;
  return JSON.parse(
    JSON.stringify(rest, function (this: Record<string, unknown>, k, v: unknown) {
      if (k === 'endTime' || k === 'durationMs') return undefined;
      return k === 'time' && this['type'] === 'step_ended' ? undefined : v;
    }),
  ) as unknown;
}

/** Microseconds of a bundle time. */
function micros(time: string | null): bigint {
  const m = /^(.*?)\.(\d{6})Z$/.exec(time ?? '');
  if (m === null) throw new Error(`unexpected time ${String(time)}`);
  return (BigInt(Date.parse(`${m[1]}Z`)) / 1000n) * 1_000_000n + BigInt(m[2]!);
}

describe('toZipkinSpans', () => {
  it('writes spans as the Collector zipkin exporter does', () => {
    const [run, step, plain] = toZipkinSpans(smallRun());
    expect(run).toMatchObject({
      traceId: TRACE,
      id: '1000000000000001',
      name: 'run newsletter',
      // 123_456 ns rounds to 123 µs; the duration too.
      timestamp: Number(BASE / 1000n) + 123,
      duration: 5_000_531,
      localEndpoint: { serviceName: 'agent' },
      tags: {
        [sc.ATTR_RUN_ID]: 'run-1',
        'otel.library.name': 'test',
        'otel.status_code': 'STATUS_CODE_OK',
        // Internal spans have no Zipkin kind: the exporter says so in a tag.
        'span.kind': 'internal',
      },
    });
    expect(run?.kind).toBeUndefined();
    expect(run?.parentId).toBeUndefined();
    expect(step?.kind).toBe('CLIENT');
    expect(step?.parentId).toBe('1000000000000001');
    const [modelIo] = step?.annotations ?? [];
    expect(modelIo?.value).toMatch(
      /^workbench\.model_io\|\{.*"gen_ai\.usage\.input_tokens":812.*\}\|0$/,
    );
    expect(plain?.annotations).toBeUndefined();
  });

  it('writes typed attribute values as text and the error status as tags', () => {
    const [z] = toZipkinSpans([
      span({
        spanId: '4000000000000004',
        status: { code: 'error', message: 'rate limited' },
        attributes: attrs({
          n: 42n,
          d: 2.5,
          b: true,
          list: ['a', 'b'],
          bytes: new Uint8Array([1, 2, 3]),
        }),
        events: [ev('plain', 0n, {})],
      }),
    ]);
    expect(z?.tags).toMatchObject({
      n: '42',
      d: '2.5',
      b: 'true',
      list: '["a","b"]',
      bytes: 'AQID',
      'otel.status_code': 'STATUS_CODE_ERROR',
      error: 'true',
      'otel.status_description': 'rate limited',
    });
    expect(z?.annotations).toEqual([{ timestamp: Number(BASE / 1000n), value: 'plain' }]);
  });
});

describe('toZipkinSpans (Go JSON)', () => {
  it("writes event attributes, lists and maps as Go's encoding/json does, links as otlp.link tags", () => {
    const [z] = toZipkinSpans([
      span({
        spanId: '4000000000000004',
        name: 'Chat GPT-4o',
        attributes: attrs({ list: ['<b>', 1n, 2.5, -0, true, null], neg: -0, big: 2n ** 62n }),
        events: [
          ev('e', 0n, {
            z: 'last',
            a: 'x&y\u2028\n\u0001"\\',
            big: 9_007_199_254_740_993n,
            bytes: new Uint8Array([1, 2, 3]),
          }),
        ],
        links: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), attributes: attrs({ k: 1n }) }],
      }),
    ]);
    expect(z?.name).toBe('chat gpt-4o');
    expect(z?.tags).toMatchObject({
      list: '["\\u003cb\\u003e",1,2.5,-0,true,null]',
      neg: '-0',
      big: '4611686018427387904',
      'otlp.link.0': `${'a'.repeat(32)}|${'b'.repeat(16)}||{"k":1}|0`,
    });
    expect(z?.annotations?.[0]?.value).toBe(
      'e|{"a":"x\\u0026y\\u2028\\n\\u0001\\"\\\\","big":9007199254740993,"bytes":"AQID","z":"last"}|0',
    );
  });

  it('omits a zero duration and makes a shorter one 1 µs, as zipkin-go does', () => {
    const [zero, short] = toZipkinSpans([
      span({ spanId: '4000000000000004', startTimeUnixNano: BASE, endTimeUnixNano: BASE }),
      span({ spanId: '5000000000000005', startTimeUnixNano: BASE, endTimeUnixNano: BASE + 300n }),
    ]);
    expect(zero?.duration).toBeUndefined();
    expect(short?.duration).toBe(1);
  });
});

describe('fromZipkinSpans', () => {
  it("reads links back from the exporter's otlp.link tags and the span.kind tag as the kind", () => {
    const { spans } = fromZipkinSpans(
      throughJson(
        toZipkinSpans([
          span({
            spanId: '4000000000000004',
            kind: 'internal',
            attributes: attrs({ 'otlp.link.x': 'not a link', kept: 'yes' }),
            links: [
              { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), attributes: attrs({ k: 1n }) },
              { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), attributes: attrs({}) },
            ],
          }),
        ]),
      ),
    );
    expect(spans[0]?.kind).toBe('internal');
    expect({ ...spans[0]?.attributes }).toEqual({ 'otlp.link.x': 'not a link', kept: 'yes' });
    expect(spans[0]?.links?.map((l) => [l.traceId, l.spanId, { ...l.attributes }])).toEqual([
      ['a'.repeat(32), 'b'.repeat(16), { k: 1n }],
      ['c'.repeat(32), 'd'.repeat(16), {}],
    ]);
  });

  it('reads the status both as the exporter writes it and as the specification does', () => {
    const read = (code: string) =>
      fromZipkinSpans([
        {
          traceId: TRACE,
          id: '5000000000000005',
          timestamp: 1,
          tags: { 'otel.status_code': code },
        },
      ]).spans[0]?.status.code;
    expect(['STATUS_CODE_OK', 'OK', 'Ok', 'STATUS_CODE_ERROR', 'ERROR', 'other'].map(read)).toEqual(
      ['ok', 'ok', 'ok', 'error', 'error', 'unset'],
    );
  });

  it('reads back what survives: a run folds as before, plus the losses', () => {
    const { spans, rejected, losses } = fromZipkinSpans(throughJson(toZipkinSpans(smallRun())));
    expect(rejected).toBe(0);
    const before = sealBundle(foldRun(smallRun()));
    const after = withDiagnostics(sealBundle(foldRun(spans)), losses);
    // The fixture's ints and doubles are event attributes, which survive as JSON.
    expect(withoutDiagnostics(after)).toEqual(withoutDiagnostics(before));
    // Start and duration are each rounded to the microsecond: an end may move by one.
    for (const [x, y] of [
      [after.run.endTime, before.run.endTime],
      ...after.steps.map((s, i) => [s.endTime, before.steps[i]!.endTime]),
    ]) {
      const diff = micros(x ?? null) - micros(y ?? null);
      expect(diff >= -1n && diff <= 1n, `${String(x)} vs ${String(y)}`).toBe(true);
    }
    expect(after.diagnostics.map((d) => d.code)).toEqual(
      expect.arrayContaining([
        'zipkin_types_lost',
        'zipkin_time_precision',
        'zipkin_resource_merged',
        'zipkin_names_lowercased',
        'zipkin_event_attributes_flattened',
      ]),
    );
    expect(
      after.diagnostics.find(
        (d) => d.code === 'zipkin_event_attributes_flattened' && d.subject === sc.EVENT_MODEL_IO,
      )?.spanId,
    ).toBe('2000000000000002');
    expect(verifyBundle(JSON.stringify(after)).ok).toBe(true);
    expect(after.integrity.sha256).not.toBe(before.integrity.sha256);
  });

  it('keeps typed tags as strings and flags them, never guessing the type back', () => {
    const z = toZipkinSpans([
      span({
        spanId: '4000000000000004',
        status: { code: 'error', message: 'rate limited' },
        attributes: attrs({ n: 42n, b: true, s: 'text', list: ['a'] }),
      }),
    ]);
    const { spans, losses } = fromZipkinSpans(throughJson(z));
    expect({ ...spans[0]?.attributes }).toEqual({ n: '42', b: 'true', s: 'text', list: '["a"]' });
    expect(spans[0]?.status).toEqual({ code: 'error', message: 'rate limited' });
    expect(spans[0]?.scope).toEqual({ name: 'test' });
    expect(spans[0]?.resource['service.name']).toBe('agent');
    const typed = losses.filter((d) => d.code === 'zipkin_value_maybe_typed').map((d) => d.subject);
    expect(typed.sort()).toEqual(['b', 'list', 'n']);
  });

  it('reads Zipkin-native spans: no kind is internal, an error tag with text is the message', () => {
    const { spans } = fromZipkinSpans([
      {
        traceId: TRACE.toUpperCase(),
        id: '5000000000000005',
        name: 'get /x',
        timestamp: 1_700_000_000_000_001,
        duration: 7,
        tags: { error: 'connection reset' },
        annotations: [
          { timestamp: 1_700_000_000_000_002, value: 'ws' },
          { timestamp: 1_700_000_000_000_003, value: 'not|json|here' },
        ],
      },
    ]);
    expect(spans[0]).toMatchObject({
      traceId: TRACE,
      kind: 'internal',
      startTimeUnixNano: 1_700_000_000_000_001_000n,
      endTimeUnixNano: 1_700_000_000_000_008_000n,
      status: { code: 'error', message: 'connection reset' },
    });
    expect(spans[0]?.events.map((e) => [e.name, Object.keys(e.attributes).length])).toEqual([
      ['ws', 0],
      ['not|json|here', 0],
    ]);
    expect(spans[0]?.resource).toEqual({});
  });

  it('refuses spans with bad ids or no timestamp, and counts them', () => {
    const { spans, rejected, losses } = fromZipkinSpans([
      { traceId: 'xyz', id: '5000000000000005', timestamp: 1 },
      { traceId: TRACE, id: '0000000000000000', timestamp: 1 },
      { traceId: TRACE, id: '5000000000000005' },
      null,
    ]);
    expect(spans).toEqual([]);
    expect(rejected).toBe(4);
    expect(losses).toEqual([]);
  });
});

describe('withDiagnostics', () => {
  it('adds diagnostics once each, in the fold order, and seals again', () => {
    const folded = sealBundle(foldRun(smallRun()));
    expect(withDiagnostics(folded, [])).toBe(folded);
    const extra = [
      { code: 'zipkin_b', message: 'm', spanId: null, subject: null },
      { code: 'zipkin_a', message: 'm', spanId: null, subject: null },
      { code: 'zipkin_a', message: 'm', spanId: null, subject: null },
    ];
    const b = withDiagnostics(folded, extra);
    expect(b.diagnostics.map((d) => d.code)).toEqual(['zipkin_a', 'zipkin_b']);
    expect(verifyBundle(JSON.stringify(b)).ok).toBe(true);
  });
});
