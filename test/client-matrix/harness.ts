/**
 * What every client-matrix test sets up: the fake provider, a real `workbench serve` receiver on
 * loopback, and a tracer provider registered globally (with its async context manager, which the
 * instrumentations need to parent their spans) whose spans go two ways at once: to the receiver
 * through the stock OTLP/HTTP exporter, and to an in-process `RunBundleSpanProcessor` writing to
 * a folder. `collect` then reads both bundles of a scenario's trace and asserts they are the same
 * bytes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { context, propagation, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { verifyBundle, type ModelIoReceipt, type RunBundle } from '@llm-workbench/bundle';
import { ATTR_RUN_ID, ATTR_RUN_NAME } from '@llm-workbench/semconv';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
import { startReceiver, type Receiver } from '@llm-workbench/receiver';
import { poll } from '../e2e/helpers.js';
import { startFakeProvider, type FakeProvider, type FakeRequest } from './fake-provider.js';

export interface Matrix {
  fake: FakeProvider;
  receiver: Receiver;
  provider: NodeTracerProvider;
  tracer: Tracer;
  /**
   * Runs `fn` under a root span of its own trace, and returns the trace's id and the requests
   * the fake provider answered meanwhile.
   */
  scenario(name: string, fn: () => Promise<void>): Promise<Scenario>;
  /** Flushes both paths and returns the scenario's bundle, asserting it is the same bytes on both. */
  collect(s: Scenario): Promise<RunBundle>;
  /** Flushes both paths and returns each path's bundle, for a scenario where they may differ. */
  collectEach(s: Scenario): Promise<{ inProcess: RunBundle; receiver: RunBundle }>;
  close(): Promise<void>;
}

export interface Scenario {
  name: string;
  traceId: string;
  requests: FakeRequest[];
}

export interface MatrixOptions {
  /**
   * The in-process processor's `idleTimeoutMs`: how long it waits for a span that was started
   * and never ended (some instrumentations leak the span of a failed call). Default 60000.
   */
  idleTimeoutMs?: number;
}

/**
 * Starts the fake provider, the receiver and the tracer provider, and registers the provider
 * globally (the Anthropic SDK and most instrumentations use the global one). Each scenario's root
 * span carries `workbench.run.id`, so that every scenario gives a bundle, even one whose
 * instrumentation recorded no model call.
 */
export async function startMatrix(service: string, options: MatrixOptions = {}): Promise<Matrix> {
  const dir = mkdtempSync(join(tmpdir(), 'wb-client-matrix-'));
  const fake = await startFakeProvider();
  const receiver = await startReceiver({
    host: '127.0.0.1',
    port: 0,
    outDir: join(dir, 'received'),
    dataDir: join(dir, 'data'),
    quietMs: 50,
    fsync: false,
  });
  const local = join(dir, 'local');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }), {
        scheduledDelayMillis: 20,
      }),
      new RunBundleSpanProcessor({
        sink: new FileBundleSink({ directory: local, fsync: false }),
        worker: false,
        ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      }),
    ],
  });
  provider.register();
  const tracer = provider.getTracer('client-matrix');

  async function both(s: Scenario) {
    await provider.forceFlush();
    const inProcess = await poll(
      `the in-process bundle of ${s.name}`,
      async () => readIfThere(join(local, `${s.traceId}.json`)),
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    const received = await poll(
      `the receiver's bundle of ${s.name}`,
      async () => {
        await receiver.flush();
        return readIfThere(join(dir, 'received', `${s.traceId}.json`));
      },
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    return {
      inProcess: verified(inProcess, `the in-process bundle of ${s.name}`),
      receiver: verified(received, `the receiver's bundle of ${s.name}`),
      texts: { inProcess, receiver: received },
    };
  }

  return {
    fake,
    receiver,
    provider,
    tracer,
    async scenario(name, fn) {
      const before = fake.requests.length;
      const attributes = { [ATTR_RUN_ID]: `${service}-${name}`, [ATTR_RUN_NAME]: name };
      const traceId = await tracer.startActiveSpan(name, { attributes }, async (root) => {
        try {
          await fn();
        } catch (err) {
          root.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          root.end();
        }
        return root.spanContext().traceId;
      });
      return { name, traceId, requests: fake.requests.slice(before) };
    },
    async collect(s) {
      const { inProcess, receiver: received, texts } = await both(s);
      expect(received.integrity.sha256, `${s.name}: receiver vs in-process`).toBe(
        inProcess.integrity.sha256,
      );
      expect(texts.receiver, `${s.name}: the two bundles are the same bytes`).toBe(texts.inProcess);
      return inProcess;
    },
    async collectEach(s) {
      const { inProcess, receiver: received } = await both(s);
      return { inProcess, receiver: received };
    },
    async close() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      await receiver.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function verified(text: string, what: string): RunBundle {
  const r = verifyBundle(text);
  if (!r.ok) throw new Error(`${what} does not verify: ${JSON.stringify(r)}`);
  return r.bundle;
}

function readIfThere(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The receipt's facts that a client matrix asserts, in one object to compare whole. */
export function factsOf(r: ModelIoReceipt): Record<string, unknown> {
  return {
    provider: r.provider,
    providerRaw: r.providerRaw,
    model: r.model,
    responseModel: r.responseModel,
    operation: r.operation,
    usage: r.usage,
    status: r.status?.code ?? null,
    vocabularies: r.vocabularies,
    sources: r.sources.map((s) => ({ role: s.role, vocabularies: s.vocabularies })),
  };
}

/** The receipts of a bundle in time order, and one per API call the fake provider answered. */
export function receiptsPerCall(bundle: RunBundle, s: Scenario): ModelIoReceipt[] {
  const receipts = [...bundle.model_io].sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
  expect(receipts, `${s.name}: one receipt per API call`).toHaveLength(s.requests.length);
  return receipts;
}

/** The tool-call facts of a bundle, in time order; commitments as `sha256` or null. */
export function toolCallsOf(bundle: RunBundle): Array<Record<string, unknown>> {
  return bundle.events.flatMap((e) =>
    e.type === 'tool_call'
      ? [
          {
            toolName: e.toolName,
            callId: e.callId,
            status: e.status.code,
            arguments: e.arguments.sha256 === null ? null : 'sha256',
            result: e.result.sha256 === null ? null : 'sha256',
            content: [e.arguments.content, e.result.content],
            vocabularies: e.vocabularies,
          },
        ]
      : [],
  );
}

/** The usage object of a receipt, null where not given. */
export function usage(u: Partial<ModelIoReceipt['usage']>): ModelIoReceipt['usage'] {
  return {
    inputTokens: null,
    outputTokens: null,
    cacheReadInputTokens: null,
    cacheWriteInputTokens: null,
    reasoningOutputTokens: null,
    ...u,
  };
}
