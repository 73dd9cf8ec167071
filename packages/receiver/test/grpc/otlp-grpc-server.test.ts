import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import {
  Client,
  credentials,
  Metadata,
  status as GrpcStatus,
  type ServiceError,
} from '@grpc/grpc-js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  foldRun,
  sealBundle,
  serializeBundle,
  verifyBundle,
  type RunBundle,
} from '@llm-workbench/bundle';
import { encodeOtlpProtobuf } from '@llm-workbench/otlp';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import type { BundleSink } from '@llm-workbench/sink';
import {
  parseServeArgs,
  resolveReceiverOptions,
  startReceiver,
  type Receiver,
  type ReceiverOptions,
} from '../../src/index.js';
import { TRACE_EXPORT_PATH } from '../../src/grpc/otlp-grpc-server.js';
import { bundleFiles, readBundleText, recordRun, runRecords, tempDir } from '../helpers.js';

class MemorySink implements BundleSink {
  readonly bundles = new Map<string, RunBundle>();
  write(bundle: RunBundle): Promise<{ status: 'written'; location: string }> {
    this.bundles.set(bundle.run.traceId, bundle);
    return Promise.resolve({ status: 'written', location: `memory:${bundle.run.traceId}` });
  }
}

interface CallResult {
  error: ServiceError | null;
  response: Buffer | undefined;
}

/** One raw `TraceService/Export` call with grpc-js: bytes in, bytes or a status out. */
function exportCall(
  address: string,
  body: Uint8Array,
  options: { token?: string; gzip?: boolean } = {},
): Promise<CallResult> {
  const client = new Client(address, credentials.createInsecure(), {
    // A connection of its own: the receiver allows maxInflightRequests streams per connection,
    // and a shared one would queue this call behind the others instead of sending it.
    'grpc.use_local_subchannel_pool': 1,
    // 2 is gzip in grpc-js's compression algorithms.
    ...(options.gzip === true ? { 'grpc.default_compression_algorithm': 2 } : {}),
  });
  const metadata = new Metadata();
  if (options.token !== undefined) metadata.set('authorization', `Bearer ${options.token}`);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      TRACE_EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      metadata,
      (error, response) => {
        client.close();
        resolve({ error: error ?? null, response });
      },
    );
  });
}

/** Reads the fields of a protobuf message: field number to its length-delimited or varint values. */
function readFields(bytes: Uint8Array): Map<number, Array<Uint8Array | number>> {
  const out = new Map<number, Array<Uint8Array | number>>();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = bytes[i++] as number;
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
  };
  while (i < bytes.length) {
    const key = varint();
    let value: Uint8Array | number;
    if ((key & 7) === 2) {
      const length = varint();
      value = bytes.subarray(i, i + length);
      i += length;
    } else value = varint();
    const list = out.get(key >> 3) ?? [];
    list.push(value);
    out.set(key >> 3, list);
  }
  return out;
}

/** The `RetryInfo` delay in seconds from a status's `grpc-status-details-bin`, or null. */
function retryDelaySeconds(error: ServiceError): number | null {
  const bin = error.metadata.get('grpc-status-details-bin')[0];
  if (!(bin instanceof Buffer)) return null;
  const status = readFields(bin);
  expect(status.get(1)?.[0]).toBe(error.code);
  for (const detail of status.get(3) ?? []) {
    const any = readFields(detail as Uint8Array);
    const type = Buffer.from(any.get(1)?.[0] as Uint8Array).toString('utf8');
    if (type !== 'type.googleapis.com/google.rpc.RetryInfo') continue;
    const retryInfo = readFields(any.get(2)?.[0] as Uint8Array);
    const duration = readFields(
      (retryInfo.get(1)?.[0] as Uint8Array | undefined) ?? new Uint8Array(),
    );
    return (duration.get(1)?.[0] as number | undefined) ?? 0;
  }
  return null;
}

async function withReceiver(
  options: Partial<ReceiverOptions>,
  body: (r: Receiver, out: string) => Promise<void>,
): Promise<void> {
  const out = tempDir();
  const r = await startReceiver({
    port: 0,
    grpcPort: 0,
    outDir: out,
    dataDir: tempDir(),
    ...options,
  });
  try {
    await body(r, out);
  } finally {
    await r.close();
  }
}

