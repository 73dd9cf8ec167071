import { createServer, type Socket } from 'node:net';
import {
  Metadata,
  ResponderBuilder,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceDefinition,
  type StatusObject,
} from '@grpc/grpc-js';
import { encodeExportResponseProtobuf, encodeRpcStatusProtobuf } from '@llm-workbench/otlp';
import type { BearerToken } from '../bearer-token.js';
import type { IntakeGate, IntakeTicket, Refusal } from '../intake-gate.js';

/** The OTLP/gRPC method for traces. */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** The OTLP/gRPC method for logs (workbench events recorded as log records). */
export const LOGS_EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/** What storing an export request came to (the receiver's protocol-independent `storeExport`). */
export type StoreOutcome =
  | { ok: true; partial: { rejectedSpans: number; errorMessage: string } }
  | { ok: false; status: 400 | 503; message: string; headers: Record<string, string> };

/** What the gRPC door needs from the receiver: the same gate, token and store as OTLP/HTTP. */
export interface OtlpGrpcServerOptions {
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Most TCP connections open at once; more are closed as they arrive (as for OTLP/HTTP). */
  readonly maxConnections: number;
  readonly gate: IntakeGate;
  readonly token: BearerToken | null;
  /** Decodes, applies and spools an `ExportTraceServiceRequest`; resolves once it is durable. */
  readonly store: (body: Buffer) => Promise<StoreOutcome>;
  /**
   * Decodes and spools an `ExportLogsServiceRequest` (its workbench events); when given, the
   * LogsService is served too. The answer, `ExportLogsServiceResponse`, has the same bytes as the
   * trace one.
   */
  readonly storeLogs?: (body: Buffer) => Promise<StoreOutcome>;
  /** Called once per answered call with its gRPC status code (for the metrics). */
  readonly onAnswer?: (code: number) => void;
  readonly log: (line: string) => void;
}

