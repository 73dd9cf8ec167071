/**
 * One run, five paths, one bundle. Runs of the demo agent and of an app that emits only standard
 * GenAI spans are exported by the stock OTLP/HTTP exporter to a real OpenTelemetry Collector, which
 * fans out to Jaeger, Tempo, the workbench receiver and its file exporter, while the same runs are
 * folded in-process by RunBundleSpanProcessor in the same provider. Each run is then imported back
 * from Jaeger, Tempo and the file: every bundle of a run must have the same integrity.sha256.
 * Then bundles are replayed into Jaeger and imported back, hash for hash.
 *
 * The stack is real (test/backends/start.sh builds it from Go modules on first use, which takes
 * many minutes; CI builds it before the tests). Set WORKBENCH_E2E=0 to skip this file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { foldRun, sealBundle, summarizeBundle, type RunBundle } from '@llm-workbench/bundle';
import { encodeOtlpJson, encodeOtlpProtobuf } from '@llm-workbench/otlp';
import { runDemoAgent } from '@llm-workbench/demo';
import { JaegerClient, readOtlpFile, TempoClient } from '@llm-workbench/import';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
import { randomRun } from '../../packages/import/test/fixtures.js';
import {
  cli,
  explainDifferences,
  poll,
  readBundle,
  runScript,
  runSegmentProcess,
  STACK,
} from './helpers.js';

const enabled = process.env['WORKBENCH_E2E'] !== '0';
/** First use builds Jaeger, Tempo and the Collector from Go modules: allow for it. */
const START_TIMEOUT_MS = 80 * 60_000;
const ARRIVAL_TIMEOUT_MS = 90_000;

interface Run {
  label: string;
  traceId: string;
  inProcess: RunBundle;
}

let dir = '';
let stackUp = false;
let tempo = false;
/** start.sh's own switch; the receiver's bundle is compared unless it is set. */
const receiver = process.env['WORKBENCH_SKIP_RECEIVER'] !== '1';
const service = `wb-e2e-${randomBytes(4).toString('hex')}`;
const runs: Run[] = [];

