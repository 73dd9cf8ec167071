import { describe, expect, it } from 'vitest';
import {
  decodeOtlpJson,
  decodeOtlpProtobuf,
  encodeOtlpJson,
  encodeOtlpProtobuf,
  type DecodeResult,
} from '@llm-workbench/otlp';
import { ingestOtlp } from '../src/ingest/ingest-otlp.js';
import type { ScannedSpans } from '../src/ingest/scanned-spans.js';
import { scanOtlpJson } from '../src/ingest/scan-otlp-json.js';
import { scanOtlpProtobuf } from '../src/ingest/scan-otlp-protobuf.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { recordRun, runRecords } from './helpers.js';

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Holds the fast path to its promise: whatever it vouches for, the decoder accepts whole, with
 * the same trace ids, span ids and roots in the same order.
 */
function agree(fast: ScannedSpans | null, full: DecodeResult): boolean {
  if (fast === null) return false;
  expect(full.ok).toBe(true);
  if (!full.ok) return true;
  expect(full.rejected).toEqual([]);
  expect(fast.traceIds).toEqual(full.spans.map((s) => s.traceId));
  expect(fast.spanIds).toEqual(full.spans.map((s) => s.spanId));
  expect(fast.roots).toEqual(full.spans.map((s) => s.parentSpanId === undefined));
  expect(fast.count).toBe(full.spans.length);
  return true;
}

const scanJsonText = scanOtlpJson;

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

describe('the ingest fast path (scanOtlpJson, scanOtlpProtobuf)', () => {
  it('vouches only for JSON requests the decoder accepts whole, with the same ids in the same order', () => {
    const rand = prng(6);
    let vouched = 0;
    let bare = 0;
    for (let i = 0; i < 6000; i++) {
      const text = oddJsonRequest(rand);
      if (agree(scanJsonText(text), decodeOtlpJson(text))) {
        vouched++;
        if (/"int_?[vV]alue":-?\d/.test(text)) bare++;
      }
    }
    expect(bare).toBeGreaterThan(3);
    // Both ways are exercised: requests it vouches for and requests it leaves to the decoder.
    expect(vouched).toBeGreaterThan(100);
    expect(vouched).toBeLessThan(5900);
  });

  it('vouches only for protobuf the decoder accepts whole, through random corruption', () => {
    const rand = prng(7);
    let vouched = 0;
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
      if (agree(scanOtlpProtobuf(body), decodeOtlpProtobuf(body))) vouched++;
    }
    expect(vouched).toBeGreaterThan(500);
    expect(vouched).toBeLessThan(2900);
  });

  it('vouches for what the OpenTelemetry JS exporters send, but for integers beyond 2^53 in JSON', async () => {
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
    // JSON.parse could not be trusted with: that request goes to the decoder, the others not.
    for (const { body } of json) {
      const big = body.toString().includes('"intValue":9007199254740994');
      expect(agree(scanJsonText(body.toString()), decodeOtlpJson(body))).toBe(!big);
    }
    for (const { body } of proto)
      expect(agree(scanOtlpProtobuf(body), decodeOtlpProtobuf(body))).toBe(true);
  });

  it('takes the decoder on requests with rejected spans, and reports them as it does', () => {
    const [root, child] = runRecords(2);
    const body = encodeOtlpJson([root!, child!]);
    const spans = body.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    spans.push({ ...spans[0]!, spanId: 'abc' });
    const text = Buffer.from(JSON.stringify(body));
    const read = ingestOtlp('json', text);
    expect(read).toMatchObject({ ok: true, fast: false });
    const full = decodeOtlpJson(text);
    if (!read.ok || !full.ok) throw new Error('unreachable');
    expect(read.rejected).toEqual(full.rejected);
    expect(read.spans.spanIds).toEqual([root!.spanId, child!.spanId]);
    expect(ingestOtlp('protobuf', Buffer.from(encodeOtlpProtobuf([root!])))).toMatchObject({
      ok: true,
      fast: true,
    });
  });

  it('leaves a body that is not UTF-8 to the decoder, which reads it as U+FFFD (one rule at every door)', () => {
    const body = Buffer.concat([
      Buffer.from('{"resourceSpans":[],"x":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const read = ingestOtlp('json', body);
    expect(read).toMatchObject({ ok: true, fast: false, rejected: [] });
    expect(decodeOtlpJson(body)).toMatchObject({ ok: true, replacedInvalidUtf8: true });
  });
});
