import { describe, expect, it } from 'vitest';
import {
  decodeOtlpJson,
  decodeOtlpJsonValue,
  decodeOtlpProtobuf,
  encodeOtlpJson,
  encodeOtlpProtobuf,
  parseOtlpJson,
  type DecodeResult,
} from '@llm-workbench/otlp';
import { ingestOtlp, type IngestResult } from '../src/ingest/ingest-otlp.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { rng as prng } from '@llm-workbench/test-support';
import { recordRun, runRecords } from './helpers.js';

/**
 * Holds the door to the decoder: the same walker with the id-and-limits visitor must refuse the
 * same requests and spans for the same reasons, and keep the same ids in the same order. True when
 * the request decoded with every span valid.
 */
function agree(read: IngestResult, full: DecodeResult): boolean {
  if (!full.ok) {
    expect(read).toEqual(full);
    return false;
  }
  if (!read.ok) throw new Error(`ingest refused what the decoder read: ${read.issues[0]?.message}`);
  expect(read.rejected).toEqual(full.rejected);
  expect(read.spans.traceIds).toEqual(full.spans.map((s) => s.traceId));
  expect(read.spans.spanIds).toEqual(full.spans.map((s) => s.spanId));
  expect(read.spans.roots).toEqual(full.spans.map((s) => s.parentSpanId === undefined));
  expect(read.spans.count).toBe(full.spans.length);
  return full.rejected.length === 0;
}

type Json = Record<string, unknown>;