describe.runIf(enabled)('five paths to one bundle', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-e2e-'));
    await runScript('start.sh', [join(dir, 'stack')], join(dir, 'start.log'));
    stackUp = true;
    tempo = existsSync(join(dir, 'stack', 'pids', 'tempo.pid'));

    const inProcessDir = join(dir, 'in-process');
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${STACK.collectorHttp}/v1/traces` }), {
          scheduledDelayMillis: 100,
        }),
        new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: inProcessDir }) }),
      ],
    });
    const demo = await runDemoAgent({ tracerProvider: provider });
    const genAi = runGenAiOnlyAgent(provider.getTracer('research-assistant', '1.4.0'));
    await provider.forceFlush();
    await provider.shutdown();
    for (const [label, traceId] of [
      ['demo run', demo.traceId],
      ['GenAI-only run', genAi],
    ] as const) {
      const inProcess = readBundle(join(inProcessDir, `${traceId}.json`));
      if (inProcess === undefined) throw new Error(`no in-process bundle for the ${label}`);
      runs.push({ label, traceId, inProcess });
    }
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (dir === '') return;
    if (stackUp) await runScript('stop.sh', [join(dir, 'stack')], join(dir, 'stop.log'));
    if (process.env['WORKBENCH_E2E_KEEP'] !== '1') rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('gives each run one bundle on every path: in-process, receiver, Collector file, Jaeger (and Tempo when the stack has it)', async () => {
    const jaeger = new JaegerClient({ url: STACK.jaegerQuery, timeoutMs: 5000 });
    const tempoClient = new TempoClient({ url: STACK.tempoQuery, timeoutMs: 5000 });
    const file = join(dir, 'stack', 'otlp', 'traces.jsonl');
    const failures: string[] = [];

    for (const run of runs) {
      const expected = run.inProcess.run.spanCount;
      const out = join(dir, 'imported', run.traceId);
      mkdirSync(out, { recursive: true });
      const bundles: Record<string, RunBundle> = { 'in-process': run.inProcess };

      if (receiver) {
        bundles['receiver'] = await poll(
          `the receiver's bundle of the ${run.label}`,
          async () => readBundle(join(dir, 'stack', 'bundles', `${run.traceId}.json`)),
          { timeoutMs: ARRIVAL_TIMEOUT_MS },
        );
      }

      await poll(
        `all ${expected} spans of the ${run.label} in the Collector's file`,
        async () => {
          const read = await readOtlpFile(createReadStream(file));
          const spans = read.traces.get(run.traceId) ?? [];
          return new Set(spans.map((s) => s.spanId)).size >= expected ? true : undefined;
        },
        { timeoutMs: ARRIVAL_TIMEOUT_MS },
      );
      bundles['file'] = await importWith(['otlp', file], join(out, 'file'), run.traceId);

      await poll(
        `all ${expected} spans of the ${run.label} in Jaeger`,
        async () => {
          const t = await jaeger.getTrace(run.traceId);
          return new Set(t.spans.map((s) => s.spanId)).size >= expected ? true : undefined;
        },
        { timeoutMs: ARRIVAL_TIMEOUT_MS },
      );
      bundles['jaeger'] = await importWith(
        ['jaeger', '--url', STACK.jaegerQuery, '--trace-id', run.traceId],
        join(out, 'jaeger'),
        run.traceId,
      );

      if (tempo) {
        // Tempo makes a trace queryable a few seconds after ingesting it.
        await poll(
          `all ${expected} spans of the ${run.label} in Tempo`,
          async () => {
            const t = await tempoClient.getTrace(run.traceId);
            return new Set(t.spans.map((s) => s.spanId)).size >= expected ? true : undefined;
          },
          { timeoutMs: ARRIVAL_TIMEOUT_MS },
        );
        bundles['tempo'] = await importWith(
          ['tempo', '--url', STACK.tempoQuery, '--trace-id', run.traceId],
          join(out, 'tempo'),
          run.traceId,
        );
      }

      const hashes = Object.values(bundles).map((b) => b.integrity.sha256);
      if (new Set(hashes).size !== 1) {
        failures.push(`${run.label} (trace ${run.traceId}):\n${explainDifferences(bundles)}`);
      }
      expect(Object.keys(bundles)).toEqual([
        'in-process',
        ...(receiver ? ['receiver'] : []),
        'file',
        'jaeger',
        ...(tempo ? ['tempo'] : []),
      ]);
    }
    if (failures.length > 0) {
      throw new Error(`bundles of one run differ between paths:\n\n${failures.join('\n\n')}`);
    }
    expect(runs.map((r) => r.inProcess.run.runId === null)).toEqual([false, true]);
  });

  it('gives a run in three segments, its gate waiting across process exits, one bundle on every path', async () => {
    // Three processes, one segment each: segment 1 requests the review gate and suspends, segment
    // 2 suspends again, segment 3 resolves the gate and ends the run. Each exports to the Collector
    // and folds in-process (the processor persists the open run beside its bundles).
    const state = join(dir, 'segmented', 'state');
    const inProcessDir = join(dir, 'segmented', 'in-process');
    mkdirSync(state, { recursive: true });
    const runId = `gated-${randomBytes(4).toString('hex')}`;
    for (const segment of [1, 2, 3])
      await runSegmentProcess(segment, {
        state,
        out: inProcessDir,
        collectorUrl: STACK.collectorHttp,
        service: `${service}-segmented`,
        runId,
      });
    const traces = readFileSync(join(state, 'traces'), 'utf8').trim().split('\n');
    expect(traces).toHaveLength(3);
    const first = traces[0]!;
    const inProcess = readBundle(join(inProcessDir, `${first}.json`));
    if (inProcess === undefined) throw new Error('no in-process bundle of the segmented run');
    expect(inProcess.run.runId).toBe(runId);
    expect(inProcess.run.complete).toBe(true);
    expect(inProcess.run.segments?.map((g) => [g.traceId, g.state])).toEqual([
      [traces[0], 'suspended'],
      [traces[1], 'suspended'],
      [traces[2], 'ended'],
    ]);
    const gateEvents = inProcess.events.filter(
      (e) => e.type === 'human_gate_requested' || e.type === 'human_gate_resolved',
    );
    expect(gateEvents.map((e) => e.type)).toEqual(['human_gate_requested', 'human_gate_resolved']);
    // One gate, requested in segment 1 and resolved in segment 3: its wait spans the pauses.
    const gate = summarizeBundle(inProcess).gates.get('review');
    expect(gate).toMatchObject({ gateId: 'review', state: 'resolved', decision: 'approved' });
    const [seg1, , seg3] = inProcess.run.segments!;
    const pause = Date.parse(seg3!.startTime!) - Date.parse(seg1!.endTime!);
    expect(pause).toBeGreaterThan(0);
    expect(gate!.waitMs).toBeGreaterThanOrEqual(pause - 1);

    const expected = inProcess.run.spanCount;
    const bundles: Record<string, RunBundle> = { 'in-process': inProcess };
    if (receiver) {
      bundles['receiver'] = await poll(
        "the receiver's bundle of the segmented run",
        async () => readBundle(join(dir, 'stack', 'bundles', `${first}.json`)),
        { timeoutMs: ARRIVAL_TIMEOUT_MS },
      );
    }
    const file = join(dir, 'stack', 'otlp', 'traces.jsonl');
    const out = join(dir, 'segmented', 'imported');
    // Each import is retried until every span of every segment has arrived in that backend.
    const whole = (source: string, args: string[]): Promise<RunBundle> =>
      poll(
        `every span of the segmented run from ${source}`,
        async () => {
          const b = await importWith(
            [...args, '--run-id', runId],
            join(out, source, randomBytes(4).toString('hex')),
            first,
          ).catch(() => undefined);
          return b !== undefined && b.run.spanCount >= expected ? b : undefined;
        },
        { timeoutMs: ARRIVAL_TIMEOUT_MS, intervalMs: 1000 },
      );
    bundles['file'] = await whole('file', ['otlp', file]);
    bundles['jaeger'] = await whole('jaeger', [
      'jaeger',
      '--url',
      STACK.jaegerQuery,
      '--since',
      '1h',
    ]);
    if (tempo)
      bundles['tempo'] = await whole('tempo', [
        'tempo',
        '--url',
        STACK.tempoQuery,
        '--since',
        '1h',
      ]);
    const hashes = new Set(Object.values(bundles).map((b) => b.integrity.sha256));
    if (hashes.size !== 1)
      throw new Error(`bundles of the segmented run differ:\n${explainDifferences(bundles)}`);
  });

  it('finds the runs in Jaeger and Tempo by service and time window', async () => {
    const sources: Array<[string, string]> = [['jaeger', STACK.jaegerQuery]];
    if (tempo) sources.push(['tempo', STACK.tempoQuery]);
    for (const [source, url] of sources) {
      const out = join(dir, 'search', source);
      const found = await poll(
        `${source} search to return both runs`,
        async () => {
          const r = await cli([
            'import',
            source,
            '--url',
            url,
            '--service',
            service,
            '--since',
            '15m',
            '--out',
            out,
            '--json',
          ]);
          if (r.code !== 0) throw new Error(r.stderr);
          const report = JSON.parse(r.stdout) as {
            bundles: Array<{ traceId: string; sha256: string }>;
          };
          return report.bundles.length >= runs.length ? report.bundles : undefined;
        },
        { timeoutMs: ARRIVAL_TIMEOUT_MS, intervalMs: 1000 },
      );
      const byTrace = Object.fromEntries(found.map((b) => [b.traceId, b.sha256]));
      for (const run of runs)
        expect(byTrace[run.traceId], `${source}: ${run.label}`).toBe(
          run.inProcess.integrity.sha256,
        );
    }
  });

  it('gives the same bundles from Jaeger and the file for runs full of odd values', async () => {
    // Random runs with wrong types, missing fields, long and mismatched content, spans that end
    // before they start, orphans, NaN, bytes, nested values, secrets, 70 attributes on an event;
    // half sent as OTLP JSON, half as protobuf.
    const sent = Array.from({ length: 24 }, (_, i) => randomRun(9000 + i));
    for (const [i, spans] of sent.entries()) {
      const protobuf = i % 2 === 1;
      const res = await fetch(`${STACK.collectorHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json' },
        body: protobuf ? encodeOtlpProtobuf(spans) : JSON.stringify(encodeOtlpJson(spans)),
      });
      expect(res.status).toBe(200);
    }
    const jaeger = new JaegerClient({ url: STACK.jaegerQuery, timeoutMs: 5000 });
    const file = join(dir, 'stack', 'otlp', 'traces.jsonl');
    const failures: string[] = [];
    for (const spans of sent) {
      const traceId = spans[0]!.traceId;
      const expected = sealBundle(foldRun(spans));
      const count = new Set(spans.map((s) => s.spanId)).size;
      const fromJaeger = await poll(
        `trace ${traceId} in Jaeger`,
        async () => {
          const t = await jaeger.getTrace(traceId);
          return new Set(t.spans.map((s) => s.spanId)).size >= count ? t.spans : undefined;
        },
        { timeoutMs: ARRIVAL_TIMEOUT_MS },
      );
      const fromFile = await poll(
        `trace ${traceId} in the Collector's file`,
        async () => {
          const t = (await readOtlpFile(createReadStream(file))).traces.get(traceId) ?? [];
          return new Set(t.map((s) => s.spanId)).size >= count ? t : undefined;
        },
        { timeoutMs: ARRIVAL_TIMEOUT_MS },
      );
      const bundles = {
        sent: expected,
        jaeger: sealBundle(foldRun(fromJaeger)),
        file: sealBundle(foldRun(fromFile)),
      };
      if (new Set(Object.values(bundles).map((b) => b.integrity.sha256)).size !== 1) {
        failures.push(`trace ${traceId}:\n${explainDifferences(bundles)}`);
      }
    }
    if (failures.length > 0)
      throw new Error(`odd runs differ between paths:\n\n${failures.join('\n\n')}`);
  });

  it('replays a bundle into Jaeger and imports it back with the same hash', async () => {
    // Runs folded in-process only, so that their traces reach Jaeger only by replay.
    const local = join(dir, 'local');
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': `${service}-replay` }),
      spanProcessors: [
        new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: local }) }),
      ],
    });
    const demo = await runDemoAgent({ tracerProvider: provider });
    const genAi = runGenAiOnlyAgent(provider.getTracer('research-assistant', '1.4.0'));
    await provider.shutdown();
    const jaeger = new JaegerClient({ url: STACK.jaegerQuery, timeoutMs: 5000 });
    for (const [traceId, protocol] of [
      [demo.traceId, 'protobuf'],
      [genAi, 'json'],
    ] as const) {
      const path = join(local, `${traceId}.json`);
      const original = readBundle(path)!;
      const sent = await cli([
        'replay',
        path,
        '--endpoint',
        STACK.jaegerOtlpHttp,
        '--protocol',
        protocol,
      ]);
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      await poll(
        `the replayed trace ${traceId} in Jaeger`,
        async () => {
          const t = await jaeger.getTrace(traceId);
          return new Set(t.spans.map((s) => s.spanId)).size >= original.run.spanCount
            ? true
            : undefined;
        },
        { timeoutMs: ARRIVAL_TIMEOUT_MS },
      );
      const back = await importWith(
        ['jaeger', '--url', STACK.jaegerQuery, '--trace-id', traceId],
        join(dir, 'replayed', traceId),
        traceId,
      );
      if (back.integrity.sha256 !== original.integrity.sha256) {
        throw new Error(
          `replayed bundle differs:\n${explainDifferences({ original, 'replayed via jaeger': back })}`,
        );
      }
    }
  });
});

