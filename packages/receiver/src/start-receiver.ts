import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  decodeOtlpJsonLogs,
  decodeOtlpProtobufLogs,
  encodeExportLogsResponseJson,
  encodeExportResponseJson,
  encodeExportResponseProtobuf,
  encodeRpcStatusJson,
  encodeRpcStatusProtobuf,
  summarizeRejections,
  type OtlpEncoding,
} from '@llm-workbench/otlp';
import { FileBundleSink, type BundleSink } from '@llm-workbench/sink';
import { BearerToken } from './bearer-token.js';
import { lockDataDir } from './data-lock.js';
import { InlineTraceFolder } from './fold/inline-trace-folder.js';
import type { RunAssemblerOptions } from './fold/run-assembler.js';
import type { TraceFolder } from './fold/types.js';
import { WatchedTraceFolder } from './fold/watched-trace-folder.js';
import { WorkerTraceFolder } from './fold/worker-trace-folder.js';
import { OutputFolder, OutputFolderError } from './output-folder.js';
import { ingestOtlp } from './ingest/ingest-otlp.js';
import { startOtlpGrpcServer, type OtlpGrpcServer } from './grpc/otlp-grpc-server.js';
import { IntakeGate, type Refusal } from './intake-gate.js';
import { ReceiverMetrics } from './receiver-metrics.js';
import { checkReceiverOptions } from './resolve-receiver-options.js';
import { FoldedJournal } from './spool/folded-journal.js';
import {
  RECORD_JSON,
  RECORD_LOGS_JSON,
  RECORD_LOGS_PROTOBUF,
  RECORD_PROTOBUF,
  Spool,
} from './spool/spool.js';
import { threadCpuSeconds } from './thread-cpu.js';
import { TraceAssembler, type AcceptOutcome } from './trace-assembler.js';
import { RECEIVER_DEFAULTS, type Receiver, type ReceiverOptions } from './types.js';

/** Thrown by `startReceiver` for options it cannot run with; the message quotes the bad value. */
export class ReceiverConfigError extends Error {
  override readonly name = 'ReceiverConfigError';