describe('OtlpGrpcServer', () => {
  describe('fed by the stock OTLP/gRPC exporter', () => {
    let grpcReceiver: Receiver;
    let httpReceiver: Receiver;
    const grpcOut = tempDir();
    const httpOut = tempDir();

    beforeAll(async () => {
      grpcReceiver = await startReceiver({
        port: 0,
        grpcPort: 0,
        outDir: grpcOut,
        dataDir: tempDir(),
        quietMs: 60_000,
      });
      httpReceiver = await startReceiver({
        port: 0,
        outDir: httpOut,
        dataDir: tempDir(),
        quietMs: 60_000,
      });
    });
    afterAll(async () => {
      await grpcReceiver.close();
      await httpReceiver.close();
    });

    it.each([
      ['uncompressed', 'none'],
      ['gzip', 'gzip'],
    ])(
      'writes the same bundle bytes as OTLP/HTTP and the in-process processor (%s)',
      async (_name, compression) => {
        expect(grpcReceiver.grpcAddress).toMatch(/^127\.0\.0\.1:\d+$/);
        const memory = new MemorySink();
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': 'newsletter' }),
          spanProcessors: [
            new SimpleSpanProcessor(
              new GrpcExporter({
                url: `http://${grpcReceiver.grpcAddress ?? ''}`,
                compression: compression as never,
              }),
            ),
            new SimpleSpanProcessor(new ProtoExporter({ url: `${httpReceiver.url}/v1/traces` })),
            new RunBundleSpanProcessor({ sink: memory }),
          ],
        });
        const traceId = recordRun(provider.getTracer('grpc-test', '1.0.0'), `grpc-${_name}`);
        await provider.forceFlush();
        await grpcReceiver.flush();
        await httpReceiver.flush();
        await provider.shutdown();

        const name = `${traceId}.json`;
        const inProcess = memory.bundles.get(traceId);
        expect(inProcess).toBeDefined();
        const viaGrpc = readBundleText(grpcOut, name);
        expect(verifyBundle(viaGrpc).ok).toBe(true);
        expect(viaGrpc).toBe(readBundleText(httpOut, name));
        expect(viaGrpc).toBe(serializeBundle(inProcess as RunBundle));
        expect((JSON.parse(viaGrpc) as RunBundle).run.spanCount).toBe(4);
        expect(grpcReceiver.metrics()['grpc_requests_0']).toBeGreaterThan(0);
      },
    );
  });

  it('answers partial success with the rejected spans counted, and keeps the good ones', async () => {
    await withReceiver({ quietMs: 50 }, async (r, out) => {
      const spans = runRecords(3);
      const bad = { ...runRecords(1)[0]!, spanId: '0000000000000000' };
      const { error, response } = await exportCall(
        r.grpcAddress ?? '',
        encodeOtlpProtobuf([...spans, bad]),
      );
      expect(error).toBeNull();
      const partial = readFields(readFields(response ?? Buffer.alloc(0)).get(1)?.[0] as Uint8Array);
      expect(partial.get(1)?.[0]).toBe(1);
      expect(Buffer.from(partial.get(2)?.[0] as Uint8Array).toString()).toMatch(/span/);
      const name = `${spans[0]!.traceId}.json`;
      await waitUntil(() => (bundleFiles(out).includes(name) ? true : undefined), 'the bundle');
      expect(readBundleText(out, name)).toBe(serializeBundle(sealBundle(foldRun(spans))));
    });
  });

  it('answers an empty OK response to a request that is all good', async () => {
    await withReceiver({}, async (r) => {
      const { error, response } = await exportCall(
        r.grpcAddress ?? '',
        encodeOtlpProtobuf(runRecords(2)),
      );
      expect(error).toBeNull();
      expect(response?.byteLength).toBe(0);
    });
  });

  it('answers INVALID_ARGUMENT to bytes that are not an export request, and keeps serving', async () => {
    await withReceiver({}, async (r) => {
      const { error } = await exportCall(
        r.grpcAddress ?? '',
        Buffer.from([0x0a, 0xff, 0xff, 0x01]),
      );
      expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(error?.details).not.toBe('');
      expect(
        (await exportCall(r.grpcAddress ?? '', encodeOtlpProtobuf(runRecords(2)))).error,
      ).toBeNull();
      expect(r.metrics()['spans_accepted']).toBe(2);
    });
  });

  it('answers UNAUTHENTICATED without the token or with a wrong one, and OK with it', async () => {
    await withReceiver({ token: 's3cret' }, async (r) => {
      const body = encodeOtlpProtobuf(runRecords(2));
      const none = await exportCall(r.grpcAddress ?? '', body);
      expect(none.error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
      const wrong = await exportCall(r.grpcAddress ?? '', body, { token: 'guess' });
      expect(wrong.error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(r.metrics()['spans_accepted'] ?? 0).toBe(0);
      const right = await exportCall(r.grpcAddress ?? '', body, { token: 's3cret' });
      expect(right.error).toBeNull();
      expect(r.metrics()['grpc_requests_16']).toBe(2);
    });
  });

  it('answers RESOURCE_EXHAUSTED, not retryable, to a message over the limit, compressed or not (a gzip bomb)', async () => {
    await withReceiver({ maxBodyBytes: 4096 }, async (r) => {
      const big = encodeOtlpProtobuf(runRecords(1).map((s) => ({ ...s, name: 'x'.repeat(5000) })));
      const plain = await exportCall(r.grpcAddress ?? '', big);
      expect(plain.error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      expect(retryDelaySeconds(plain.error as ServiceError)).toBeNull();
      // 1 MiB of zeros inflates from about 1 kB: refused at the limit after decompression.
      const bomb = await exportCall(r.grpcAddress ?? '', new Uint8Array(1024 * 1024), {
        gzip: true,
      });
      expect(bomb.error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      expect(bomb.error?.details).toMatch(/decompresses to a size larger than 4096/);
      // grpc-js answered those itself: their admission was given back all the same.
      await waitUntil(
        () => (r.metrics()['inflight_requests'] === 0 ? true : undefined),
        'the refused calls to be released',
      );
      expect(
        (await exportCall(r.grpcAddress ?? '', encodeOtlpProtobuf(runRecords(2)), { gzip: true }))
          .error,
      ).toBeNull();
    });
  });

  it('answers UNAVAILABLE with a RetryInfo while folds are behind, and OK once they catch up', async () => {
    let release: () => void = () => undefined;
    const hold = new Promise<void>((ok) => (release = ok));
    const written: string[] = [];
    const sink: BundleSink = {
      async write(bundle) {
        await hold; // a sink that hangs until released
        written.push(bundle.run.traceId);
        return { status: 'written', location: `memory:${bundle.run.traceId}` };
      },
    };
    await withReceiver({ quietMs: 20, maxOpenTraces: 2, sink }, async (r) => {
      const address = r.grpcAddress ?? '';
      for (let i = 0; i < 3; i++)
        expect((await exportCall(address, encodeOtlpProtobuf(runRecords(2)))).error).toBeNull();
      await waitUntil(() => (r.metrics()['folding_traces'] === 3 ? true : undefined), 'the folds');
      const refused = await exportCall(address, encodeOtlpProtobuf(runRecords(2)));
      expect(refused.error?.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(retryDelaySeconds(refused.error as ServiceError)).toBe(2);
      release();
      await waitUntil(() => (written.length === 3 ? true : undefined), 'the bundles');
      await waitUntil(
        async () =>
          (await exportCall(address, encodeOtlpProtobuf(runRecords(2)))).error === null
            ? true
            : undefined,
        'an OK',
      );
    });
  });

  it('is off by default, and set by --grpc-port or WORKBENCH_GRPC_PORT (the flag wins)', () => {
    const none = resolveReceiverOptions({}, {});
    expect(none.ok && none.options.grpcPort).toBeNull();
    const parsed = parseServeArgs(['--grpc-port', '4317']);
    expect(parsed.ok).toBe(true);
    const flag = resolveReceiverOptions(parsed.ok ? parsed.flags : {}, {
      WORKBENCH_GRPC_PORT: '5317',
    });
    expect(flag.ok && flag.options.grpcPort).toBe(4317);
    const env = resolveReceiverOptions({}, { WORKBENCH_GRPC_PORT: '5317' });
    expect(env.ok && env.options.grpcPort).toBe(5317);
    const bad = resolveReceiverOptions({ 'grpc-port': '70000' }, {});
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual(['--grpc-port']);
  });

  it('answers DEADLINE_EXCEEDED to a call whose message does not come, and RESOURCE_EXHAUSTED with a RetryInfo to calls beyond those waiting', async () => {
    // Waiting for a message: at most maxInflightRequests calls, each for 200 ms + 1 s per
    // minBodyRate bytes of maxBodyBytes.
    await withReceiver(
      { maxInflightRequests: 1, bodyIdleTimeoutMs: 200, maxBodyBytes: 1024, minBodyRate: 1024 },
      async (r) => {
        const client = new Client(r.grpcAddress ?? '', credentials.createInsecure());
        try {
          const started = Date.now();
          // A client stream that sends its metadata and never a message.
          const silent = new Promise<ServiceError | null>((resolve) => {
            const call = client.makeClientStreamRequest(
              TRACE_EXPORT_PATH,
              (b: Buffer) => b,
              (b: Buffer) => b,
              new Metadata(),
              (error) => resolve(error ?? null),
            );
            void call;
          });
          await waitUntil(
            () => (r.metrics()['inflight_requests'] === 1 ? true : undefined),
            'the call',
          );
          const second = await exportCall(r.grpcAddress ?? '', encodeOtlpProtobuf(runRecords(2)));
          expect(second.error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
          expect(retryDelaySeconds(second.error as ServiceError)).toBe(1);
          const timedOut = await silent;
          expect(timedOut?.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
          expect(Date.now() - started).toBeGreaterThanOrEqual(1_100);
          expect(r.metrics()['inflight_requests']).toBe(0);
          expect(
            (await exportCall(r.grpcAddress ?? '', encodeOtlpProtobuf(runRecords(2)))).error,
          ).toBeNull();
        } finally {
          client.close();
        }
      },
    );
  });

  it('closes within its bound with a client connected, having folded what it acknowledged', async () => {
    const out = tempDir();
    const r = await startReceiver({
      port: 0,
      grpcPort: 0,
      outDir: out,
      dataDir: tempDir(),
      quietMs: 60_000,
      shutdownTimeoutMs: 2_000,
    });
    const spans = runRecords(3);
    const client = new Client(r.grpcAddress ?? '', credentials.createInsecure());
    try {
      const answered = await new Promise<ServiceError | null>((resolve) =>
        client.makeUnaryRequest(
          TRACE_EXPORT_PATH,
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from(encodeOtlpProtobuf(spans)),
          (error) => resolve(error ?? null),
        ),
      );
      expect(answered).toBeNull();
      const started = Date.now();
      await r.close();
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(readBundleText(out, `${spans[0]!.traceId}.json`)).toBe(
        serializeBundle(sealBundle(foldRun(spans))),
      );
      // The port no longer answers.
      const late = await exportCall(r.grpcAddress ?? '', encodeOtlpProtobuf(runRecords(2)));
      expect(late.error?.code).toBe(GrpcStatus.UNAVAILABLE);
    } finally {
      client.close();
    }
  });

  it('closes connections beyond maxConnections as they arrive, and takes them again once some close', async () => {
    await withReceiver({ maxConnections: 1 }, async (r) => {
      const address = r.grpcAddress ?? '';
      const call = (client: Client): Promise<ServiceError | null> =>
        new Promise((resolve) =>
          client.makeUnaryRequest(
            TRACE_EXPORT_PATH,
            (b: Buffer) => b,
            (b: Buffer) => b,
            Buffer.from(encodeOtlpProtobuf(runRecords(2))),
            (error) => resolve(error ?? null),
          ),
        );
      const options = { 'grpc.use_local_subchannel_pool': 1 };
      const first = new Client(address, credentials.createInsecure(), options);
      expect(await call(first)).toBeNull(); // its connection stays open
      const second = new Client(address, credentials.createInsecure(), {
        ...options,
        // Fail at once rather than wait for the connection to come up.
        'grpc.initial_reconnect_backoff_ms': 100,
      });
      try {
        const refused = await call(second);
        expect(refused?.code).toBe(GrpcStatus.UNAVAILABLE);
        first.close();
        await waitUntil(
          async () =>
            (await exportCall(address, encodeOtlpProtobuf(runRecords(2)))).error === null
              ? true
              : undefined,
          'a connection to be taken again',
        );
      } finally {
        first.close();
        second.close();
      }
    });
  });
});
