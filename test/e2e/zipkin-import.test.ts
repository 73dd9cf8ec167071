/**
 * Zipkin fed by the real Collector, and `workbench import zipkin` back. A real run of the demo
 * agent (and a typed GenAI span with a link) is recorded once: folded in process (the reference)
 * and sent by the stock OTLP/HTTP exporter to otelcol-workbench-zipkin (Collector v0.148.0 with the
 * contrib zipkin exporter, collector-config/test-stack/collector-zipkin.yaml: the user's
 * fanout-zipkin.yaml on ports of its own), which fans it out to a real Zipkin (the zipkin-server
 * 3.6.1 exec jar, in-memory storage) and to a workbench receiver. The receiver's bundle must have
 * the in-process hash; the bundles imported from Zipkin, by trace id and by service and time
 * window, cannot (Zipkin is lossy): what survives must match the in-process bundle (names, ids,
 * microsecond times, string attributes such as the run id and the gate's decision and actor) and
 * what Zipkin lost must be flagged in the bundle's diagnostics. `toZipkinSpans`, which converts
 * span records as the exporter does, is checked against the exporter itself through Zipkin.
 *
 * Set WORKBENCH_E2E=0 to skip this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { foldRun, sealBundle, type RunBundle, type SpanRecord } from '@llm-workbench/bundle';
import { runDemoAgent } from '@llm-workbench/demo';
import { toZipkinSpans } from '@llm-workbench/import';
import { spanRecordFromReadableSpan } from '@llm-workbench/processor';
import { startReceiver, type Receiver } from '@llm-workbench/receiver';
import { startZipkin, type Zipkin } from '../backends/zipkin.js';
import {
  cli,
  collectorBinary,
  explainDifferences,
  freePort,
  poll,
  readBundle,
  REPO,
  runSegmentProcess,
} from './helpers.js';

const enabled = process.env['WORKBENCH_E2E'] !== '0';
const CONFIG = join(REPO, 'collector-config', 'test-stack', 'collector-zipkin.yaml');
const TOKEN = randomBytes(16).toString('hex');
/** A fresh machine builds the Collector first (minutes), and fetches Zipkin's jar. */
const START_TIMEOUT_MS = 30 * 60_000;

let dir = '';
let zipkin: Zipkin | undefined;
let receiver: Receiver | undefined;
let collector: ChildProcess | undefined;
let collectorLog = '';
let collectorUrl = '';
let traceId = '';
let spans: SpanRecord[] = [];
let inProcess: RunBundle;
/** A second trace: a standard GenAI span with typed attributes and a link, no workbench data. */
let genAiTraceId = '';
let genAiInProcess: RunBundle;
/** A third trace, not a run: odd values for the converter check. */
let oddTraceId = '';
const service = `wb-zipkin-${randomBytes(4).toString('hex')}`;

/** Microseconds since the epoch of a bundle time (RFC 3339 with up to 9 fraction digits). */
function micros(time: string | null): bigint {
  if (time === null) throw new Error('no time');
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(time);
  const seconds = BigInt(Date.parse(`${m![1]}Z`)) / 1000n;
  const fraction = (m![2] ?? '').padEnd(9, '0');
  return seconds * 1_000_000n + BigInt(fraction.slice(0, 6));
}

function codes(bundle: RunBundle): string[] {
  return bundle.diagnostics.map((d) => d.code);
}

/** Zipkin's spans of a trace, once it holds `want` of them. */
async function zipkinTrace(id: string, want: number): Promise<Array<Record<string, unknown>>> {
  return poll(`${want} spans of trace ${id} in Zipkin`, async () => {
    const r = await fetch(`${zipkin!.url}/api/v2/trace/${id}`);
    if (!r.ok) return undefined;
    const got = (await r.json()) as Array<Record<string, unknown>>;
    return got.length === want ? got : undefined;
  });
}

