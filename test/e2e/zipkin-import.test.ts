/**
 * `workbench import zipkin` against a real Zipkin (the zipkin-server exec jar, in-memory storage,
 * started by this file on a free loopback port). A real run of the demo agent is recorded
 * in-process, converted to Zipkin JSON v2 the way the Collector's zipkin exporter converts it,
 * posted to Zipkin, then imported back by trace id and by service and time window. Zipkin is
 * lossy, so the hashes are not compared: the test asserts that what survives lands in the bundle
 * (names, ids, microsecond times, string attributes such as the run id and the gate's decision
 * and actor) and that what Zipkin lost is flagged in the bundle's diagnostics.
 *
 * Set WORKBENCH_E2E=0 to skip this file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { foldRun, sealBundle, type RunBundle, type SpanRecord } from '@llm-workbench/bundle';
import { runDemoAgent } from '@llm-workbench/demo';
import { toZipkinSpans } from '@llm-workbench/import';
import { spanRecordFromReadableSpan } from '@llm-workbench/processor';
import { startZipkin, type Zipkin } from '../backends/zipkin.js';
import { cli, poll, readBundle } from './helpers.js';

const enabled = process.env['WORKBENCH_E2E'] !== '0';

let dir = '';
let zipkin: Zipkin | undefined;
let traceId = '';
let spans: SpanRecord[] = [];
let inProcess: RunBundle;
/** A second trace: a standard GenAI span with typed attributes and a link, no workbench data. */
let genAiTraceId = '';
let genAiInProcess: RunBundle;
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

describe.runIf(enabled)('workbench import zipkin', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-zipkin-'));
    zipkin = await startZipkin(join(dir));
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
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
    await provider.forceFlush();
    traceId = demo.traceId;
    spans = exporter.getFinishedSpans().map((s) => spanRecordFromReadableSpan(s));
    await provider.shutdown();
    inProcess = sealBundle(foldRun(spans.filter((s) => s.traceId === traceId)));
    genAiInProcess = sealBundle(foldRun(spans.filter((s) => s.traceId === genAiTraceId)));

    const posted = await fetch(`${zipkin.url}/api/v2/spans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(toZipkinSpans(spans)),
    });
    expect(posted.status).toBe(202);
    // Zipkin stores asynchronously: wait until both traces read back whole.
    for (const id of [traceId, genAiTraceId]) {
      const want = spans.filter((s) => s.traceId === id).length;
      await poll(`trace ${id} in Zipkin`, async () => {
        const r = await fetch(`${zipkin!.url}/api/v2/trace/${id}`);
        if (!r.ok) return undefined;
        const got = (await r.json()) as unknown[];
        return got.length === want ? true : undefined;
      });
    }
  }, 300_000);

  afterAll(async () => {
    await zipkin?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
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
        'zipkin_links_dropped',
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
    expect(codes(bundle)).toContain('zipkin_links_dropped');
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
});
