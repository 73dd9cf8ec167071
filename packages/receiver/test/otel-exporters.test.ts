import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { serializeBundle, verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import type { BundleSink } from '@llm-workbench/sink';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { startReceiver, type Receiver } from '../src/index.js';
import { bundleFiles, readBundleText, recordRun, tempDir } from './helpers.js';

/** An in-memory sink for the in-process processor. */
class MemorySink implements BundleSink {
  readonly bundles = new Map<string, RunBundle>();
  write(bundle: RunBundle): Promise<{ status: 'written'; location: string }> {
    this.bundles.set(bundle.run.traceId, bundle);
    return Promise.resolve({ status: 'written', location: `memory:${bundle.run.traceId}` });
  }
}

describe('the receiver fed by the stock OpenTelemetry JS exporters', () => {
  let receiver: Receiver;
  const out = tempDir();

  beforeAll(async () => {
    receiver = await startReceiver({ port: 0, outDir: out, dataDir: tempDir(), quietMs: 60_000 });
  });
  afterAll(async () => {
    await receiver.close();
  });

  const cases: Array<[string, (url: string) => SpanExporter]> = [
    ['JSON', (url) => new JsonExporter({ url })],
    ['JSON, gzip', (url) => new JsonExporter({ url, compression: 'gzip' as never })],
    ['protobuf', (url) => new ProtoExporter({ url })],
    ['protobuf, gzip', (url) => new ProtoExporter({ url, compression: 'gzip' as never })],
  ];

  it.each(cases)(
    'writes the same bundle bytes as the in-process processor (%s)',
    async (_name, makeExporter) => {
      const memory = new MemorySink();
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({
          'service.name': 'newsletter',
          'deployment.environment': 'test',
        }),
        spanProcessors: [
          new SimpleSpanProcessor(makeExporter(`${receiver.url}/v1/traces`)),
          new RunBundleSpanProcessor({ sink: memory }),
        ],
      });
      const traceId = recordRun(provider.getTracer('receiver-test', '1.2.3'), `run-${_name}`);
      await provider.forceFlush(); // every export answered: the spans are spooled
      await receiver.flush();
      await provider.shutdown();

      const inProcess = memory.bundles.get(traceId);
      expect(inProcess).toBeDefined();
      const name = `${traceId}.json`;
      expect(bundleFiles(out)).toContain(name);
      const received = readBundleText(out, name);
      expect(verifyBundle(received).ok).toBe(true);
      expect(received).toBe(serializeBundle(inProcess as RunBundle));
      const bundle = JSON.parse(received) as RunBundle;
      expect(bundle.run.complete).toBe(true);
      expect(bundle.run.spanCount).toBe(4);
    },
  );

  // The JS exporters send an integer-valued number beyond 2^53 as an exact intValue, which decodes
  // to a bigint (as the span record model says); the SDK adapter keeps it a number. The fold writes
  // both as the same decimal string.
  it('keeps integers beyond 2^53 identical across doors', async () => {
    const memory = new MemorySink();
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(new ProtoExporter({ url: `${receiver.url}/v1/traces` })),
        new RunBundleSpanProcessor({ sink: memory }),
      ],
    });
    const traceId = recordRun(provider.getTracer('t'), 'run-big', { 'note.big': 2 ** 53 + 2 });
    await provider.forceFlush();
    await receiver.flush();
    await provider.shutdown();
    expect(readBundleText(out, `${traceId}.json`)).toBe(
      serializeBundle(memory.bundles.get(traceId) as RunBundle),
    );
  });

  it('counts accepted spans and written bundles in /metrics', async () => {
    const res = await fetch(`${receiver.url}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toMatch(/^workbench_receiver_spans_accepted_total 20$/m);
    expect(text).toMatch(/^workbench_receiver_bundles_written_total\{status="written"\} 5$/m);
    expect(text).toMatch(/^workbench_receiver_bundles_incomplete_total 0$/m);
  });
});
