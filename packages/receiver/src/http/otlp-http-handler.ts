import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  encodeExportLogsResponseJson,
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeRpcStatusJson,
  encodeRpcStatusProtobuf,
  type OtlpEncoding,
} from '@llm-workbench/otlp';
import type { BearerToken } from '../bearer-token.js';
import type { ExportStore } from '../export-store.js';
import type { IntakeGate, Refusal } from '../intake-gate.js';
import type { ReceiverMetrics } from '../receiver-metrics.js';

/** What `/healthz` says: its status, then one line per problem and per warning. */
export interface Health {
  readonly status: 200 | 503;
  readonly lines: readonly string[];
}

/** What the OTLP/HTTP handler works with. */
export interface OtlpHttpHandlerOptions {
  /** Admission, body limits and the drain at shutdown (shared with the gRPC door). */
  readonly gate: IntakeGate;
  /** Required on the export paths; null for none. */
  readonly token: BearerToken | null;
  /** Largest body a `Content-Length` may declare before the body is read. */
  readonly maxBodyBytes: number;
  readonly store: ExportStore;
  readonly metrics: ReceiverMetrics;
  /** What `/healthz` answers now. */
  readonly health: () => Health;
  /** The gauges `/metrics` shows beside the counters. */
  readonly gauges: () => Record<string, number>;
  readonly log: (line: string) => void;
}

/** One answer: status, encoding, body, extra headers, and whether the connection is cut after. */
interface Answer {
  readonly status: number;
  readonly format: OtlpEncoding;
  readonly body: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
  readonly closeConnection?: boolean;
}

/** An error answer: a `google.rpc.Status` in the request's encoding. */
interface Failure {
  readonly status: number;
  readonly format: OtlpEncoding;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly closeConnection?: boolean;
}

// google.rpc.Code for the body of each error status.
const RPC_CODE: Record<number, number> = {
  400: 3,
  401: 16,
  404: 5,
  405: 12,
  408: 4,
  413: 3,
  415: 3,
  429: 8,
  500: 13,
  503: 14,
};

const ENCODINGS = new Set(['identity', 'gzip', 'deflate', 'x-gzip']);

/**
 * The receiver's HTTP request listener: OTLP/HTTP exports on `POST /v1/traces` and
 * `POST /v1/logs` (content negotiation, bearer token, body limits and back-pressure through the
 * gate, answers in the request's encoding), `GET /healthz` and `GET /metrics`.
 *
 * @example
 * const server = createServer(createOtlpHttpHandler({ gate, token, maxBodyBytes, store, metrics, health, gauges, log }));
 */
export function createOtlpHttpHandler(
  o: OtlpHttpHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(o, req, res).catch((err: Error) => {
      o.log(`request failed: ${err.message}`);
      if (!res.headersSent)
        fail(o, req, res, {
          status: 500,
          format: 'json',
          message: 'internal error',
          closeConnection: true,
        });
      else res.destroy();
    });
  };
}

/** Answers 405 with the methods allowed on the path, and closes the connection. */
function methodNotAllowed(
  o: OtlpHttpHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  allow: 'POST' | 'GET, HEAD',
): void {
  fail(o, req, res, {
    status: 405,
    format: 'json',
    message: `use ${allow.split(',')[0]}`,
    headers: { allow },
    closeConnection: true,
  });
}

