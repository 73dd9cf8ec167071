import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FileBundleSink, type BundleSink } from '@llm-workbench/sink';
import { BearerToken } from './bearer-token.js';
import { lockDataDir } from './data-lock.js';
import { ExportStore } from './export-store.js';
import { InlineTraceFolder } from './fold/inline-trace-folder.js';
import type { RunAssemblerOptions } from './fold/run-assembler.js';
import type { TraceFolder } from './fold/types.js';
import { WatchedTraceFolder } from './fold/watched-trace-folder.js';
import { WorkerTraceFolder } from './fold/worker-trace-folder.js';
import { startOtlpGrpcServer, type OtlpGrpcServer } from './grpc/otlp-grpc-server.js';
import { createOtlpHttpHandler, type Health } from './http/otlp-http-handler.js';
import { IntakeGate } from './intake-gate.js';
import { OutputFolder, OutputFolderError } from './output-folder.js';
import { ReceiverMetrics } from './receiver-metrics.js';
import { checkReceiverOptions } from './resolve-receiver-options.js';
import { FoldedJournal } from './spool/folded-journal.js';
import { Spool } from './spool/spool.js';
import { threadCpuSeconds } from './thread-cpu.js';
import { TraceAssembler } from './trace-assembler.js';
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
    ({ folder, watched } = openTraceFolder({
      sink: o.sink,
      output,
      outDir: o.outDir,
      fsync: o.fsync,
      ledger: o.ledger,
      signingKey: o.signingKey,
      spoolDir: spool.directory,
      runs,
      metrics,
      log,
    }));
    assembler = new TraceAssembler({ limits: o, spool, journal, folder, metrics, log });
    const recovered = await assembler.recover();
    warnings.push(...reportRecovery(spool, recovered, metrics, log));
  } catch (err) {
    await folder?.close();
    await output?.close();
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
  const store = new ExportStore({ assembler, spool, metrics, log });

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

  /**
   * What `/healthz` says: 503 while shutting down or unable to write bundles (with the reason),
   * else 200; then one line per problem and per warning (damage recovered from).
   */
  const health = (): Health => {
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

  const onRequest = createOtlpHttpHandler({
    gate,
    token,
    maxBodyBytes: o.maxBodyBytes,
    store,
    metrics,
    health,
    gauges,
    log,
  });
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
        store: (body) => store.traces('protobuf', body),
        storeLogs: (body) => store.logs('protobuf', body),
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

/** What {@link openTraceFolder} needs. */
interface TraceFolderSetup {
  /** A sink given as an object: written to from this thread. */
  readonly sink: BundleSink | undefined;
  /** The checked output folder, when bundles go to `outDir`. */
  readonly output: OutputFolder | undefined;
  readonly outDir: string;
  readonly fsync: boolean;
  readonly ledger: boolean;
  readonly signingKey: ReceiverOptions['signingKey'];
  readonly spoolDir: string;
  readonly runs: RunAssemblerOptions;
  readonly metrics: ReceiverMetrics;
  readonly log: (line: string) => void;
}

/**
 * Where traces are folded: in a worker thread, watched for its output folder being removed or
 * replaced, when bundles go to `outDir`; on this thread for a sink given as an object, which
 * cannot go to a worker.
 */
function openTraceFolder(o: TraceFolderSetup): {
  folder: TraceFolder;
  watched: WatchedTraceFolder | undefined;
} {
  if (o.sink !== undefined || o.output === undefined) {
    return {
      folder: new InlineTraceFolder(
        o.spoolDir,
        o.sink as BundleSink,
        INLINE_WRITE_CONCURRENCY,
        o.runs,
      ),
      watched: undefined,
    };
  }
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
    o.log(`signing bundles as receiver with key ${outSink.signingKey.keyId}`);
  const outPath = o.output.path;
  const watched = new WatchedTraceFolder(
    new WorkerTraceFolder(
      {
        spoolDir: o.spoolDir,
        sink: outSink.toWorkerData(),
        writeConcurrency: WRITE_CONCURRENCY,
        cacheSpans: FOLD_CACHE_SPANS,
        runs: o.runs,
      },
      o.log,
    ),
    o.output,
    (change) => {
      o.metrics.outputFolderRecreated++;
      o.log(
        change === 'removed'
          ? `warning: output folder ${outPath} was removed while serving: created it again; its ledger.jsonl starts a new chain, so the bundles written before are in no ledger of this folder (workbench verify checks the new folder from here on)`
          : `warning: output folder ${outPath} was replaced by another folder while serving: writing there from now on, appending to its own ledger.jsonl (a new one if it has none); the bundles written before are in the old folder's`,
      );
    },
  );
  return { folder: watched, watched };
}

/**
 * Logs what was recovered from the spool at start, and the damage skipped (counted); returns the
 * warnings `/healthz` keeps showing.
 */
function reportRecovery(
  spool: Spool,
  recovered: { records: number; spans: number; traces: number },
  metrics: ReceiverMetrics,
  log: (line: string) => void,
): string[] {
  const warnings: string[] = [];
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
  return warnings;
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
