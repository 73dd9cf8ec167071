import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
} from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type IdGenerator,
} from '@opentelemetry/sdk-trace-base';
import { serializeBundle, verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import type { BundleSink } from '@llm-workbench/sink';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { startReceiver, type Receiver } from '../src/index.js';
import { bundleFiles, readBundleText, tempDir } from './helpers.js';

class MemorySink implements BundleSink {
  readonly bundles = new Map<string, RunBundle>();
  write(bundle: RunBundle): Promise<{ status: 'written'; location: string }> {
    this.bundles.set(bundle.run.traceId, bundle);
    return Promise.resolve({ status: 'written', location: `memory:${bundle.run.traceId}` });
  }
}

const BASE = Date.UTC(2026, 10, 26, 10, 0, 0);
let traceCounter = 0;

/** Ids that repeat per recording, with a trace id of the test's choosing. */
function fixedIds(traceId: string): IdGenerator {
  let n = 0;
  return {
    generateTraceId: () => traceId,
    generateSpanId: () => (++n).toString(16).padStart(16, '0'),
  };
}

type Emit = (span: Span, name: string, attributes: Attributes, time: number) => void;

/** A run with a model call, an artifact and a gate, every event at an explicit time. */
function recordGateRun(tracer: Tracer, emit: Emit): void {
  const run = tracer.startSpan('run newsletter', {
    attributes: { 'workbench.run.id': 'run-logs', 'workbench.run.name': 'newsletter' },
    startTime: BASE,
  });
  emit(
    run,
    'workbench.workflow.snapshot',
    {
      'workbench.workflow.id': 'newsletter',
      'workbench.workflow.revision': 'r1',
      'workbench.workflow.definition': '{"nodes":[{"id":"draft"},{"id":"review"}]}',
    },
    BASE,
  );
  const inRun = trace.setSpan(context.active(), run);
  const draft = tracer.startSpan(
    'step draft',
    {
      attributes: { 'workbench.step.id': 'draft', 'workbench.step.kind': 'llm' },
      startTime: BASE + 1,
    },
    inRun,
  );
  emit(
    draft,
    'workbench.model_io',
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'fake',
      'gen_ai.request.model': 'fake-1',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 80,
      'workbench.model_io.duration_ms': 812.5,
    },
    BASE + 2,
  );
  emit(
    draft,
    'workbench.artifact',
    {
      'workbench.artifact.key': 'draft.md',
      'workbench.artifact.version': 1,
      'workbench.artifact.sha256': 'a'.repeat(64),
      'workbench.artifact.media_type': 'text/markdown',
      'workbench.artifact.size': 12,
    },
    BASE + 2,
  );
  draft.end(BASE + 3);
  const review = tracer.startSpan(
    'step review',
    {
      attributes: { 'workbench.step.id': 'review', 'workbench.step.kind': 'human' },
      startTime: BASE + 4,
    },
    inRun,
  );
  emit(review, 'workbench.gate.requested', { 'workbench.gate.id': 'review' }, BASE + 4);
  emit(
    review,
    'workbench.gate.resolved',
    {
      'workbench.gate.id': 'review',
      'workbench.gate.decision': 'approved',
      'workbench.gate.actor': 'editor@example.com',
    },
    BASE + 5,
  );
  review.end(BASE + 6);
  run.end(BASE + 7);
}

const resource = resourceFromAttributes({ 'service.name': 'newsletter' });

/** The run recorded with span events, folded in process. */
async function inProcess(traceId: string): Promise<RunBundle> {
  const memory = new MemorySink();
  const provider = new BasicTracerProvider({
    resource,
    idGenerator: fixedIds(traceId),
    spanProcessors: [new RunBundleSpanProcessor({ sink: memory })],
  });
  recordGateRun(provider.getTracer('t'), (span, name, a, time) => span.addEvent(name, a, time));
  await provider.shutdown();
  const bundle = memory.bundles.get(traceId);
  expect(bundle).toBeDefined();
  return bundle as RunBundle;
}

