// Runs in a project outside the workspace that installed the packed @llm-workbench tarballs with
// plain npm, beside OpenTelemetry JS 2.x on Node 20 or 3.x on Node 22 (test/packaging/run.sh
// copies it there). Plain JavaScript and node:test, so it needs nothing the project lacks.
// OTEL_LINE (2 or 3) says which SDK the project holds; RESULTS_DIR receives the run's hashes for
// run.sh to compare across the two lines.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { verifyBundle } from '@llm-workbench/bundle';
import { Workbench } from '@llm-workbench/instrumentation';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
import { startReceiver } from '@llm-workbench/receiver';

const LINE = process.env.OTEL_LINE;
const RESULTS_DIR = process.env.RESULTS_DIR;
assert.ok(LINE === '2' || LINE === '3', `OTEL_LINE must be 2 or 3, got ${LINE}`);
assert.ok(RESULTS_DIR, 'RESULTS_DIR must be set');

// Not every package exports its package.json: read the installed ones from the project.
const installedVersion = (name) =>
  JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')).version;
const apiVersion = installedVersion('@opentelemetry/api');
// The SDK of the line, as its users write it: 3.x's TracerProvider from @opentelemetry/sdk-trace
// and its processors taking an options object; 2.x's BasicTracerProvider from
// @opentelemetry/sdk-trace-base and its processors taking the exporter.
const { Provider, sdkPackage, batchProcessor } =
  LINE === '3'
    ? await import('@opentelemetry/sdk-trace').then((m) => ({
        Provider: m.TracerProvider,
        batchProcessor: (exporter) => new m.BatchSpanProcessor({ exporter }),
        sdkPackage: '@opentelemetry/sdk-trace',
      }))
    : await import('@opentelemetry/sdk-trace-base').then((m) => ({
        Provider: m.BasicTracerProvider,
        batchProcessor: (exporter) => new m.BatchSpanProcessor(exporter),
        sdkPackage: '@opentelemetry/sdk-trace-base',
      }));
const sdkVersion = installedVersion(sdkPackage);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** Ids from a counter, so that the same run has the same ids on both lines. */
class CountingIdGenerator {
  spans = 0;
  traces = 0;
  generateTraceId() {
    return (++this.traces).toString(16).padStart(32, 'a');
  }
  generateSpanId() {
    return (++this.spans).toString(16).padStart(16, 'b');
  }
}

// The SDK adds its own resource attributes (telemetry.sdk.version differs between the lines): the
// bundle must not depend on them.
const resource = () => resourceFromAttributes({ 'service.name': 'packaging-smoke' });

/** One run with every kind of record, at fixed times: the same bytes on any line. */
function recordRun(tracerProvider) {
  const workbench = new Workbench({ tracerProvider, captureContent: true });
  let t = Date.UTC(2026, 11, 1, 12, 0, 0);
  const run = workbench.startRun({ name: 'smoke', runId: 'run-smoke-1', startTime: t });
  const step = run.startStep('draft', { kind: 'llm', startTime: (t += 10) });
  step.recordModelIo({
    time: (t += 500),
    operation: 'chat',
    provider: 'fake',
    model: 'fake-1',
    inputTokens: 12,
    outputTokens: 34,
    durationMs: 500,
    input: 'Write one line.',
    output: 'One line.',
  });
  step.recordArtifact({
    key: 'out.md',
    content: 'One line.\n',
    mediaType: 'text/markdown',
    time: (t += 5),
  });
  step.end((t += 5));
  const review = run.startStep('review', { kind: 'human', startTime: (t += 5) });
  review.requestGate({ gateId: 'g1', policy: 'one', time: (t += 5) });
  review.resolveGate({
    gateId: 'g1',
    decision: 'approved',
    actor: 'editor@example.com',
    time: (t += 1000),
  });
  review.end((t += 5));
  run.end((t += 5));
  return run.traceId;
}

/** The one bundle in a folder, as text and parsed. */
function onlyBundle(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.dsse.json'));
  assert.equal(files.length, 1, `one bundle in ${dir}, found ${files.join(', ')}`);
  const text = readFileSync(join(dir, files[0]), 'utf8');
  return { text, bundle: JSON.parse(text) };
}

function workbenchCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'workbench', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function poll(check, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`installed packages on Node ${process.versions.node} with ${sdkPackage} ${sdkVersion}`, () => {
  it('runs the line it was installed for, with one @opentelemetry/api', () => {
    assert.match(apiVersion, LINE === '3' ? /^1\.10\./ : /^1\.9\./);
    assert.match(sdkVersion, LINE === '3' ? /^3\./ : /^2\./);
    assert.equal(trace.getTracerProvider().constructor.name, 'ProxyTracerProvider');
  });

  it('writes a bundle that verifies with RunBundleSpanProcessor on the SDK provider', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-processor-'));
    const processor = new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: dir }) });
    const provider = new Provider({
      resource: resource(),
      idGenerator: new CountingIdGenerator(),
      spanProcessors: [processor],
    });
    const traceId = recordRun(provider);
    await provider.shutdown();
    assert.equal(processor.stats.sinkErrors, 0);
    const { text, bundle } = onlyBundle(dir);
    assert.equal(bundle.run.traceId, traceId);
    assert.equal(bundle.run.runId, 'run-smoke-1');
    const verdict = verifyBundle(text);
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.equal(bundle.steps.length, 2);
    assert.match(JSON.stringify(bundle.steps), /"draft"/);
    writeFileSync(join(RESULTS_DIR, 'processor.sha256'), bundle.integrity.sha256 + '\n');
    writeFileSync(join(RESULTS_DIR, 'processor-bundle.json'), text);
    const cliVerify = await workbenchCli(['verify', dir]);
    assert.equal(cliVerify.code, 0, cliVerify.stderr + cliVerify.stdout);
    const show = await workbenchCli(['show', join(dir, `${traceId}.json`)]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /draft/);
    assert.match(show.stdout, /editor@example\.com/);
    // The report package's page assets and inlined verifier come from its tarball.
    const html = join(dir, 'report.html');
    const render = await workbenchCli(['render', join(dir, `${traceId}.json`), '-o', html]);
    assert.equal(render.code, 0, render.stderr);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/i);
    assert.ok(page.includes(bundle.integrity.sha256), 'the page embeds the bundle');
  });

  it('records with the global provider and the callback API, the step active in its context', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-global-'));
    const provider = new Provider({
      resource: resource(),
      spanProcessors: [
        new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: dir }) }),
      ],
    });
    assert.equal(trace.setGlobalTracerProvider(provider), true);
    try {
      let activeInStep;
      await new Workbench().run({ name: 'global', runId: 'run-global-1' }, async (run) => {
        await run.step('work', { kind: 'task' }, async (step) => {
          await new Promise((r) => setTimeout(r, 1));
          activeInStep = trace.getActiveSpan()?.spanContext().spanId;
          step.recordArtifact({ key: 'a.txt', content: 'a', mediaType: 'text/plain' });
        });
      });
      await provider.shutdown();
      const { text, bundle } = onlyBundle(dir);
      assert.equal(verifyBundle(text).ok, true);
      assert.equal(bundle.run.runId, 'run-global-1');
      assert.equal(bundle.steps.length, 1);
      assert.equal(bundle.artifacts.length, 1);
      assert.match(activeInStep ?? '', /^[0-9a-f]{16}$/);
      // The artifact was recorded on the step's span, the one active in the callback's context.
      const artifact = bundle.events.find((e) => e.type === 'artifact');
      assert.equal(artifact?.spanId, activeInStep);
    } finally {
      trace.disable();
    }
  });

  for (const [encoding, Exporter] of [
    ['JSON', OTLPTraceExporter],
    ['protobuf', OTLPProtoTraceExporter],
  ]) {
    it(`folds the same run sent by the OTLP/HTTP ${encoding} exporter to the receiver into the same bundle`, async () => {
      const out = mkdtempSync(join(tmpdir(), 'wb-receiver-out-'));
      const data = mkdtempSync(join(tmpdir(), 'wb-receiver-data-'));
      const receiver = await startReceiver({ port: 0, outDir: out, dataDir: data, quietMs: 200 });
      try {
        const provider = new Provider({
          resource: resource(),
          idGenerator: new CountingIdGenerator(),
          spanProcessors: [batchProcessor(new Exporter({ url: `${receiver.url}/v1/traces` }))],
        });
        recordRun(provider);
        await provider.shutdown();
        const { text, bundle } = await poll(() => {
          const files = readdirSync(out).filter(
            (f) => f.endsWith('.json') && !f.endsWith('.dsse.json'),
          );
          return files.length > 0 ? onlyBundle(out) : undefined;
        }, 'the receiver to write the bundle');
        assert.equal(verifyBundle(text).ok, true);
        const processorSha = readFileSync(join(RESULTS_DIR, 'processor.sha256'), 'utf8').trim();
        assert.equal(bundle.integrity.sha256, processorSha);
      } finally {
        await receiver.close();
      }
    });
  }

  it('runs workbench demo with the SDK the project has, and verifies what it wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-demo-'));
    const demo = await workbenchCli(['demo', '--out', dir, '--json']);
    assert.equal(demo.code, 0, demo.stderr);
    const [written] = JSON.parse(demo.stdout);
    const verify = await workbenchCli(['verify', written.path]);
    assert.equal(verify.code, 0, verify.stderr + verify.stdout);
    assert.equal(onlyBundle(dir).bundle.integrity.sha256, written.sha256);
  });
});
