/**
 * What the receiver benchmarks share: the receiver (`workbench serve`) as a child process, a load
 * generator (this process: node:http with keep-alive, pre-encoded 1000-span requests whose trace
 * ids are patched per request, so every request brings new traces), and readings of CPU time and
 * RSS from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSpans, jsonBody, protobufBody } from '../packages/receiver/test/bench/otlp-bodies.js';

export type Format = 'json' | 'protobuf';

const ROOT = join(import.meta.dirname, '..');
/**
 * `BENCH_BUILT=1`: run the receiver as it is installed, the CLI's compiled `dist/bin.js serve` under
 * plain node (build it first with `pnpm typecheck`), instead of from source through tsx, which
 * compiles the sources in the process (about 45 MiB and a loader thread per thread).
 */
const BUILT = process.env['BENCH_BUILT'] === '1';
/** The receiver's entry; `BENCH_SERVE` points at another one (e.g. an older version) to compare. */
const SERVE =
  process.env['BENCH_SERVE'] ??
  (BUILT
    ? join(ROOT, 'packages', 'cli', 'dist', 'bin.js')
    : join(ROOT, 'packages', 'receiver', 'test', 'fixtures', 'serve.ts'));

/** The seed of the template bodies: it fills the first 8 bytes of every trace id. */
const SEED = 0xabcdef123;
const SEED_HEX = SEED.toString(16).padStart(16, '0');

/**
 * A request body of `traces` traces of `spansPerTrace` spans (1000 spans in all by default), and
 * where its trace ids' first 8 bytes are, so each request can get fresh trace ids.
 */
export class BodyTemplate {
  readonly bytes: Buffer;
  readonly spans: number;
  private readonly positions: number[] = [];

  constructor(
    readonly format: Format,
    traces = 50,
    spansPerTrace = 20,
  ) {
    const spans = benchSpans(traces, spansPerTrace, SEED);
    this.spans = spans.length;
    this.bytes = format === 'json' ? jsonBody(spans) : protobufBody(spans);
    const needle =
      format === 'json' ? Buffer.from(SEED_HEX, 'latin1') : Buffer.from(SEED_HEX, 'hex');
    for (let at = this.bytes.indexOf(needle); at >= 0; at = this.bytes.indexOf(needle, at + 1))
      this.positions.push(at);
    if (this.positions.length !== this.spans)
      throw new Error(
        `expected ${this.spans} trace ids in the template, found ${this.positions.length}`,
      );
  }

  /** A copy to send as request number `n` (n ≥ 1): its trace ids start with n. */
  copy(): Buffer {
    return Buffer.from(this.bytes);
  }

  /** Rewrites the trace ids of a copy for request `n`. */
  stamp(buf: Buffer, n: number): void {
    const prefix = (n + 1).toString(16).padStart(16, '0'); // never the seed's zero-extended form
    const bytes =
      this.format === 'json' ? Buffer.from(prefix, 'latin1') : Buffer.from(prefix, 'hex');
    for (const at of this.positions) bytes.copy(buf, at);
  }
}

/** A running receiver child process. */
export interface ReceiverProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly dir: string;
  /** Stops it (SIGTERM: folds what has its root, then exits) and removes its folders. */
  stop(): Promise<void>;
}

/**
 * Starts `workbench serve` (from source, or built with `BENCH_BUILT=1`) in a child process with
 * fsync on, on a free port, with its data and bundles in a fresh temporary folder; `flags` are
 * added to its command line. `entry` replaces the receiver with another server that prints the
 * same line when listening.
 */