/** An OTLP/JSON request with odd and invalid forms mixed in at random. */
function oddJsonRequest(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const often = (): boolean => rand() < 0.85;
  const hex = (n: number): string =>
    Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
  const id = (bytes: number): unknown =>
    often()
      ? hex(bytes * 2)
      : pick([
          hex(bytes * 2).toUpperCase(),
          '0'.repeat(bytes * 2),
          hex(bytes * 2 - 2),
          Buffer.from(hex(bytes * 2), 'hex').toString('base64'),
          12345,
          null,
          '',
          `${hex(bytes * 2 - 1)}g`,
        ]);
  const time = (): unknown =>
    often()
      ? String(1_764_151_842_000_000_000n + BigInt(Math.floor(rand() * 1e9)))
      : pick([
          '0',
          '-5',
          ' 17',
          '1.5',
          '1e3',
          '18446744073709551616',
          '18446744073709551615',
          '00017',
          17,
          0,
          -1,
          1.5,
          null,
          'abc',
          true,
        ]);
  const anyValue = (depth: number): unknown => {
    if (!often()) {
      return pick([
        { stringValue: 1 },
        { boolValue: 'yes' },
        { intValue: '1.5' },
        { intValue: '99999999999999999999' },
        { intValue: 7 },
        { intValue: 1.5 },
        { doubleValue: 'x' },
        { doubleValue: 'NaN' },
        { doubleValue: '-Infinity' },
        { doubleValue: '1e-3' },
        { bytesValue: 'AQID' },
        { bytesValue: 'A' },
        { bytesValue: '*' },
        { stringValue: 'a', intValue: '1' },
        { unknownValue: 3 },
        { stringValue: null, boolValue: true },
        { arrayValue: { values: 'no' } },
        { arrayValue: null },
        { kvlistValue: [] },
        'bare',
        [],
        null,
      ]);
    }
    const r = rand();
    if (r < 0.3) return { stringValue: hex(4) };
    if (r < 0.4)
      return { [rand() < 0.5 ? 'intValue' : 'int_value']: String(Math.floor(rand() * 1e6) - 5e5) };
    if (r < 0.5) return { doubleValue: rand() * 100 };
    if (r < 0.6) return { boolValue: rand() < 0.5 };
    if (r < 0.8 && depth < 70)
      return { arrayValue: { values: [anyValue(depth + 1), anyValue(depth + 1)] } };
    if (depth < 70) return { kvlistValue: { values: [{ key: 'k', value: anyValue(depth + 1) }] } };
    return { stringValue: 'deep' };
  };
  const deep = (levels: number): unknown => {
    let v: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < levels; i++) v = { arrayValue: { values: [v] } };
    return v;
  };
  const attributes = (): unknown =>
    often()
      ? Array.from({ length: Math.floor(rand() * 4) }, (_, i) =>
          rand() < 0.05
            ? { key: `deep${i}`, value: deep(pick([63, 64, 65, 66])) }
            : rand() < 0.03
              ? pick([{ value: { stringValue: 'x' } }, 'kv', { key: 1 }])
              : { key: `k${i}`, value: anyValue(0) },
        )
      : pick([null, {}, 'attrs', [null]]);
  const span = (): unknown => {
    if (rand() < 0.02) return pick(['span', null, 3, []]);
    const s: Json = {};
    const snake = rand() < 0.1;
    s[snake ? 'trace_id' : 'traceId'] = id(16);
    s[snake ? 'span_id' : 'spanId'] = id(8);
    if (rand() < 0.6) s['parentSpanId'] = rand() < 0.2 ? pick(['', '0'.repeat(16), null]) : id(8);
    if (rand() < 0.05) s['traceId'] = id(16); // both spellings: the last one wins
    s['name'] = pick(['run', 'step', 7, null]);
    s['kind'] = pick([1, 2, 'SPAN_KIND_SERVER', 'CLIENT', 99, {}]);
    s[snake ? 'start_time_unix_nano' : 'startTimeUnixNano'] = time();
    s['endTimeUnixNano'] = time();
    if (rand() < 0.05) delete s['endTimeUnixNano'];
    s['attributes'] = attributes();
    if (rand() < 0.5)
      s['events'] = often()
        ? [{ timeUnixNano: time(), name: 'e', attributes: attributes() }]
        : pick([{}, 'events', [null], [{ name: 'no time' }], [{ time_unix_nano: time() }]]);
    if (rand() < 0.3) s['status'] = pick([{ code: 2, message: 'bad' }, 'status', { code: {} }]);
    if (rand() < 0.1) s['droppedAttributesCount'] = 3;
    return s;
  };
  const scopeSpans = (): unknown => ({
    scope: pick([{ name: 'lib', version: '1' }, null, 'scope', { name: 3 }]),
    spans: often()
      ? Array.from({ length: 1 + Math.floor(rand() * 4) }, span)
      : pick([null, 'x', {}]),
  });
  const resourceSpans = (): unknown => {
    const rs: Json = {
      resource: rand() < 0.9 ? { attributes: attributes() } : pick([null, 'r']),
    };
    const r = rand();
    if (r < 0.8) rs['scopeSpans'] = [scopeSpans(), scopeSpans()];
    else if (r < 0.85) rs['scope_spans'] = [scopeSpans()];
    else if (r < 0.9) {
      rs['scopeSpans'] = [];
      rs['instrumentationLibrarySpans'] = [scopeSpans()];
    } else rs['scopeSpans'] = pick([null, 'x', {}]);
    return rs;
  };
  const body: unknown =
    rand() < 0.97
      ? { resourceSpans: Array.from({ length: 1 + Math.floor(rand() * 2) }, resourceSpans) }
      : pick([[], 'x', null, { resourceSpans: {} }, { resource_spans: [] }, {}]);
  let text = JSON.stringify(body);
  // Bare numbers where the proto3 mapping writes strings, some beyond 2^53 or fractional.
  if (rand() < 0.4)
    text = text.replace(
      rand() < 0.5
        ? /"(startTimeUnixNano|endTimeUnixNano|timeUnixNano|intValue|int_value)":"(-?\d+)"/
        : /"(intValue|int_value)":"(-?\d+)"/g,
      (_m, k: string, v: string) =>
        `"${k}":${pick([v, v, v, v, '12', '-7', `${v}.0`, '1e3', '0.99999999999999999999', '9007199254740993', '1.0000000000000001'])}`,
    );
  return text;
}

/** Thousands of generated requests through two readers: seconds alone, more on a loaded machine. */
const FUZZ_TIMEOUT_MS = 120_000;