  constructor(
    message: string,
    /** The option at fault, when it is one (e.g. `outDir`). */
    readonly option?: keyof ReceiverOptions,
  ) {
    super(message);
  }
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
 * Bundle writes the fold worker runs at once. A write is a handful of file operations on libuv's
 * shared pool of four threads, and its fsyncs wait on the disk: more at once hide that wait (12
 * gave a third more bundles per second than 3 in `bench/receiver.bench.ts`), fewer keep the queue
 * short for the spool's fsync, which every answer waits for.
 */
const WRITE_CONCURRENCY = 8;
/** Decoded spans the fold worker keeps for traces not folded yet (about 1.5 kB each). */
const FOLD_CACHE_SPANS = 20_000;
/** Bundle writes at once for a sink given as an object (written from this thread). */
const INLINE_WRITE_CONCURRENCY = 4;
/** Longest time between two checks for runs open past their time-to-live. */
const RUN_TICK_MS = 5_000;
/** How often the output folder is checked when no fold checks it. */
const OUTPUT_CHECK_MS = 2_000;

/**
 * Starts `workbench serve`: an OTLP/HTTP receiver for traces (`POST /v1/traces`, JSON or
 * protobuf, gzip or not) that spools every accepted span to disk before answering, assembles
 * traces across requests, and folds each run into a bundle when its root has arrived and it has
 * gone quiet. Also serves `GET /healthz` and `GET /metrics`.
 *
 * @example
 * const receiver = await startReceiver({ port: 0, outDir: 'bundles', dataDir: 'data' });
 * // point an OTLP exporter at `${receiver.url}/v1/traces`, then:
 * await receiver.close();
 */
export async function startReceiver(options: Partial<ReceiverOptions> = {}): Promise<Receiver> {
  const o = { ...RECEIVER_DEFAULTS, ...options } satisfies ReceiverOptions;
  const [issue] = checkReceiverOptions(o);
  if (issue !== undefined)
    throw new ReceiverConfigError(issue.message, issue.path as keyof ReceiverOptions);
  const log = o.log ?? ((): void => undefined);
  // A folder that cannot hold bundles is refused now, not found out at the first write.
  let output: OutputFolder | undefined;
  if (o.sink === undefined) {
    try {
      output = await OutputFolder.open(o.outDir);
    } catch (err) {
      if (err instanceof OutputFolderError) throw new ReceiverConfigError(err.message, 'outDir');
      throw err;
    }
  }
  const dataDir = resolve(o.dataDir);
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir);
  const metrics = new ReceiverMetrics();
  /** Things /healthz reports without failing: what the receiver recovered from. */
  const warnings: string[] = [];
  let spool: Spool;
  let journal: FoldedJournal;
  let assembler: TraceAssembler;
  let folder: TraceFolder | undefined;
  let watched: WatchedTraceFolder | undefined;
  try {
    spool = await Spool.open(join(dataDir, 'spool'), {
      segmentBytes: o.segmentBytes,
      fsync: o.fsync,
      onError: log,
      damagedDir: join(dataDir, 'damaged'),
    });
    journal = await FoldedJournal.open(join(dataDir, 'folded.log'), o.fsync);
    // Segments of runs spanning traces wait here for the rest of their run (see RunAssembler).
    const runs: RunAssemblerOptions = {
      dir: join(dataDir, 'open-runs'),
      runTtlMs: o.runTtlMs,
      maxOpenRuns: o.maxOpenRuns,
      maxOpenRunBytes: o.maxOpenRunBytes,
      lingerMs: o.lateWindowMs,
      fsync: o.fsync,
    };
    // Bundles are folded and written in a worker thread; a sink given as an object cannot go
    // there, so it is written to from this thread.
    if (o.sink !== undefined || output === undefined) {
      folder = new InlineTraceFolder(
        spool.directory,
        o.sink as BundleSink,
        INLINE_WRITE_CONCURRENCY,
        runs,
      );
    } else {
      // The fold worker makes this sink again on its thread: the same key (as a KeyObject), and
      // the same lock on the folder's ledger, which the fallback on this thread shares.
      const outSink = new FileBundleSink({
        directory: resolve(o.outDir),
        fsync: o.fsync,
        ledger: o.ledger,
        signingKey: o.signingKey,
        signerRole: 'receiver',
      });
      if (outSink.signingKey !== undefined)
        log(`signing bundles as receiver with key ${outSink.signingKey.keyId}`);
      const outPath = output.path;
      folder = watched = new WatchedTraceFolder(
        new WorkerTraceFolder(
          {
            spoolDir: spool.directory,
            sink: outSink.toWorkerData(),
            writeConcurrency: WRITE_CONCURRENCY,
            cacheSpans: FOLD_CACHE_SPANS,
            runs,
          },
          log,
        ),
        output,
        (change) => {
          metrics.outputFolderRecreated++;
          log(
            change === 'removed'
              ? `warning: output folder ${outPath} was removed while serving: created it again; its ledger.jsonl starts a new chain, so the bundles written before are in no ledger of this folder (workbench verify checks the new folder from here on)`
              : `warning: output folder ${outPath} was replaced by another folder while serving: writing there from now on, appending to its own ledger.jsonl (a new one if it has none); the bundles written before are in the old folder's`,
          );
        },
      );
    }
    assembler = new TraceAssembler(o, spool, journal, folder, metrics, log);
    const recovered = await assembler.recover();
    for (const d of spool.damage) {
      metrics.spoolDamagedRecords++;
      const kept =
        d.copy !== null
          ? `a copy of the segment is kept at ${d.copy}`
          : `no copy of the segment could be kept (${d.copyError ?? 'unknown error'})`;
      log(
        `SPOOL DAMAGE in segment ${d.segment}: ${d.reason}; what it held is lost (spans acknowledged before the damage); ${kept}`,
      );
      warnings.push(
        `spool segment ${d.segment} damaged at byte ${d.offset}: ${d.bytes} bytes not read (${kept})`,
      );
    }
    const skipped =
      spool.damage.length > 0 ? ` (${spool.damage.length} damaged, skipped: see above)` : '';
    if (recovered.records > 0 || spool.damage.length > 0)
      log(
        `recovered ${recovered.spans} spans of ${recovered.traces} traces from ${recovered.records} spool records${skipped}`,
      );
  } catch (err) {
    await folder?.close();
    await unlock();
    throw err;
  }

