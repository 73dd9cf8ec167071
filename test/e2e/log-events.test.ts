/**
 * Events as log records (OTEP 4430), end to end. The same deterministic run is recorded twice by
 * @llm-workbench/instrumentation: once with span events, folded in process (the reference), and
 * once with `events: 'log'`, its spans and log records exported by the stock OTLP/HTTP exporters to
 * a real Collector (collector-config/test-stack/collector-logs.yaml, on ports of its own), whose
 * traces and logs pipelines fan out to a workbench receiver and to file exporters, while the same
 * provider folds it in process with RunBundleLogRecordProcessor. The receiver's bundle, the bundle
 * `workbench import otlp` makes of the Collector's two files and the in-process one must all have
 * the reference's integrity.sha256. Set WORKBENCH_E2E=0 to skip this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type IdGenerator,
} from '@opentelemetry/sdk-trace-base';
import type { RunBundle } from '@llm-workbench/bundle';
import { Workbench, type WorkbenchOptions } from '@llm-workbench/instrumentation';
import {
  FileBundleSink,
  RunBundleLogRecordProcessor,
  RunBundleSpanProcessor,
} from '@llm-workbench/processor';
import { startReceiver, type Receiver } from '@llm-workbench/receiver';
import {
  cli,
  collectorBinary,
  explainDifferences,
  freePort,
  poll,
  readBundle,
  REPO,
} from './helpers.js';

const CONFIG = join(REPO, 'collector-config', 'test-stack', 'collector-logs.yaml');

const enabled = process.env['WORKBENCH_E2E'] !== '0';
const START_TIMEOUT_MS = 30 * 60_000;
const ARRIVAL_TIMEOUT_MS = 90_000;
const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);

const service = `wb-e2e-logs-${randomBytes(4).toString('hex')}`;
const traceId = randomBytes(16).toString('hex');
let dir = '';
let collector: ChildProcess | undefined;
let collectorLog = '';
let receiver: Receiver | undefined;
let collectorHttp = '';

function fixedIds(): IdGenerator {
  let n = 0;
  return {
    generateTraceId: () => traceId,
    generateSpanId: () => (++n).toString(16).padStart(16, '0'),
  };
}

/** A run with a workflow, a model call, an artifact and a gate, every time explicit. */
function record(options: WorkbenchOptions): void {
  const wb = new Workbench({ captureContent: true, ...options });
  const run = wb.startRun({
    name: 'newsletter',
    runId: `run-${traceId.slice(0, 8)}`,
    startTime: T0,
    workflow: { id: 'newsletter', revision: 'r1', definition: { nodes: [{ id: 'draft' }] } },
  });
  const step = run.startStep('draft', { kind: 'llm', startTime: T0 + 10 });
  step.recordModelIo({
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 812,
    outputTokens: 164,
    durationMs: 2310,
    input: 'Write a draft.',
    output: 'A draft.',
    time: T0 + 20,
  });
  step.recordArtifact({
    key: 'draft.md',
    content: 'A draft.',
    mediaType: 'text/markdown',
    time: T0 + 30,
  });
  step.requestGate({
    gateId: 'review',
    subject: { artifactKey: 'draft.md', artifactVersion: 1 },
    time: T0 + 40,
  });
  step.resolveGate({
    gateId: 'review',
    decision: 'approved',
    actor: 'editor@example.com',
    time: T0 + 50,
  });
  step.end(T0 + 60);
  run.end(T0 + 70);
}

const resource = resourceFromAttributes({ 'service.name': service });

