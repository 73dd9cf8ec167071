/**
 * The two doors a framework adapter's gates are tested through, at once: one tracer provider
 * whose spans go to an in-process `RunBundleSpanProcessor` writing to a folder and, through the
 * stock OTLP/HTTP exporter, to a real `workbench serve` receiver on loopback. `bundles` reads a
 * trace's bundle from both and checks they verify. Also used by the OpenAI Agents adapter's tests.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import { Workbench, type WorkbenchOptions } from '@llm-workbench/instrumentation';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
import { startReceiver, type Receiver } from '@llm-workbench/receiver';
import { vi } from 'vitest';

export interface TwoPaths {
  receiver: Receiver;
  provider: BasicTracerProvider;
  /** A workbench recording on the provider. */
  workbench(options?: Omit<WorkbenchOptions, 'tracer' | 'tracerProvider'>): Workbench;
  /** Flushes both paths and returns the trace's bundle from each, each verified. */
  bundles(traceId: string): Promise<{ inProcess: RunBundle; receiver: RunBundle }>;
  close(): Promise<void>;
}

export async function startTwoPaths(service: string): Promise<TwoPaths> {
  const dir = mkdtempSync(join(tmpdir(), 'wb-gates-'));
  const receiver = await startReceiver({
    host: '127.0.0.1',
    port: 0,
    outDir: join(dir, 'received'),
    dataDir: join(dir, 'data'),
    quietMs: 50,
    fsync: false,
  });
  const local = join(dir, 'local');
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }), {
        scheduledDelayMillis: 20,
      }),
      new RunBundleSpanProcessor({
        sink: new FileBundleSink({ directory: local, fsync: false }),
        worker: false,
      }),
    ],
  });
  return {
    receiver,
    provider,
    workbench: (options = {}) => new Workbench({ ...options, tracerProvider: provider }),
    async bundles(traceId) {
      await provider.forceFlush();
      const read = (path: string): RunBundle => {
        const text = readFileSync(path, 'utf8');
        const verdict = verifyBundle(text);
        if (!verdict.ok) throw new Error(`${path} does not verify: ${JSON.stringify(verdict)}`);
        return JSON.parse(text) as RunBundle;
      };
      const inProcess = await vi.waitFor(() => read(join(local, `${traceId}.json`)), {
        timeout: 15_000,
        interval: 20,
      });
      const received = await vi.waitFor(
        async () => {
          await receiver.flush();
          return read(join(dir, 'received', `${traceId}.json`));
        },
        { timeout: 15_000, interval: 20 },
      );
      return { inProcess, receiver: received };
    },
    async close() {
      await provider.shutdown();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