export async function startReceiverProcess(
  flags: readonly string[],
  nodeArgs: readonly string[] = [],
  entry = SERVE,
): Promise<ReceiverProcess> {
  if (BUILT && entry === SERVE && !existsSync(entry))
    throw new Error(`BENCH_BUILT=1 runs ${entry}: build it first (pnpm typecheck)`);
  const dir = mkdtempSync(join(tmpdir(), 'wb-receiver-bench-'));
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      ...(BUILT && entry === SERVE ? [] : ['--conditions=source', '--import', 'tsx']),
      entry,
      ...(BUILT && entry === SERVE ? ['serve'] : []),
      ...(entry === SERVE
        ? ['--port', '0', '--data', join(dir, 'data'), '--out', join(dir, 'out')]
        : []),
      ...flags,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /at (http:\/\/\S+)\/v1\/traces/.exec(stdout);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`receiver exited (${code}): ${stderr}`)));
  });
  return {
    child,
    pid: child.pid as number,
    url,
    dir,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The receiver's /metrics as name{labels} → value. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const space = line.lastIndexOf(' ');
    out.set(
      line.slice(0, space).replace(/^workbench_receiver_/, ''),
      Number(line.slice(space + 1)),
    );
  }
  return out;
}

/** CPU seconds (user + system, all threads) of a process so far. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
}

/**
 * Seconds a process's main thread has spent on a CPU and waiting for one (runnable, but the CPUs
 * were busy), from the scheduler's statistics.
 */
export function mainThreadSchedule(pid: number): { onCpu: number; waiting: number } {
  const [run = '0', wait = '0'] = readFileSync(
    `/proc/${pid}/task/${pid}/schedstat`,
    'latin1',
  ).split(' ');
  return { onCpu: Number(run) / 1e9, waiting: Number(wait) / 1e9 };
}

/** Resident set size of a process, in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** What a load run achieved. */
export interface LoadResult {
  /** Requests answered 200. */
  readonly ok: number;
  /** Spans in them. */
  readonly spans: number;
  readonly seconds: number;
  /** Answers by status, retries included (0: the connection failed). */
  readonly statuses: Map<number, number>;
  /** CPU seconds of this process (the load generator) over the run. */
  readonly cpuSeconds: number;
}

/** Options of {@link driveLoad}. */
export interface LoadOptions {
  readonly url: string;
  readonly template: BodyTemplate;
  /** Requests in flight at once (one keep-alive connection each). */
  readonly concurrency: number;
  /** Stop sending after this long. */
  readonly durationMs: number;
  /** Number of the first request (trace ids are derived from it). Default 1. */
  readonly firstRequest?: number;
  /** Stop after this many acknowledged requests. Default no limit. */
  readonly maxRequests?: number;
  /** Called after each acknowledged request. */
  readonly onAck?: (spans: number) => void;
  /** Called after each 429 or 503. */
  readonly onRefused?: () => void;
  /** Wait before retrying a 429 or 503. Default 20 ms. */
  readonly retryMs?: number;
}

/**
 * Sends the template, with fresh trace ids each time, from `concurrency` loops for `durationMs`;
 * a 429 or 503 is retried with the same body (as the Collector does), any other status fails.
 */
export async function driveLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, template, concurrency, durationMs } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL('/v1/traces', url);
  const type = template.format === 'json' ? 'application/json' : 'application/x-protobuf';
  const statuses = new Map<number, number>();
  let next = options.firstRequest ?? 1;
  const last = next + (options.maxRequests ?? Infinity);
  let ok = 0;
  const post = (body: Buffer): Promise<number> =>
    new Promise((resolve) => {
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': type, 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      // A refusal that closes the connection while the body is still going out (503 with
      // Connection: close) surfaces as EPIPE or ECONNRESET: retried like a 503, as a Collector does.
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const body = template.copy();
      while (performance.now() < deadline && next < last) {
        template.stamp(body, next++);
        for (;;) {
          const status = await post(body);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 200) break;
          if (status !== 429 && status !== 503 && status !== 0) throw new Error(`status ${status}`);
          options.onRefused?.();
          await new Promise((r) => setTimeout(r, options.retryMs ?? 20));
        }
        ok++;
        options.onAck?.(template.spans);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return {
    ok,
    spans: ok * template.spans,
    seconds,
    statuses,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** Polls until `check` is true, or throws after `timeoutMs`. */
export async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