describe.runIf(enabled)('a run recorded as log records, end to end', () => {
  const bundles: Record<string, RunBundle> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-e2e-logs-'));
    const bin = await collectorBinary(dir);
    receiver = await startReceiver({
      port: await freePort(),
      outDir: join(dir, 'bundles'),
      dataDir: join(dir, 'data'),
      quietMs: 500,
    });
    const [httpIn, metrics] = [await freePort(), await freePort()];
    mkdirSync(join(dir, 'otlp'), { recursive: true });
    collector = spawn(bin, ['--config', CONFIG], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        WORKBENCH_E2E_DIR: dir,
        WORKBENCH_COLLECTOR_HTTP_PORT: String(httpIn),
        WORKBENCH_COLLECTOR_METRICS_PORT: String(metrics),
        WORKBENCH_HTTP_RECEIVER_PORT: new URL(receiver.url).port,
      },
    });
    collector.stdout?.on('data', (c: Buffer) => (collectorLog += c.toString()));
    collector.stderr?.on('data', (c: Buffer) => (collectorLog += c.toString()));
    collectorHttp = `http://127.0.0.1:${httpIn}`;
    await poll(
      'the Collector to listen',
      async () => {
        if (collector?.exitCode !== null) throw new Error(`the Collector exited: ${collectorLog}`);
        return (await fetch(`${collectorHttp}/v1/traces`)).status > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );

    // The reference: span events, in process.
    const spanDir = join(dir, 'span-events');
    const reference = new BasicTracerProvider({
      resource,
      idGenerator: fixedIds(),
      spanProcessors: [
        new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: spanDir }) }),
      ],
    });
    record({ tracerProvider: reference });
    await reference.shutdown();

    // Log records: to the Collector, and folded in process too.
    const logDir = join(dir, 'log-records');
    const spans = new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: logDir }) });
    const tracerProvider = new BasicTracerProvider({
      resource,
      idGenerator: fixedIds(),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collectorHttp}/v1/traces` }), {
          scheduledDelayMillis: 100,
        }),
        spans,
      ],
    });
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter: new OTLPLogExporter({ url: `${collectorHttp}/v1/logs` }),
          scheduledDelayMillis: 100,
        }),
        new RunBundleLogRecordProcessor(spans),
      ],
    });
    record({ tracerProvider, events: 'log', loggerProvider });
    await loggerProvider.forceFlush();
    await tracerProvider.forceFlush();
    await loggerProvider.shutdown();
    await tracerProvider.shutdown();

    const ref = readBundle(join(spanDir, `${traceId}.json`));
    const inProcess = readBundle(join(logDir, `${traceId}.json`));
    if (ref === undefined || inProcess === undefined) throw new Error('no in-process bundle');
    bundles['span events, in process'] = ref;
    bundles['log records, in process'] = inProcess;
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (collector !== undefined && collector.exitCode === null) {
      const exited = new Promise((resolve) => collector?.once('exit', resolve));
      collector.kill('SIGTERM');
      await exited;
    }
    await receiver?.close();
    if (dir !== '' && process.env['WORKBENCH_E2E_KEEP'] !== '1')
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }, 60_000);

  it('gives the span-event hash in process, through the receiver and from the Collector files', async () => {
    const reference = bundles['span events, in process']!;
    expect(reference.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['human_gate_requested', 'human_gate_resolved', 'artifact']),
    );
    expect(reference.model_io).toHaveLength(1);

    bundles['log records, receiver'] = await poll(
      "the receiver's bundle",
      async () => readBundle(join(dir, 'bundles', `${traceId}.json`)),
      { timeoutMs: ARRIVAL_TIMEOUT_MS },
    );

    const traces = join(dir, 'otlp', 'traces.jsonl');
    const logs = join(dir, 'otlp', 'logs.jsonl');
    await poll(
      "the run's spans and log records in the Collector's files",
      async () =>
        existsSync(logs) &&
        readFileSync(traces, 'utf8').includes(traceId) &&
        readFileSync(logs, 'utf8').includes('workbench.gate.resolved')
          ? true
          : undefined,
      { timeoutMs: ARRIVAL_TIMEOUT_MS },
    );
    const out = join(dir, 'imported');
    mkdirSync(out, { recursive: true });
    const r = await cli(['import', 'otlp', traces, logs, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const imported = readBundle(join(out, `${traceId}.json`));
    expect(imported, r.stdout).toBeDefined();
    bundles['log records, Collector files'] = imported!;

    const hashes = Object.fromEntries(
      Object.entries(bundles).map(([k, b]) => [k, b.integrity.sha256]),
    );
    const distinct = new Set(Object.values(hashes));
    expect(
      distinct.size,
      `${JSON.stringify(hashes, null, 2)}\n${explainDifferences(bundles)}`,
    ).toBe(1);
  });
});
