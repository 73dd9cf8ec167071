/**
 * The real Collector's OTLP/gRPC exporter (`otlp_grpc`, alias `otlp`, gzip by default) into a
 * receiver's `--grpc-port`, beside its OTLP/HTTP exporter into a second receiver: runs of the demo
 * agent and a GenAI-only app, folded in-process by RunBundleSpanProcessor in the same provider,
 * must come out of both receivers as the same bundle bytes
 * (collector-config/test-stack/collector-grpc-and-http.yaml).
 *
 * Needs the Collector binary (test/backends/build.sh builds it on first use). Set
 * WORKBENCH_E2E=0 to skip this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { verifyBundle } from '@llm-workbench/bundle';
import { runDemoAgent } from '@llm-workbench/demo';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
import { startReceiver, type Receiver } from '@llm-workbench/receiver';
import { collectorBinary, freePort, poll, REPO } from './helpers.js';

const enabled = process.env['WORKBENCH_E2E'] !== '0';
const CONFIG = join(REPO, 'collector-config', 'test-stack', 'collector-grpc-and-http.yaml');

let dir = '';
let collector: ChildProcess | undefined;
let collectorLog = '';
const receivers: Receiver[] = [];

describe.runIf(enabled)(
  "the Collector's OTLP/gRPC exporter into workbench serve --grpc-port",
  () => {
    let viaGrpc: Receiver;
    let viaHttp: Receiver;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wb-collector-grpc-'));
      const bin = await collectorBinary(dir);
      viaGrpc = await startReceiver({
        port: 0,
        grpcPort: await freePort(),
        outDir: join(dir, 'grpc-bundles'),
        dataDir: join(dir, 'grpc-data'),
        quietMs: 500,
      });
      receivers.push(viaGrpc);
      viaHttp = await startReceiver({
        port: await freePort(),
        outDir: join(dir, 'http-bundles'),
        dataDir: join(dir, 'http-data'),
        quietMs: 500,
      });
      receivers.push(viaHttp);
      const [grpcIn, httpIn, metrics] = [await freePort(), await freePort(), await freePort()];
      collector = spawn(bin, ['--config', CONFIG], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          WORKBENCH_COLLECTOR_GRPC_PORT: String(grpcIn),
          WORKBENCH_COLLECTOR_HTTP_PORT: String(httpIn),
          WORKBENCH_COLLECTOR_METRICS_PORT: String(metrics),
          WORKBENCH_GRPC_RECEIVER_PORT: (viaGrpc.grpcAddress ?? '').split(':').pop() ?? '',
          WORKBENCH_HTTP_RECEIVER_PORT: new URL(viaHttp.url).port,
        },
      });
      collector.stdout?.on('data', (c: Buffer) => (collectorLog += c.toString()));
      collector.stderr?.on('data', (c: Buffer) => (collectorLog += c.toString()));
      const collectorHttp = `http://127.0.0.1:${httpIn}`;
      await poll(
        'the Collector to listen',
        async () => {
          if (collector?.exitCode !== null)
            throw new Error(`the Collector exited: ${collectorLog}`);
          return (await fetch(`${collectorHttp}/v1/traces`)).status > 0 ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      process.env['WB_COLLECTOR_HTTP'] = collectorHttp;
    }, 30 * 60_000);

    afterAll(async () => {
      if (collector !== undefined && collector.exitCode === null) {
        const exited = new Promise((resolve) => collector?.once('exit', resolve));
        collector.kill('SIGTERM');
        await exited;
      }
      await Promise.all(receivers.map((r) => r.close()));
      if (dir !== '' && process.env['WORKBENCH_E2E_KEEP'] !== '1')
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    }, 60_000);

    it('gives the same bundle bytes over gRPC as over HTTP and in-process', async () => {
      const inProcess = join(dir, 'in-process');
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'collector-grpc-test' }),
        spanProcessors: [
          new BatchSpanProcessor(
            new OTLPTraceExporter({ url: `${process.env['WB_COLLECTOR_HTTP'] ?? ''}/v1/traces` }),
            { scheduledDelayMillis: 100 },
          ),
          new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: inProcess }) }),
        ],
      });
      const demo = await runDemoAgent({ tracerProvider: provider });
      // An app that emits only standard GenAI spans: no workbench run id.
      const tracer = provider.getTracer('research-assistant', '1.4.0');
      const root = tracer.startSpan('invoke_agent researcher', { kind: SpanKind.INTERNAL });
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      const chat = tracer.startSpan(
        'chat gpt-4o',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.usage.input_tokens': 120,
            'gen_ai.usage.output_tokens': 40,
          },
        },
        ctx,
      );
      chat.end();
      root.end();
      const genAi = root.spanContext().traceId;
      await provider.forceFlush();
      await provider.shutdown();

      for (const traceId of [demo.traceId, genAi]) {
        const name = `${traceId}.json`;
        const expected = readFileSync(join(inProcess, name), 'utf8');
        const files = [join(dir, 'grpc-bundles', name), join(dir, 'http-bundles', name)];
        await poll(
          `both receivers' bundles of trace ${traceId}`,
          async () => (files.every((f) => existsSync(f)) ? true : undefined),
          { timeoutMs: 60_000 },
        );
        const [grpc, http] = files.map((f) => readFileSync(f, 'utf8'));
        expect(verifyBundle(grpc ?? '').ok).toBe(true);
        expect(grpc).toBe(http);
        expect(grpc).toBe(expected);
      }
      expect(viaGrpc.metrics()['grpc_requests_0']).toBeGreaterThan(0);
      expect(viaHttp.metrics()['requests_200']).toBeGreaterThan(0);
    }, 120_000);
  },
);