/** Imports with the CLI into `out` and returns the bundle of `traceId`. */
async function importWith(args: string[], out: string, traceId: string): Promise<RunBundle> {
  const r = await cli(['import', ...args, '--out', out]);
  if (r.code !== 0)
    throw new Error(`workbench import ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  const bundle = readBundle(join(out, `${traceId}.json`));
  if (bundle === undefined)
    throw new Error(
      `workbench import ${args.join(' ')} wrote no bundle of ${traceId}:\n${r.stdout}${r.stderr}`,
    );
  return bundle;
}

/**
 * An agent instrumented only with the OpenTelemetry GenAI conventions (no workbench attributes or
 * events): an agent span, two model calls with usage, a tool call that fails once, and the HTTP
 * client span under a model call. Returns its trace id.
 */
function runGenAiOnlyAgent(tracer: Tracer): string {
  const root = tracer.startSpan('invoke_agent research-assistant', {
    kind: SpanKind.INTERNAL,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai',
      'gen_ai.agent.name': 'research-assistant',
      'gen_ai.request.model': 'gpt-4o',
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  const chat = (model: string, provider: string, input: number, output: number): void => {
    const span = tracer.startSpan(
      `chat ${model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': provider,
          'gen_ai.request.model': model,
          'gen_ai.response.model': `${model}-2025-01-01`,
          'gen_ai.usage.input_tokens': input,
          'gen_ai.usage.output_tokens': output,
          'gen_ai.usage.cache_read.input_tokens': 64,
          'server.address': 'api.example.com',
        },
      },
      ctx,
    );
    const http = tracer.startSpan(
      'POST',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200 },
      },
      trace.setSpan(ctx, span),
    );
    http.end();
    span.end();
  };
  chat('gpt-4o', 'openai', 812, 164);
  const tool = tracer.startSpan(
    'execute_tool web_search',
    { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'web_search' } },
    ctx,
  );
  tool.addEvent('retry', { 'retry.attempt': 1, 'error.type': 'rate_limited' });
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited once' });
  tool.end();
  chat('claude-sonnet-4', 'anthropic', 1024, 256);
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  return root.spanContext().traceId;
}