  const token = o.token === null ? null : new BearerToken(o.token);
  // Admission, body limits and the drain at shutdown, for every protocol the receiver speaks.
  const gate = new IntakeGate(o, () =>
    assembler.overloaded || spool.backlogBytes > o.maxBufferedBytes / 4
      ? 'the receiver is catching up with its backlog'
      : null,
  );
  let spoolErrorLogged = false;

  const gauges = (): Record<string, number> => {
    const out: Record<string, number> = {
      ...assembler.gauges,
      inflight_requests: gate.inflight,
      decoding_requests: gate.decoding,
      request_body_bytes: gate.bodyBytes,
      spool_segments: spool.segmentCount,
      spool_bytes: spool.bytesOnDisk,
      ...folder?.runGauges(),
    };
    // CPU by thread (Linux): what answering requests costs apart from what folding costs.
    const main = threadCpuSeconds();
    if (main !== null) out['main_thread_cpu_seconds'] = main;
    if (watched !== undefined && watched.cpuSeconds !== null)
      out['fold_thread_cpu_seconds'] = watched.cpuSeconds;
    return out;
  };

  const reply = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    format: OtlpEncoding,
    body: string | Uint8Array,
    extra: Record<string, string> = {},
    closeConnection = false,
  ): void => {
    metrics.countRequest(status);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const headers: Record<string, string | number> = {
      'content-type': format === 'json' ? 'application/json' : 'application/x-protobuf',
      'content-length': bytes.byteLength,
      ...extra,
    };
    if (closeConnection || gate.closing) headers['connection'] = 'close';
    res.writeHead(status, headers);
    res.end(bytes);
    if (closeConnection && !req.complete) {
      if (status === 408 || status === 429 || status === 503) {
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
  };

  const fail = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    format: OtlpEncoding,
    message: string,
    extra: Record<string, string> = {},
    closeConnection = false,
  ): void => {
    const code = RPC_CODE[status] ?? 2;
    reply(
      req,
      res,
      status,
      format,
      format === 'json'
        ? encodeRpcStatusJson(code, message)
        : encodeRpcStatusProtobuf(code, message),
      extra,
      closeConnection,
    );
  };

  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    format: OtlpEncoding,
    refusal: Refusal,
  ): void =>
    fail(
      req,
      res,
      refusal.status,
      format,
      refusal.message,
      { 'retry-after': String(refusal.retryAfterSeconds) },
      true,
    );

  /** What {@link storeExport} and {@link storeLogs} answer. */
  type Stored =
    | { ok: true; partial: { rejectedSpans: number; errorMessage: string } }
    | { ok: false; status: 400 | 503; message: string; headers: Record<string, string> };

  /**
   * Appends what the assembler kept of a request to the spool and waits until it is durable: null
   * once it is (or when nothing was kept), else the 503 to answer.
   */
  const spoolDurably = async (outcome: AcceptOutcome, what: string): Promise<Stored | null> => {
    if (outcome.record === null) return null;
    const append = spool.append(outcome.record.kind, outcome.record.payload);
    outcome.attach(append);
    try {
      await append.durable;
    } catch (err) {
      metrics.spoolErrors++;
      if (!spoolErrorLogged)
        log(`spool write failed: ${(err as Error).message}; answering 503 until it works again`);
      spoolErrorLogged = true;
      return {
        ok: false,
        status: 503,
        message: `could not store ${what} durably`,
        headers: { 'retry-after': '5' },
      };
    }
    spoolErrorLogged = false;
    return null;
  };

  /** The partial success of a stored request: what the decoder rejected and the assembler dropped. */
  const partialOf = (
    rejected: Parameters<typeof summarizeRejections>[0],
    outcome: AcceptOutcome,
  ): { rejectedSpans: number; errorMessage: string } => ({
    rejectedSpans: rejected.length + outcome.dropped,
    errorMessage: [summarizeRejections(rejected), outcome.droppedReason]
      .filter((x) => x !== '')
      .join('; '),
  });

  /**
   * Decodes an export request's body, applies its spans to the traces, and spools them: the part
   * of answering an export that does not depend on the protocol it came by. Resolves once the
   * spans are on disk, with what to tell the client.
   */
  const storeExport = async (format: OtlpEncoding, body: Buffer): Promise<Stored> => {
    const decoded = ingestOtlp(format, body);
    if (!decoded.ok)
      return {
        ok: false,
        status: 400,
        message: decoded.issues.map((i) => i.message).join('; '),
        headers: {},
      };
    metrics.spansRejected += decoded.rejected.length;
    const outcome = assembler.accept(
      decoded.spans,
      format === 'json' ? RECORD_JSON : RECORD_PROTOBUF,
      body,
    );
    const unstored = await spoolDurably(outcome, 'the spans');
    if (unstored !== null) return unstored;
    metrics.spansAccepted += decoded.spans.count - outcome.dropped;
    return { ok: true, partial: partialOf(decoded.rejected, outcome) };
  };

  /**
   * {@link storeExport} for an OTLP logs request: the workbench events it holds as log records
   * are spooled (the body as received) and joined to their traces, whose folds make them events
   * of their spans. Other log records are not ours: accepted and not kept.
   */
  const storeLogs = async (format: OtlpEncoding, body: Buffer): Promise<Stored> => {
    const decoded = format === 'json' ? decodeOtlpJsonLogs(body) : decodeOtlpProtobufLogs(body);
    if (!decoded.ok)
      return {
        ok: false,
        status: 400,
        message: decoded.issues.map((i) => i.message).join('; '),
        headers: {},
      };
    metrics.logRecordsRejected += decoded.rejected.length;
    const outcome = assembler.acceptLogs(
      decoded.events.map((e) => e.traceId),
      format === 'json' ? RECORD_LOGS_JSON : RECORD_LOGS_PROTOBUF,
      body,
    );
    const unstored = await spoolDurably(outcome, 'the log records');
    if (unstored !== null) return unstored;
    metrics.logEventsAccepted += decoded.events.length - outcome.dropped;
    return { ok: true, partial: partialOf(decoded.rejected, outcome) };
  };

  const exportTraces = async (
    req: IncomingMessage,
    res: ServerResponse,
    signal: 'traces' | 'logs' = 'traces',
  ): Promise<void> => {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const format: OtlpEncoding | null =
      mediaType === 'application/json'
        ? 'json'
        : mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf'
          ? 'protobuf'
          : null;
    const answerAs = format ?? 'json';
    if (token !== null && !token.matches(req.headers.authorization)) {
      fail(
        req,
        res,
        401,
        answerAs,
        'missing or wrong bearer token',
        { 'www-authenticate': 'Bearer' },
        true,
      );
      return;
    }
    if (format === null) {
      fail(
        req,
        res,
        415,
        answerAs,
        `unsupported content type ${JSON.stringify(mediaType.slice(0, 100))}; use application/json or application/x-protobuf`,
        {},
        true,
      );
      return;
    }
    const encoding =
      (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() || 'identity';
    if (!ENCODINGS.has(encoding)) {
      fail(
        req,
        res,
        415,
        format,
        `unsupported content encoding ${JSON.stringify(encoding.slice(0, 100))}; use gzip, deflate or none`,
        { 'accept-encoding': 'gzip, deflate' },
        true,
      );
      return;
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > o.maxBodyBytes) {
      fail(
        req,
        res,
        413,
        format,
        `body of ${declared} bytes is larger than the limit of ${o.maxBodyBytes}`,
        {},
        true,
      );
      return;
    }
    const admitted = gate.admit();
    if (!admitted.ok) {
      refuse(req, res, format, admitted.refusal);
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
        fail(
          req,
          res,
          read.status,
          format,
          read.message,
          read.status === 429 ? { 'retry-after': '1' } : {},
          true,
        );
        return;
      }
      const busy = ticket.startDecoding();
      if (busy !== null) {
        refuse(req, res, format, busy);
        return;
      }
      const stored =
        signal === 'logs'
          ? await storeLogs(format, read.body)
          : await storeExport(format, read.body);
      if (!stored.ok) {
        fail(req, res, stored.status, format, stored.message, stored.headers);
        return;
      }
      reply(
        req,
        res,
        200,
        format,
        format === 'json'
          ? signal === 'logs'
            ? encodeExportLogsResponseJson(stored.partial)
            : encodeExportResponseJson(stored.partial)
          : encodeExportResponseProtobuf(stored.partial),
      );
    } finally {
      ticket.end();
    }
  };

  /**
   * What `/healthz` says: 503 while shutting down or unable to write bundles (with the reason),
   * else 200; then one line per problem and per warning (damage recovered from).
   */
  const health = (): { status: 200 | 503; lines: string[] } => {
    const problems: string[] = [];
    if (gate.closing) problems.push('shutting down');
    const cannotWrite = watched?.output.problem ?? null;
    if (cannotWrite !== null) problems.push(`cannot write bundles: ${cannotWrite}`);
    const failing = cannotWrite === null ? assembler.failing : null;
    return {
      status: problems.length > 0 ? 503 : 200,
      lines: [
        ...problems,
        ...warnings.map((w) => `warning: ${w}`),
        ...(failing === null ? [] : [`warning: bundle writes failing (retried): ${failing}`]),
      ],
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/v1/traces' || path === '/v1/logs') {
      if (req.method !== 'POST') {
        fail(req, res, 405, 'json', 'use POST', { allow: 'POST' }, true);
        return;
      }
      await exportTraces(req, res, path === '/v1/logs' ? 'logs' : 'traces');
      return;
    }
    if (
      (path === '/healthz' || path === '/metrics') &&
      req.method !== 'GET' &&
      req.method !== 'HEAD'
    ) {
      fail(req, res, 405, 'json', 'use GET', { allow: 'GET, HEAD' }, true);
      return;
    }
    if (path === '/healthz') {
      const h = health();
      const body = [h.status === 200 ? 'ok' : 'unhealthy', ...h.lines].join('\n') + '\n';
      metrics.countRequest(h.status);
      res.writeHead(h.status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/metrics') {
      const body = metrics.render(gauges());
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    fail(
      req,
      res,
      404,
      'json',
      `no route for ${req.method ?? ''} ${String(path).slice(0, 100)}`,
      {},
      true,
    );
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: Error) => {
      log(`request failed: ${err.message}`);
      if (!res.headersSent) fail(req, res, 500, 'json', 'internal error', {}, true);
      else res.destroy();
    });
  };
  // Node checks its request and header timeouts on this interval (30 s by default, so a slow
  // client could hold on for that much longer); bodies have their own timers (readBody).
  const server = createServer({ connectionsCheckingInterval: 1_000 }, onRequest);
  // Answer `Expect: 100-continue` requests ourselves, so a 401 or 413 goes out before any body.
  server.on('checkContinue', onRequest);
  // Slow clients cannot hold a request open forever.
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  // Connections beyond it are closed as they arrive: file descriptors are for the spool.
  server.maxConnections = o.maxConnections;

  try {
    await new Promise<void>((ok, ko) => {
      server.once('error', ko);
      server.listen(o.port, o.host, () => {
        server.off('error', ko);
        ok();
      });
    });
  } catch (err) {
    await folder.close();
    await spool.close();
    await journal.close();
    await unlock();
    throw err;
  }
  let grpc: OtlpGrpcServer | null = null;
  if (o.grpcPort !== null) {
    try {
      grpc = await startOtlpGrpcServer({
        host: o.host,
        port: o.grpcPort,
        maxConnections: o.maxConnections,
        gate,
        token,
        store: (body) => storeExport('protobuf', body),
        storeLogs: (body) => storeLogs('protobuf', body),
        onAnswer: (code) => metrics.countGrpc(code),
        log,
      });
    } catch (err) {
      await new Promise<void>((ok) => server.close(() => ok()));
      await folder.close();
      await spool.close();
      await journal.close();
      await unlock();
      throw err;
    }
    log(`listening for OTLP/gRPC on ${grpc.address}`);
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log(`listening on ${url}`);
  if (token === null && !isLoopback(address.address))
    log(
      `warning: listening on ${url} without a token: anyone who can reach this port can send traces, which become bundles (set --token or WORKBENCH_TOKEN, or listen on 127.0.0.1 behind a Collector)`,
    );

  const sweepEvery = Math.max(10, Math.min(500, Math.floor(o.quietMs / 2)));
  const timer = setInterval(() => assembler.sweep(), sweepEvery);
  timer.unref();
  // An empty batch makes the folder expire runs left open too long, and report its run gauges.
  const runTick = setInterval(
    () => void folder?.fold([]),
    Math.max(50, Math.min(RUN_TICK_MS, Math.floor(o.runTtlMs / 4))),
  );
  runTick.unref();
  // The output folder is checked before each batch of folds, and on this timer when idle, so
  // that /healthz tells of a folder that cannot hold bundles even when nothing is being written.
  let outputProblem: string | null = null;
  const watchOutput = setInterval(() => {
    void watched?.watch().then((problem) => {
      if (problem !== outputProblem)
        log(
          problem !== null
            ? `cannot write bundles: ${problem}; folds are retried, /healthz answers 503 until it is fixed`
            : 'the output folder can hold bundles again',
        );
      outputProblem = problem;
    });
  }, OUTPUT_CHECK_MS);
  watchOutput.unref();

  let closed: Promise<void> | undefined;
  return {
    url,
    grpcAddress: grpc?.address ?? null,
    metrics: () => metrics.snapshot(gauges()),
    flush: () => assembler.flush(),
    close(): Promise<void> {
      closed ??= (async () => {
        // Draining: still listening, so /healthz answers 503 and exports get 503 with a
        // Retry-After, while the requests in flight finish (or their time runs out).
        gate.beginDrain();
        server.closeIdleConnections();
        if (!(await gate.drained(o.shutdownTimeoutMs)))
          log(
            `shutting down: ${gate.inflight} requests still in flight after ${o.shutdownTimeoutMs} ms; cutting their connections (not acknowledged: their senders retry)`,
          );
        const serverClosed = new Promise<void>((ok) => server.close(() => ok()));
        server.closeAllConnections();
        await Promise.all([serverClosed, grpc?.close()]);
        clearInterval(timer);
        clearInterval(runTick);
        clearInterval(watchOutput);
        if (!(await within(assembler.close(), o.shutdownTimeoutMs)))
          log(
            `shutting down: folds still running after ${o.shutdownTimeoutMs} ms; their traces stay in the spool and are folded after the next start`,
          );
        await folder.close();
        await spool.close();
        await journal.close();
        await o.sink?.shutdown?.();
        await unlock();
      })();
      return closed;
    },
  };
}

/** Whether the receiver listens only on this machine (127.0.0.0/8, ::1). */
function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\./.test(v4) || address === '::1';
}

/** Settles true when `work` settles within `ms`, false after `ms` (the work goes on). */
function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
