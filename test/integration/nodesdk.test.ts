/**
 * The processor in the setups users already have: beside BatchSpanProcessor(OTLPTraceExporter)
 * in NodeSDK's `spanProcessors`, and as NodeSDK's `traceExporter`. The OTLP side goes to a real
 * `workbench serve` receiver on loopback, so the test also shows that both doors give one bundle.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { verifyBundle } from '@llm-workbench/bundle';
import { runDemoAgent } from '@llm-workbench/demo';
import { RunBundleSpanExporter, RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
import { startReceiver } from '@llm-workbench/receiver';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
  // NodeSDK registers the global provider; a registration sticks until disabled.
  trace.disable();
});

function tmp(name: string): string {
  return mkdtempSync(join(tmpdir(), `wb-${name}-`));
}

describe('NodeSDK with the bundle processor', () => {
  it('writes the bundle in-process while the OTLP exporter beside it keeps exporting', async () => {
    const received = tmp('recv');
    const receiver = await startReceiver({
      host: '127.0.0.1',
      port: 0,
      outDir: received,
      dataDir: tmp('data'),
      quietMs: 100,
    });
    closers.push(() => receiver.close());
    const local = tmp('local');
    const sdk = new NodeSDK({
      resource: resourceFromAttributes({ 'service.name': 'nodesdk-test' }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }), {
          scheduledDelayMillis: 50,
        }),
        new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: local }) }),
      ],
    });
    sdk.start();
    const { traceId } = await runDemoAgent({ tracerProvider: trace.getTracerProvider() });
    await sdk.shutdown();

    const mine = readFileSync(join(local, `${traceId}.json`), 'utf8');
    expect(verifyBundle(mine).ok).toBe(true);
    const theirs = await waitUntil(
      () =>
        readdirSync(received).includes(`${traceId}.json`)
          ? readFileSync(join(received, `${traceId}.json`), 'utf8')
          : undefined,
      'the receiver bundle',
      15_000,
    );
    expect(theirs).toBe(mine);
  });

  it('works as NodeSDK traceExporter, behind the BatchSpanProcessor NodeSDK builds', async () => {
    const viaExporter = tmp('exp');
    const sdk = new NodeSDK({
      resource: resourceFromAttributes({ 'service.name': 'nodesdk-test' }),
      traceExporter: new RunBundleSpanExporter({
        sink: new FileBundleSink({ directory: viaExporter }),
        quietPeriodMs: 50,
      }),
    });
    sdk.start();
    const { traceId } = await runDemoAgent({
      tracerProvider: trace.getTracerProvider(),
      runId: 'fixed-run',
    });
    await sdk.shutdown();
    const text = readFileSync(join(viaExporter, `${traceId}.json`), 'utf8');
    const r = verifyBundle(text);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.bundle.run).toMatchObject({
        runId: 'fixed-run',
        complete: true,
        service: 'nodesdk-test',
      });
      expect(r.bundle.artifacts).toHaveLength(2);
    }
  });
});