async function route(
  o: OtlpHttpHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/v1/traces' || path === '/v1/logs') {
    if (req.method !== 'POST') {
      methodNotAllowed(o, req, res, 'POST');
      return;
    }
    await exportSignal(o, req, res, path === '/v1/logs' ? 'logs' : 'traces');
    return;
  }
  if (
    (path === '/healthz' || path === '/metrics') &&
    req.method !== 'GET' &&
    req.method !== 'HEAD'
  ) {
    methodNotAllowed(o, req, res, 'GET, HEAD');
    return;
  }
  if (path === '/healthz') {
    const h = o.health();
    const body = [h.status === 200 ? 'ok' : 'unhealthy', ...h.lines].join('\n') + '\n';
    o.metrics.countRequest(h.status);
    res.writeHead(h.status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  if (path === '/metrics') {
    const body = o.metrics.render(o.gauges());
    res.writeHead(200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  fail(o, req, res, {
    status: 404,
    format: 'json',
    message: `no route for ${req.method ?? ''} ${String(path).slice(0, 100)}`,
    closeConnection: true,
  });
}

/** The encoding a `Content-Type` asks for, or null for one OTLP/HTTP does not have. */
function encodingOf(mediaType: string): OtlpEncoding | null {
  if (mediaType === 'application/json') return 'json';
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf')
    return 'protobuf';
  return null;
}

async function exportSignal(
  o: OtlpHttpHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  signal: 'traces' | 'logs',
): Promise<void> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const format = encodingOf(mediaType);
  if (o.token !== null && !o.token.matches(req.headers.authorization)) {
    fail(o, req, res, {
      status: 401,
      format: format ?? 'json',
      message: 'missing or wrong bearer token',
      headers: { 'www-authenticate': 'Bearer' },
      closeConnection: true,
    });
    return;
  }
  if (format === null) {
    fail(o, req, res, {
      status: 415,
      format: 'json',
      message: `unsupported content type ${JSON.stringify(mediaType.slice(0, 100))}; use application/json or application/x-protobuf`,
      closeConnection: true,
    });
    return;
  }
  const encoding =
    (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() || 'identity';
  if (!ENCODINGS.has(encoding)) {
    fail(o, req, res, {
      status: 415,
      format,
      message: `unsupported content encoding ${JSON.stringify(encoding.slice(0, 100))}; use gzip, deflate or none`,
      headers: { 'accept-encoding': 'gzip, deflate' },
      closeConnection: true,
    });
    return;
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > o.maxBodyBytes) {
    fail(o, req, res, {
      status: 413,
      format,
      message: `body of ${declared} bytes is larger than the limit of ${o.maxBodyBytes}`,
      closeConnection: true,
    });
    return;
  }
  const admitted = o.gate.admit();
  if (!admitted.ok) {
    refuse(o, req, res, format, admitted.refusal);
    return;
  }
  const ticket = admitted.ticket;
  try {
    // Only now, with the headers accepted, does a client that asked (`Expect: 100-continue`) send its body.
    if (/100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
    const read = await ticket.readBody(
      req,
      encoding === 'x-gzip' ? 'gzip' : (encoding as 'identity' | 'gzip' | 'deflate'),
    );
    if (!read.ok) {
      if (read.status === 0) {
        req.destroy();
        return;
      }
      fail(o, req, res, {
        status: read.status,
        format,
        message: read.message,
        headers: read.status === 429 ? { 'retry-after': '1' } : {},
        closeConnection: true,
      });
      return;
    }
    const busy = ticket.startDecoding();
    if (busy !== null) {
      refuse(o, req, res, format, busy);
      return;
    }
    const stored =
      signal === 'logs'
        ? await o.store.logs(format, read.body)
        : await o.store.traces(format, read.body);
    if (!stored.ok) {
      fail(o, req, res, {
        status: stored.status,
        format,
        message: stored.message,
        headers: stored.headers,
      });
      return;
    }
    reply(o, req, res, {
      status: 200,
      format,
      body:
        format === 'protobuf'
          ? encodeExportResponseProtobuf(stored.partial)
          : signal === 'logs'
            ? encodeExportLogsResponseJson(stored.partial)
            : encodeExportResponseJson(stored.partial),
    });
  } finally {
    ticket.end();
  }
}

function reply(
  o: OtlpHttpHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  a: Answer,
): void {
  o.metrics.countRequest(a.status);
  const bytes = typeof a.body === 'string' ? Buffer.from(a.body, 'utf8') : a.body;
  const headers: Record<string, string | number> = {
    'content-type': a.format === 'json' ? 'application/json' : 'application/x-protobuf',
    'content-length': bytes.byteLength,
    ...a.headers,
  };
  const closeConnection = a.closeConnection === true;
  if (closeConnection || o.gate.closing) headers['connection'] = 'close';
  res.writeHead(a.status, headers);
  res.end(bytes);
  if (closeConnection && !req.complete) {
    if (a.status === 408 || a.status === 429 || a.status === 503) {
      // Overloaded, or a client too slow: reading the rest of a body only to drop it would cost
      // the time the receiver lacks (or let the slow client hold on). The client gets the
      // answer while it sends, then the connection is cut; either way it retries.
      req.pause();
      res.once('finish', () => setTimeout(() => req.socket.destroy(), 1_000).unref());
    } else {
      // The body was not read (401, 413, 415 …): discard whatever the client still sends, so
      // that it sees the reason, and cut the connection if it keeps going.
      res.once('finish', () => {
        req.resume();
        setTimeout(() => req.socket.destroy(), 5_000).unref();
      });
    }
  }
}

function fail(
  o: OtlpHttpHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  f: Failure,
): void {
  const code = RPC_CODE[f.status] ?? 2;
  reply(o, req, res, {
    status: f.status,
    format: f.format,
    body:
      f.format === 'json'
        ? encodeRpcStatusJson(code, f.message)
        : encodeRpcStatusProtobuf(code, f.message),
    ...(f.headers === undefined ? {} : { headers: f.headers }),
    ...(f.closeConnection === undefined ? {} : { closeConnection: f.closeConnection }),
  });
}

function refuse(
  o: OtlpHttpHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  format: OtlpEncoding,
  refusal: Refusal,
): void {
  fail(o, req, res, {
    status: refusal.status,
    format,
    message: refusal.message,
    headers: { 'retry-after': String(refusal.retryAfterSeconds) },
    closeConnection: true,
  });
}