/** Starts the Collector that feeds Zipkin and the receiver; resolves once it listens. */
async function startCollector(): Promise<string> {
  const bin = await collectorBinary(dir, 'collector-zipkin');
  const [httpIn, metrics] = [await freePort(), await freePort()];
  collector = spawn(bin, ['--config', CONFIG], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      WORKBENCH_COLLECTOR_HTTP_PORT: String(httpIn),
      WORKBENCH_COLLECTOR_METRICS_PORT: String(metrics),
      WORKBENCH_ZIPKIN_SPANS_URL: `${zipkin!.url}/api/v2/spans`,
      WORKBENCH_HTTP_RECEIVER_PORT: new URL(receiver!.url).port,
      WORKBENCH_TOKEN: TOKEN,
    },
  });
  collector.stdout?.on('data', (c: Buffer) => (collectorLog += c.toString()));
  collector.stderr?.on('data', (c: Buffer) => (collectorLog += c.toString()));
  const url = `http://127.0.0.1:${httpIn}`;
  await poll(
    'the Collector to listen',
    async () => {
      if (collector?.exitCode !== null) throw new Error(`the Collector exited: ${collectorLog}`);
      return (await fetch(`${url}/v1/traces`)).status > 0 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return url;
}

describe.runIf(enabled)('workbench import zipkin', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-zipkin-'));
    zipkin = await startZipkin(join(dir));
    receiver = await startReceiver({
      port: await freePort(),
      outDir: join(dir, 'bundles'),
      dataDir: join(dir, 'data'),
      token: TOKEN,
      quietMs: 500,
    });
    collectorUrl = await startCollector();
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [
        new SimpleSpanProcessor(exporter),
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collectorUrl}/v1/traces` }), {
          scheduledDelayMillis: 100,
        }),
      ],
    });
    const demo = await runDemoAgent({ tracerProvider: provider });
    const tracer = provider.getTracer('research-assistant', '1.4.0');
    const chat = tracer.startSpan('Chat GPT-4o', {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 812,
        'gen_ai.usage.output_tokens': 164,
      },
      links: [{ context: { traceId: demo.traceId, spanId: 'a'.repeat(16), traceFlags: 1 } }],
    });
    chat.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
    chat.end();
    genAiTraceId = chat.spanContext().traceId;
    // A third trace, no run: values whose text Go writes its own way (sorted keys, escaped <>&,
    // exact large integers, lists), a link with attributes, a span of no duration.
    const odd = tracer.startSpan('Odd <Values> & More', {
      attributes: {
        list: ['<b>', 'x&y'],
        ints: [1, 9_007_199_254_740_991],
        big: 9_007_199_254_740_991,
        double: 0.1 + 0.2,
        tiny: 1e-7,
        bool: false,
      },
      links: [
        {
          context: { traceId: demo.traceId, spanId: 'b'.repeat(16), traceFlags: 1 },
          attributes: { why: 'follows <from>', n: 3 },
        },
      ],
      startTime: [1_796_000_000, 5],
    });
    odd.addEvent('odd.event', { z: 'last', a: 'x&y\u2028\n\u0001"\\', n: -12, d: 2.5 });
    odd.setStatus({ code: SpanStatusCode.OK });
    odd.end([1_796_000_000, 5]);
    oddTraceId = odd.spanContext().traceId;
    await provider.forceFlush();
    traceId = demo.traceId;
    spans = exporter.getFinishedSpans().map((s) => spanRecordFromReadableSpan(s));
    await provider.shutdown();
    inProcess = sealBundle(foldRun(spans.filter((s) => s.traceId === traceId)));
    genAiInProcess = sealBundle(foldRun(spans.filter((s) => s.traceId === genAiTraceId)));

    // The Collector exports in batches and Zipkin stores asynchronously: wait until both traces
    // read back whole.
    for (const id of [traceId, genAiTraceId, oddTraceId])
      await zipkinTrace(id, spans.filter((s) => s.traceId === id).length);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (collector !== undefined && collector.exitCode === null) {
      const exited = new Promise((resolve) => collector?.once('exit', resolve));
      collector.kill('SIGTERM');
      await exited;
    }
    await receiver?.close();
    await zipkin?.stop();
    if (dir !== '' && process.env['WORKBENCH_E2E_KEEP'] !== '1')
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }, 60_000);

  it("gives the in-process hash through the receiver behind the same Collector (the fan-out's other leg)", async () => {
    for (const [id, reference] of [
      [traceId, inProcess],
      [genAiTraceId, genAiInProcess],
    ] as const) {
      const received = await poll(`the receiver's bundle of ${id}`, async () =>
        readBundle(join(dir, 'bundles', `${id}.json`)),
      );
      expect(
        received.integrity.sha256,
        explainDifferences({ 'in process': reference, receiver: received }),
      ).toBe(reference.integrity.sha256);
    }
  });

  it('imports a run by trace id, keeping what Zipkin keeps', async () => {
    const out = join(dir, 'by-id');
    const r = await cli([
      'import',
      'zipkin',
      '--url',
      zipkin!.url,
      '--trace-id',
      traceId,
      '--out',
      out,
    ]);
    expect(r.stderr).toContain('1 bundle from zipkin');
    expect(r.code).toBe(0);
    const bundle = readBundle(join(out, `${traceId}.json`))!;
    expect(bundle).toBeDefined();

    // Ids, names and string attributes survive.
    expect(bundle.run.traceId).toBe(inProcess.run.traceId);
    expect(bundle.run.runId).toBe(inProcess.run.runId);
    expect(bundle.run.rootSpanId).toBe(inProcess.run.rootSpanId);
    expect(bundle.run.spanCount).toBe(inProcess.run.spanCount);
    expect(bundle.run.service).toBe(service);
    expect(bundle.steps.map((s) => [s.stepId, s.spanId, s.parentSpanId])).toEqual(
      inProcess.steps.map((s) => [s.stepId, s.spanId, s.parentSpanId]),
    );
    const gate = (b: RunBundle) =>
      b.events
        .filter((e) => e.type === 'human_gate_resolved')
        .map((e) => ({ gateId: e.gateId, decision: e.decision, actor: e.actor }));
    expect(gate(inProcess)).toHaveLength(1);
    expect(gate(bundle)).toEqual(gate(inProcess));
    // Statuses survive through otel.status_code (the exporter writes STATUS_CODE_OK).
    expect(bundle.run.status).toEqual(inProcess.run.status);
    expect(bundle.steps.map((s) => s.status)).toEqual(inProcess.steps.map((s) => s.status));

    // Times survive to the microsecond (the exporter rounds to the nearest one).
    for (const key of ['startTime', 'endTime'] as const) {
      const diff = micros(bundle.run[key]) - micros(inProcess.run[key]);
      expect(diff >= -1n && diff <= 1n, `${key} ${bundle.run[key]} vs ${inProcess.run[key]}`).toBe(
        true,
      );
    }
    for (const [i, step] of bundle.steps.entries()) {
      const diff = micros(step.startTime) - micros(inProcess.steps[i]!.startTime);
      expect(diff >= -1n && diff <= 1n).toBe(true);
    }

    // What Zipkin lost is flagged, never filled in.
    expect(codes(bundle)).toEqual(
      expect.arrayContaining([
        'zipkin_types_lost',
        'zipkin_time_precision',
        'zipkin_resource_merged',
        'zipkin_event_attributes_flattened',
      ]),
    );
    expect(codes(inProcess).filter((c) => c.startsWith('zipkin_'))).toEqual([]);
    // Diagnostics stay sorted as the fold sorts them, and the bundle is sealed over them.
    const verified = await cli(['verify', join(out, `${traceId}.json`)]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('imports the same run by service and time window', async () => {
    const byId = join(dir, 'by-id-2');
    const one = await cli([
      'import',
      'zipkin',
      '--url',
      zipkin!.url,
      '--trace-id',
      traceId,
      '--out',
      byId,
    ]);
    expect(one.code, one.stderr).toBe(0);
    const out = join(dir, 'by-service');
    const r = await cli([
      'import',
      'zipkin',
      '--url',
      zipkin!.url,
      '--service',
      service,
      '--since',
      '1h',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    // The GenAI trace is a run too (a GenAI span): both come back.
    expect(r.stderr).toContain('2 bundles from zipkin');
    const bundle = readBundle(join(out, `${traceId}.json`))!;
    expect(bundle).toBeDefined();
    expect(bundle.integrity.sha256).toBe(
      readBundle(join(byId, `${traceId}.json`))!.integrity.sha256,
    );
  });

  it('imports a run in three segments by run id (annotationQuery) into one bundle, though Zipkin drops the links between them', async () => {
    const state = join(dir, 'segmented', 'state');
    const local = join(dir, 'segmented', 'in-process');
    mkdirSync(state, { recursive: true });
    const runId = `gated-${randomBytes(4).toString('hex')}`;
    for (const segment of [1, 2, 3])
      await runSegmentProcess(segment, {
        state,
        out: local,
        collectorUrl,
        service: `${service}-segmented`,
        runId,
      });
    const traces = readFileSync(join(state, 'traces'), 'utf8').trim().split('\n');
    const reference = readBundle(join(local, `${traces[0]}.json`))!;
    expect(reference.run.complete).toBe(true);
    // The fan-out's other leg: the receiver assembles the run to the in-process bytes.
    const assembled = await poll("the receiver's bundle of the segmented run", async () =>
      readBundle(join(dir, 'bundles', `${traces[0]}.json`)),
    );
    expect(assembled.integrity.sha256).toBe(reference.integrity.sha256);
    const out = join(dir, 'segmented', 'imported');
    const bundle = await poll(
      'every span of the segmented run in Zipkin',
      async () => {
        const r = await cli([
          'import',
          'zipkin',
          '--url',
          zipkin!.url,
          '--run-id',
          runId,
          '--since',
          '1h',
          '--out',
          join(out, randomBytes(4).toString('hex')),
          '--json',
        ]);
        if (r.code !== 0) return undefined;
        const report = JSON.parse(r.stdout) as {
          bundles: Array<{ path: string; traces: string[] }>;
        };
        const b = report.bundles.length === 1 ? readBundle(report.bundles[0]!.path) : undefined;
        return b !== undefined && b.run.spanCount >= reference.run.spanCount ? b : undefined;
      },
      { intervalMs: 1000 },
    );
    expect(bundle.run.traceId).toBe(traces[0]);
    expect(bundle.run.runId).toBe(runId);
    expect(bundle.run.complete).toBe(true);
    expect(bundle.run.segments?.map((g) => [g.segment, g.traceId, g.state])).toEqual([
      [1, traces[0], 'suspended'],
      [2, traces[1], 'suspended'],
      [3, traces[2], 'ended'],
    ]);
    const resolved = bundle.events.find((e) => e.type === 'human_gate_resolved');
    expect(resolved).toMatchObject({
      gateId: 'review',
      decision: 'approved',
      actor: 'editor@example.com',
    });
  });

  it('flags typed span attributes that came back as text, and never fills them in', async () => {
    const out = join(dir, 'genai');
    const r = await cli([
      'import',
      'zipkin',
      '--url',
      zipkin!.url,
      '--trace-id',
      genAiTraceId,
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const bundle = readBundle(join(out, `${genAiTraceId}.json`))!;
    expect(bundle).toBeDefined();
    const [before] = genAiInProcess.model_io;
    const [after] = bundle.model_io;
    expect(before?.usage.inputTokens).toBe(812);
    // Strings survive; the integers became "812" and "164": kept out, not guessed back.
    expect(after?.model).toBe('gpt-4o');
    expect(after?.provider).toBe('openai');
    expect(after?.usage.inputTokens).toBeNull();
    expect(after?.usage.outputTokens).toBeNull();
    const typed = bundle.diagnostics
      .filter((d) => d.code === 'zipkin_value_maybe_typed')
      .map((d) => d.subject);
    expect(typed).toEqual(
      expect.arrayContaining(['gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens']),
    );
    // The error status survives through otel.status_code and otel.status_description.
    expect(bundle.run.status).toEqual(genAiInProcess.run.status);
    // Zipkin lowercases span names: the name that comes back is Zipkin's, flagged as such.
    expect(codes(bundle)).toContain('zipkin_names_lowercased');
  });

  it('fails with exit 3 for a trace Zipkin does not have', async () => {
    const r = await cli([
      'import',
      'zipkin',
      '--url',
      zipkin!.url,
      '--trace-id',
      randomBytes(16).toString('hex'),
      '--out',
      join(dir, 'missing'),
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not found in Zipkin/);
  });

  it("converts span records as the Collector's zipkin exporter does (toZipkinSpans): Zipkin holds the same spans", async () => {
    // The same spans under another trace id, converted by toZipkinSpans and posted to the same
    // Zipkin: read back, they must be what the exporter's spans read back as.
    for (const id of [traceId, genAiTraceId, oddTraceId]) {
      const mine = spans.filter((s) => s.traceId === id);
      const other = randomBytes(16).toString('hex');
      const posted = await fetch(`${zipkin!.url}/api/v2/spans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(toZipkinSpans(mine.map((s) => ({ ...s, traceId: other })))),
      });
      expect(posted.status).toBe(202);
      const byId = (list: Array<Record<string, unknown>>) =>
        Object.fromEntries(
          list.map(({ traceId: _t, ...rest }) => [rest['id'] as string, rest] as const),
        );
      const fromExporter = byId(await zipkinTrace(id, mine.length));
      const fromConverter = byId(await zipkinTrace(other, mine.length));
      expect(fromConverter).toEqual(fromExporter);
    }
  });

  it('loses a batch for Zipkin when an event attribute is NaN (Go JSON has none); the receiver still gets it', async () => {
    // OTLP JSON as any producer may send it: a double written "NaN" (proto3 JSON).
    const id = randomBytes(16).toString('hex');
    const nanos = String(BigInt(Date.now()) * 1_000_000n);
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [
            {
              scope: { name: 'nan-test' },
              spans: [
                {
                  traceId: id,
                  spanId: 'c'.repeat(16),
                  name: 'run nan',
                  kind: 1,
                  startTimeUnixNano: nanos,
                  endTimeUnixNano: nanos,
                  attributes: [{ key: 'workbench.run.id', value: { stringValue: 'run-nan' } }],
                  events: [
                    {
                      name: 'measured',
                      timeUnixNano: nanos,
                      attributes: [{ key: 'score', value: { doubleValue: 'NaN' } }],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const sent = await fetch(`${collectorUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(sent.status).toBe(200);
    const received = await poll(`the receiver's bundle of ${id}`, async () =>
      readBundle(join(dir, 'bundles', `${id}.json`)),
    );
    expect(received.run.runId).toBe('run-nan');
    await poll('the zipkin exporter to give up on the batch', async () =>
      /failed to push trace data via Zipkin exporter/.test(collectorLog) ? true : undefined,
    );
    expect((await fetch(`${zipkin!.url}/api/v2/trace/${id}`)).status).toBe(404);
  });
});