/** A listening OTLP/gRPC server. */
export interface OtlpGrpcServer {
  /** `host:port` it listens on, e.g. `127.0.0.1:4317` (IPv6 hosts in brackets). */
  readonly address: string;
  readonly port: number;
  /** Stops listening; calls still open are cut (the gate has drained them first). */
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

/**
 * The TraceService with the request kept as bytes: the receiver's own protobuf decoder reads
 * them (the one walker every door shares), so no generated code and no second decoder.
 */
const TRACE_SERVICE: ServiceDefinition = bytesService(TRACE_EXPORT_PATH);

/** The LogsService, likewise with the request kept as bytes. */
const LOGS_SERVICE: ServiceDefinition = bytesService(LOGS_EXPORT_PATH);

function bytesService(path: string): ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

/** gRPC status for a refusal by the gate: 429 → RESOURCE_EXHAUSTED, 503 → UNAVAILABLE. */
function refusalStatus(refusal: Refusal): StatusObject {
  const code = refusal.status === 429 ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.UNAVAILABLE;
  return retryable(code, refusal.message, refusal.retryAfterSeconds);
}

/**
 * A status that tells the client to come back: OTLP/gRPC clients retry RESOURCE_EXHAUSTED only
 * when it carries a `google.rpc.RetryInfo`, and honour its delay for UNAVAILABLE too.
 */
function retryable(code: GrpcStatus, details: string, seconds: number): StatusObject {
  const metadata = new Metadata();
  metadata.set(
    'grpc-status-details-bin',
    Buffer.from(encodeRpcStatusProtobuf(code, details, seconds)),
  );
  return { code, details, metadata };
}

function plain(code: GrpcStatus, details: string): StatusObject {
  return { code, details, metadata: new Metadata() };
}

/**
 * Starts the receiver's OTLP/gRPC door (`TraceService/Export`), sharing the OTLP/HTTP door's
 * admission gate, bearer token and store, so that what reaches the spool, and the bundles folded
 * from it, do not depend on the protocol.
 *
 * Per call: the token (metadata `authorization: Bearer …`) and admission are checked on the
 * call's metadata, before its message is read; the message is limited to `maxBodyBytes` on the
 * wire and after decompression (grpc-js stops inflating past the limit: RESOURCE_EXHAUSTED);
 * calls waiting for their message are at most `maxInflightRequests` and must get it whole
 * within the body time bound; the answer goes out once the spans are durable in the spool.
 *
 * @example
 * const grpc = await startOtlpGrpcServer({ host: '127.0.0.1', port: 4317, gate, token, store, log });
 * // …
 * await grpc.close();
 */
export async function startOtlpGrpcServer(o: OtlpGrpcServerOptions): Promise<OtlpGrpcServer> {
  const limits = o.gate.limits;
  /** Admitted calls, by the metadata object the handler receives with the message. */
  const tickets = new WeakMap<Metadata, IntakeTicket>();
  /** Tickets whose message is being stored: the handler ends them, even if the client leaves. */
  const storing = new WeakSet<IntakeTicket>();
  let awaitingMessage = 0;
  // The HTTP door's rule for the largest body: the idle bound, plus a second per minBodyRate bytes.
  const messageTimeoutMs =
    limits.bodyIdleTimeoutMs + Math.ceil((1000 * limits.maxBodyBytes) / limits.minBodyRate);
  const answer = (code: number): void => o.onAnswer?.(code);

  const admission: ServerInterceptor = (_method, call) => {
    let ticket: IntakeTicket | undefined;
    let waiting = false;
    let timer: NodeJS.Timeout | undefined;
    const stopWaiting = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (waiting) awaitingMessage--;
      waiting = false;
    };
    const finish = (): void => {
      stopWaiting();
      ticket?.end();
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const auth = metadata.get('authorization')[0];
        if (o.token !== null && !o.token.matches(typeof auth === 'string' ? auth : undefined)) {
          answer(GrpcStatus.UNAUTHENTICATED);
          call.sendStatus(plain(GrpcStatus.UNAUTHENTICATED, 'missing or wrong bearer token'));
          return;
        }
        if (awaitingMessage >= limits.maxInflightRequests) {
          answer(GrpcStatus.RESOURCE_EXHAUSTED);
          call.sendStatus(
            retryable(
              GrpcStatus.RESOURCE_EXHAUSTED,
              `more than ${limits.maxInflightRequests} calls waiting for their message`,
              1,
            ),
          );
          return;
        }
        const admitted = o.gate.admit();
        if (!admitted.ok) {
          answer(
            admitted.refusal.status === 429
              ? GrpcStatus.RESOURCE_EXHAUSTED
              : GrpcStatus.UNAVAILABLE,
          );
          call.sendStatus(refusalStatus(admitted.refusal));
          return;
        }
        ticket = admitted.ticket;
        tickets.set(metadata, ticket);
        waiting = true;
        awaitingMessage++;
        timer = setTimeout(() => {
          answer(GrpcStatus.DEADLINE_EXCEEDED);
          call.sendStatus(
            plain(
              GrpcStatus.DEADLINE_EXCEEDED,
              `the request message did not arrive within ${messageTimeoutMs} ms`,
            ),
          );
          finish();
        }, messageTimeoutMs);
        timer.unref();
        next(metadata);
      })
      .withOnReceiveMessage((message, next) => {
        stopWaiting();
        next(message);
      })
      .withOnCancel(() => {
        stopWaiting();
        if (ticket !== undefined && !storing.has(ticket)) ticket.end();
      })
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        finish();
        next(status);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };

  const exportWith =
    (store: (body: Buffer) => Promise<StoreOutcome>) =>
    (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void => {
      const ticket = tickets.get(call.metadata);
      const reply = (status: StatusObject | null, body?: Uint8Array): void => {
        answer(status?.code ?? GrpcStatus.OK);
        if (status !== null) callback(status);
        else callback(null, Buffer.from(body ?? new Uint8Array()));
      };
      if (ticket === undefined) {
        // Not admitted by the interceptor: cannot happen, since it answers every call it refuses.
        reply(plain(GrpcStatus.INTERNAL, 'call not admitted'));
        return;
      }
      const busy = ticket.startDecoding();
      if (busy !== null) {
        reply(refusalStatus(busy));
        return;
      }
      storing.add(ticket);
      store(call.request)
        .finally(() => ticket.end())
        .then(
          (stored) => {
            if (stored.ok) reply(null, encodeExportResponseProtobuf(stored.partial));
            else if (stored.status === 400)
              reply(plain(GrpcStatus.INVALID_ARGUMENT, stored.message));
            else
              reply(
                retryable(
                  GrpcStatus.UNAVAILABLE,
                  stored.message,
                  Number(stored.headers['retry-after'] ?? '5'),
                ),
              );
          },
          (err: Error) => {
            o.log(`gRPC export failed: ${err.message}`);
            reply(plain(GrpcStatus.INTERNAL, 'internal error'));
          },
        );
    };

  const server = new Server({
    interceptors: [admission],
    'grpc.max_receive_message_length': limits.maxBodyBytes,
    'grpc.max_concurrent_streams': limits.maxInflightRequests,
  });
  server.addService(TRACE_SERVICE, { Export: exportWith(o.store) });
  if (o.storeLogs !== undefined)
    server.addService(LOGS_SERVICE, { Export: exportWith(o.storeLogs) });
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  // grpc-js has no cap on connections: its connections come from a net.Server of our own, which
  // has one, so clients cannot use up the file descriptors the spool and the bundles need.
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    injector.injectConnection(socket);
  });
  tcp.maxConnections = o.maxConnections;
  const port = await new Promise<number>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(o.port, o.host, () => {
      tcp.off('error', reject);
      resolve((tcp.address() as { port: number }).port);
    });
  });

  let closed: Promise<void> | undefined;
  return {
    address: `${host}:${port}`,
    port,
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        // The gate has drained the calls in flight (or given up on them): what is left is cut.
        tcp.close(() => resolve());
        injector.destroy();
        server.forceShutdown();
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