/** The run recorded with log records, sent by the stock exporters to the receiver. */
async function throughReceiver(
  receiver: Receiver,
  traceId: string,
  logExporter: LogRecordExporter,
): Promise<void> {
  const tracerProvider = new BasicTracerProvider({
    resource,
    idGenerator: fixedIds(traceId),
    spanProcessors: [
      new SimpleSpanProcessor(new JsonExporter({ url: `${receiver.url}/v1/traces` })),
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
  });
  const logger = loggerProvider.getLogger('t');
  recordGateRun(tracerProvider.getTracer('t'), (span, name, attributes, time) =>
    logger.emit({
      eventName: name,
      timestamp: time,
      attributes,
      context: trace.setSpan(context.active(), span),
    }),
  );
  await loggerProvider.forceFlush();
  await tracerProvider.forceFlush();
  await receiver.flush();
  await loggerProvider.shutdown();
  await tracerProvider.shutdown();
}

function nextTraceId(): string {
  return (++traceCounter).toString(16).padStart(32, 'a');
}

async function post(
  receiver: Receiver,
  body: string | Uint8Array,
  contentType = 'application/json',
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${receiver.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: res.status, text: await res.text() };
}

describe('the receiver on POST /v1/logs', () => {
  let receiver: Receiver;
  const out = tempDir();

  beforeAll(async () => {
    receiver = await startReceiver({ port: 0, outDir: out, dataDir: tempDir(), quietMs: 60_000 });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it.each([
    ['JSON', (url: string) => new JsonLogExporter({ url })],
    ['protobuf', (url: string) => new ProtoLogExporter({ url })],
    [
      'protobuf, gzip',
      (url: string) => new ProtoLogExporter({ url, compression: 'gzip' as never }),
    ],
  ])(
    'folds a run recorded as log records (%s) to the bytes of the span-event run in process',
    async (_name, makeExporter) => {
      const traceId = nextTraceId();
      const reference = await inProcess(traceId);
      await throughReceiver(receiver, traceId, makeExporter(`${receiver.url}/v1/logs`));
      const name = `${traceId}.json`;
      expect(bundleFiles(out)).toContain(name);
      const received = readBundleText(out, name);
      expect(verifyBundle(received).ok).toBe(true);
      expect(received).toBe(serializeBundle(reference));
      const bundle = JSON.parse(received) as RunBundle;
      expect(bundle.events.map((e) => e.type)).toEqual(
        expect.arrayContaining(['human_gate_requested', 'human_gate_resolved', 'artifact']),
      );
      expect(bundle.integrity.sha256).toBe(reference.integrity.sha256);
    },
  );

  it('keeps a log event whose span never arrives out of the fold, flagged in the bundle, the run folded early', async () => {
    const traceId = nextTraceId();
    const reference = await inProcess(traceId);
    const orphan = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: String(BigInt(BASE) * 1_000_000n + 4_500_000n),
                  eventName: 'workbench.gate.requested',
                  traceId,
                  spanId: 'ffffffffffffff01',
                  attributes: [{ key: 'workbench.gate.id', value: { stringValue: 'ghost' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const answer = await post(receiver, JSON.stringify(orphan));
    expect(answer).toEqual({ status: 200, text: '{"partialSuccess":{}}' });
    await throughReceiver(
      receiver,
      traceId,
      new JsonLogExporter({ url: `${receiver.url}/v1/logs` }),
    );
    const bundle = JSON.parse(readBundleText(out, `${traceId}.json`)) as RunBundle;
    expect(bundle.steps).toEqual(reference.steps);
    expect(bundle.events).toEqual(reference.events);
    // A span of the run is missing (the one the record names): incomplete, as the in-process
    // processor folds a run whose span never ended.
    expect(bundle.run.complete).toBe(false);
    expect(bundle.diagnostics).toEqual([
      {
        code: 'folded_early',
        message: expect.any(String) as string,
        spanId: null,
        subject: null,
      },
      {
        code: 'log_event_without_span',
        message: expect.stringContaining('ffffffffffffff01') as string,
        spanId: null,
        subject: 'workbench.gate.requested',
      },
    ]);
  });

  it('answers bad log bodies with 400 and a reason, refused records in partialSuccess', async () => {
    const notJson = await post(receiver, '{"resourceLogs":');
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.text)).toMatchObject({
      code: 3,
      message: expect.stringMatching(/not JSON/),
    });
    const wrongShape = await post(receiver, '{"resourceLogs":{}}');
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.text).toMatch(/resourceLogs is not an array/);
    const notProtobuf = await post(
      receiver,
      new Uint8Array([0x0a, 0xff, 0xff, 0x01]),
      'application/x-protobuf',
    );
    expect(notProtobuf.status).toBe(400);
    const wrongType = await post(receiver, '{}', 'text/plain');
    expect(wrongType.status).toBe(415);
    const badRecord = await post(
      receiver,
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  {
                    eventName: 'workbench.artifact',
                    traceId: nextTraceId(),
                    spanId: 'zz',
                    timeUnixNano: '1',
                  },
                  { body: { stringValue: 'a plain log line, not ours' } },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(badRecord.status).toBe(200);
    expect(JSON.parse(badRecord.text)).toMatchObject({
      partialSuccess: { rejectedLogRecords: '1', errorMessage: expect.stringMatching(/span id/) },
    });
    expect(await post(receiver, '{}')).toEqual({ status: 200, text: '{"partialSuccess":{}}' });
    const get = await fetch(`${receiver.url}/v1/logs`);
    expect(get.status).toBe(405);
  });

  it('keeps acknowledged log records across a restart and folds them with spans that come after', async () => {
    const dataDir = tempDir();
    const outDir = tempDir();
    const traceId = nextTraceId();
    const reference = await inProcess(traceId);
    const first = await startReceiver({ port: 0, outDir, dataDir, quietMs: 60_000 });
    // Only the log records reach the first receiver.
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new SimpleLogRecordProcessor({
          exporter: new ProtoLogExporter({ url: `${first.url}/v1/logs` }),
        }),
      ],
    });
    const logger = loggerProvider.getLogger('t');
    const held = new InMemorySpanExporter();
    const recording = new BasicTracerProvider({
      resource,
      idGenerator: fixedIds(traceId),
      spanProcessors: [new SimpleSpanProcessor(held)],
    });
    recordGateRun(recording.getTracer('t'), (span, name, attributes, time) =>
      logger.emit({
        eventName: name,
        timestamp: time,
        attributes,
        context: trace.setSpan(context.active(), span),
      }),
    );
    await loggerProvider.shutdown();
    await first.close();
    expect(bundleFiles(outDir)).toEqual([]);

    const second = await startReceiver({ port: 0, outDir, dataDir, quietMs: 60_000 });
    try {
      await new Promise<void>((resolve, reject) =>
        new JsonExporter({ url: `${second.url}/v1/traces` }).export(
          held.getFinishedSpans(),
          (result) =>
            result.code === ExportResultCode.SUCCESS
              ? resolve()
              : reject(result.error ?? new Error('export')),
        ),
      );
      await second.flush();
      expect(readBundleText(outDir, `${traceId}.json`)).toBe(serializeBundle(reference));
    } finally {
      await second.close();
      await recording.shutdown();
    }
  });

  it('holds at most maxSpansPerTrace log-record events of a trace, and says what it dropped', async () => {
    const capped = await startReceiver({
      port: 0,
      outDir: tempDir(),
      dataDir: tempDir(),
      quietMs: 60_000,
      maxSpansPerTrace: 3,
    });
    try {
      const traceId = nextTraceId();
      const records = (n: number, from: number): string =>
        JSON.stringify({
          resourceLogs: [
            {
              scopeLogs: [
                {
                  logRecords: Array.from({ length: n }, (_, i) => ({
                    timeUnixNano: String(from + i),
                    eventName: 'workbench.artifact',
                    traceId,
                    spanId: '00000000000000a1',
                  })),
                },
              ],
            },
          ],
        });
      expect(await post(capped, records(2, 1))).toEqual({
        status: 200,
        text: '{"partialSuccess":{}}',
      });
      const over = await post(capped, records(2, 10));
      expect(over.status).toBe(200);
      expect(JSON.parse(over.text)).toMatchObject({
        partialSuccess: {
          rejectedLogRecords: '2',
          errorMessage: expect.stringMatching(/past 3 log-record events/),
        },
      });
    } finally {
      await capped.close();
    }
  });

  it('takes log records over OTLP/gRPC (LogsService/Export) into the same bundle', async () => {
    const traceId = nextTraceId();
    const reference = await inProcess(traceId);
    // The stock protobuf exporter's bytes, caught on their way: what a gRPC exporter sends too.
    const bodies: Buffer[] = [];
    const catcher = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((ok) => catcher.listen(0, '127.0.0.1', () => ok()));
    const grpcOut = tempDir();
    const withGrpc = await startReceiver({
      port: 0,
      grpcPort: 0,
      outDir: grpcOut,
      dataDir: tempDir(),
      quietMs: 60_000,
    });
    const client = new Client(withGrpc.grpcAddress ?? '', credentials.createInsecure());
    try {
      const { port } = catcher.address() as AddressInfo;
      const loggerProvider = new LoggerProvider({
        resource,
        processors: [
          new SimpleLogRecordProcessor({
            exporter: new ProtoLogExporter({ url: `http://127.0.0.1:${port}/v1/logs` }),
          }),
        ],
      });
      const logger = loggerProvider.getLogger('t');
      const tracerProvider = new BasicTracerProvider({
        resource,
        idGenerator: fixedIds(traceId),
        spanProcessors: [
          new SimpleSpanProcessor(new JsonExporter({ url: `${withGrpc.url}/v1/traces` })),
        ],
      });
      recordGateRun(tracerProvider.getTracer('t'), (span, name, attributes, time) =>
        logger.emit({
          eventName: name,
          timestamp: time,
          attributes,
          context: trace.setSpan(context.active(), span),
        }),
      );
      await loggerProvider.shutdown();
      await tracerProvider.shutdown();
      expect(bodies.length).toBeGreaterThan(0);
      for (const body of bodies) {
        const answer = await new Promise<Buffer>((resolve, reject) =>
          client.makeUnaryRequest(
            '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
            (b: Buffer) => b,
            (b: Buffer) => b,
            body,
            (err, value) => (err ? reject(err) : resolve(value ?? Buffer.alloc(0))),
          ),
        );
        expect(answer.length).toBe(0); // an empty ExportLogsServiceResponse: all accepted
      }
      await withGrpc.flush();
      expect(readBundleText(grpcOut, `${traceId}.json`)).toBe(serializeBundle(reference));
    } finally {
      client.close();
      await withGrpc.close();
      await new Promise<void>((ok) => catcher.close(() => ok()));
    }
  });
});
