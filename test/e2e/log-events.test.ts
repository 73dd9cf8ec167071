/**
 * Events as log records (OTEP 4430), end to end. The same deterministic run is recorded twice by
 * @llm-workbench/instrumentation: once with span events, folded in process (the reference), and
 * once with `events: 'log'`, its spans and log records exported by the stock OTLP/HTTP exporters to
 * a real Collector (collector-config/test-stack/collector-logs.yaml, on ports of its own), whose
 * traces and logs pipelines fan out to a workbench receiver and to file exporters, while the same
 * provider folds it in process with RunBundleLogRecordProcessor. The receiver's bundle, the bundle
 * `workbench import otlp` makes of the Collector's two files and the in-process one must all have
 * the reference's integrity.sha256. A second run leaves a step open for good, its events already
 * sent as log records: in process the step never ends, through the Collector it never comes, and
 * every door must still give one bundle (folded early, the records flagged). Set WORKBENCH_E2E=0 to
 * skip this file.
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
import { RunBundleLogRecordProcessor, RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
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
/** The run whose `draft` step never ends. */
const openTraceId = randomBytes(16).toString('hex');
let dir = '';
let collector: ChildProcess | undefined;
let collectorLog = '';
let receiver: Receiver | undefined;
let collectorHttp = '';

function fixedIds(id = traceId): IdGenerator {
  let n = 0;
  return {
    generateTraceId: () => id,
    generateSpanId: () => (++n).toString(16).padStart(16, '0'),
  };
}

/**
 * A run with a workflow, a model call, an artifact and a gate, every time explicit. With
 * `leaveOpen`, the `draft` step never ends (its events are recorded, its span never finishes), and
 * a `publish` step that does end follows it.
 */
function record(options: WorkbenchOptions, id = traceId, leaveOpen = false): void {
  const wb = new Workbench({ captureContent: true, ...options });
  const run = wb.startRun({
    name: 'newsletter',
    runId: `run-${id.slice(0, 8)}`,
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
  if (leaveOpen) {
    const publish = run.startStep('publish', { kind: 'tool', startTime: T0 + 55 });
    publish.recordArtifact({
      key: 'post.md',
      content: 'Posted.',
      mediaType: 'text/markdown',
      time: T0 + 58,
    });
    publish.end(T0 + 60);
  } else {
    step.end(T0 + 60);
  }
  run.end(T0 + 70);
}

const resource = resourceFromAttributes({ 'service.name': service });

describe.runIf(enabled)('a run recorded as log records, end to end', () => {
  const bundles: Record<string, RunBundle> = {};
  /** The bundles of the run whose step never ends, by door. */
  const openBundles: Record<string, RunBundle> = {};

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

    const ref = readBundle(join(spanDir, `${traceId}.json`));
    if (ref === undefined) throw new Error('no in-process bundle');
    bundles['span events, in process'] = ref;
    bundles['log records, in process'] = await recordAsLogs(traceId, false);
    openBundles['log records, in process'] = await recordAsLogs(openTraceId, true);
  }, START_TIMEOUT_MS);

  /**
   * Records a run as log records, exported to the Collector and folded in process by the same
   * providers (shut down here: a step left open is folded then); its in-process bundle.
   */
  async function recordAsLogs(id: string, leaveOpen: boolean): Promise<RunBundle> {
    const logDir = join(dir, `log-records-${id}`);
    const spans = new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: logDir }) });
    const tracerProvider = new BasicTracerProvider({
      resource,
      idGenerator: fixedIds(id),
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
    record({ tracerProvider, events: 'log', loggerProvider }, id, leaveOpen);
    await loggerProvider.forceFlush();
    await tracerProvider.forceFlush();
    await loggerProvider.shutdown();
    await tracerProvider.shutdown();
    const inProcess = readBundle(join(logDir, `${id}.json`));
    if (inProcess === undefined) throw new Error(`no in-process bundle of ${id}`);
    return inProcess;
  }

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

  it('gives one bundle in process, through the receiver and from the Collector files when a step never ends', async () => {
    openBundles['log records, receiver'] = await poll(
      "the receiver's bundle of the run with an open step",
      async () => readBundle(join(dir, 'bundles', `${openTraceId}.json`)),
      { timeoutMs: ARRIVAL_TIMEOUT_MS },
    );
    const traces = join(dir, 'otlp', 'traces.jsonl');
    const logs = join(dir, 'otlp', 'logs.jsonl');
    await poll(
      "the open run's spans and log records in the Collector's files",
      async () =>
        existsSync(logs) &&
        readFileSync(traces, 'utf8').includes(openTraceId) &&
        readFileSync(logs, 'utf8').includes(openTraceId)
          ? true
          : undefined,
      { timeoutMs: ARRIVAL_TIMEOUT_MS },
    );
    const out = join(dir, 'imported-open');
    mkdirSync(out, { recursive: true });
    const r = await cli(['import', 'otlp', traces, logs, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const imported = readBundle(join(out, `${openTraceId}.json`));
    expect(imported, r.stdout).toBeDefined();
    openBundles['log records, Collector files'] = imported!;

    const inProcess = openBundles['log records, in process']!;
    // The open step's events came, its span never did: folded early, each record flagged, no step
    // made of them; the step that ended is there.
    expect(inProcess.run.complete).toBe(false);
    expect(inProcess.steps.map((s) => s.stepId)).toEqual(['publish']);
    const codes = inProcess.diagnostics.map((d) => d.code);
    expect(codes).toContain('folded_early');
    expect(codes.filter((c) => c === 'log_event_without_span').length).toBeGreaterThanOrEqual(3);
    const hashes = Object.fromEntries(
      Object.entries(openBundles).map(([k, b]) => [k, b.integrity.sha256]),
    );
    expect(
      new Set(Object.values(hashes)).size,
      `${JSON.stringify(hashes, null, 2)}\n${explainDifferences(openBundles)}`,
    ).toBe(1);
  });
});