describe('ingestOtlp', () => {
  it(
    'refuses and keeps exactly what the JSON decoder does, through odd and invalid forms',
    () => {
      const rand = prng(6);
      let whole = 0;
      let bare = 0;
      for (let i = 0; i < 6000; i++) {
        const text = oddJsonRequest(rand);
        if (agree(ingestOtlp('json', Buffer.from(text)), decodeOtlpJson(text))) {
          whole++;
          if (/"int_?[vV]alue":-?\d/.test(text)) bare++;
        }
      }
      expect(bare).toBeGreaterThan(3);
      // Both kinds are exercised: requests with every span valid, and the rest.
      expect(whole).toBeGreaterThan(100);
      expect(whole).toBeLessThan(5900);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'decodes JSON from one plain JSON.parse exactly as from the exact parse of 64-bit integers',
    () => {
      const rand = prng(8);
      let rounded = 0;
      for (let i = 0; i < 3000; i++) {
        const text = oddJsonRequest(rand);
        let value: unknown;
        try {
          value = parseOtlpJson(text);
        } catch {
          continue;
        }
        if (/":(9007199254740993|0\.99999999999999999999|1\.0000000000000001)\b/.test(text))
          rounded++;
        expect(decodeOtlpJson(text)).toEqual(decodeOtlpJsonValue(value));
      }
      expect(rounded).toBeGreaterThan(10);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'refuses and keeps exactly what the protobuf decoder does, through random corruption',
    () => {
      const rand = prng(7);
      let whole = 0;
      for (let i = 0; i < 3000; i++) {
        const spans = runRecords(1 + Math.floor(rand() * 6));
        const bytes = Buffer.from(encodeOtlpProtobuf(spans));
        const mutations = Math.floor(rand() * 4);
        for (let m = 0; m < mutations; m++) {
          const at = Math.floor(rand() * bytes.length);
          const r = rand();
          if (r < 0.5) bytes[at] = Math.floor(rand() * 256);
          else if (r < 0.7) bytes[at] = 0;
          else bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(rand() * 8));
        }
        const body = rand() < 0.1 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
        if (agree(ingestOtlp('protobuf', body), decodeOtlpProtobuf(body))) whole++;
      }
      expect(whole).toBeGreaterThan(500);
      expect(whole).toBeLessThan(2900);
    },
    FUZZ_TIMEOUT_MS,
  );

  it('reads what the OpenTelemetry JS exporters send, integers beyond 2^53 in JSON exactly', async () => {
    const bodies: Array<{ type: string; body: Buffer }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? '' }).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
    try {
      for (const exporter of [new JsonExporter({ url }), new ProtoExporter({ url })]) {
        const provider = new BasicTracerProvider({
          spanProcessors: [new SimpleSpanProcessor(exporter)],
        });
        recordRun(provider.getTracer('t', '1'), 'run-1');
        await provider.forceFlush();
        await provider.shutdown();
      }
    } finally {
      server.close();
    }
    const json = bodies.filter((b) => b.type.startsWith('application/json'));
    const proto = bodies.filter((b) => b.type.startsWith('application/x-protobuf'));
    expect(json.length).toBeGreaterThan(0);
    expect(proto.length).toBeGreaterThan(0);
    // The exporter writes intValue as a bare number; one span of recordRun has 2^53 + 2, which
    // plain JSON.parse rounds: that request is read again exactly.
    let big = 0;
    for (const { body } of json) {
      expect(agree(ingestOtlp('json', body), decodeOtlpJson(body))).toBe(true);
      if (!body.toString().includes('"intValue":9007199254740994')) continue;
      big++;
      const decoded = decodeOtlpJson(body);
      const values = decoded.ok ? decoded.spans.flatMap((s) => Object.values(s.attributes)) : [];
      expect(values).toContain(9007199254740994n);
    }
    expect(big).toBeGreaterThan(0);
    for (const { body } of proto)
      expect(agree(ingestOtlp('protobuf', body), decodeOtlpProtobuf(body))).toBe(true);
  });

  it('reports rejected spans as the decoder does', () => {
    const [root, child] = runRecords(2);
    const body = encodeOtlpJson([root!, child!]);
    const spans = body.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    spans.push({ ...spans[0]!, spanId: 'abc' });
    const text = Buffer.from(JSON.stringify(body));
    const read = ingestOtlp('json', text);
    const full = decodeOtlpJson(text);
    if (!read.ok || !full.ok) throw new Error('unreachable');
    expect(read.rejected).toEqual(full.rejected);
    expect(read.rejected).toHaveLength(1);
    expect(read.spans.spanIds).toEqual([root!.spanId, child!.spanId]);
  });

  it('reads a body that is not UTF-8 as U+FFFD, as the decoder does (one rule at every door)', () => {
    const body = Buffer.concat([
      Buffer.from('{"resourceSpans":[],"x":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    expect(ingestOtlp('json', body)).toMatchObject({ ok: true, rejected: [] });
    expect(decodeOtlpJson(body)).toMatchObject({ ok: true, replacedInvalidUtf8: true });
  });
});
