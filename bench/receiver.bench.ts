/**
 * Target 3 of issue #6: `workbench serve` ingests at least 60,000 spans/s of OTLP/HTTP JSON and
 * 100,000 of protobuf on one core, with durability on (fsync).
 *
 * Setup: the receiver runs from source in a child process with fsync on; this process is the load
 * generator (node:http, keep-alive, `BENCH_CONCURRENCY` requests in flight, each a pre-encoded
 * 1000-span request of 50 runs of 20 spans with fresh trace ids, 429 and 503 retried). All over
 * loopback. For each encoding, in one run:
 *
 * - `parse alone`: JSON.parse (or the protobuf decoder) of the same bodies in this process, one
 *   thread, nothing else: the limit to approach, and the baseline of the ratios;
 * - `floor server`: node:http reading and parsing each body and answering 200 (no validation, no
 *   disk), driven by the same load generator;
 * - `ingest`: the receiver answering 200 after the spool's fsync, traces kept open (nothing folds
 *   during the window);
 * - `ingest + fold`: the same with traces folding as they go quiet (quiet time 100 ms): the spans
 *   per second from the first request to the last bundle written, so folding, sealing and the
 *   fsynced bundle files are paid for in full.
 *
 * CPU per span is given by thread: the receiver's main thread (HTTP, validation, assembly,
 * spool), its fold worker (decoding from the spool, folding, sealing, writing), the rest of the
 * process (libuv's pool doing the file writes and fsyncs, V8's GC helpers), and the load
 * generator. Each figure is the median of `BENCH_ROUNDS` rounds of `BENCH_SECONDS` seconds.
 *
 * Run alone: node --conditions=source --import tsx bench/receiver.bench.ts
 * Environment: BENCH_SECONDS (default 8), BENCH_ROUNDS (default 1), BENCH_CONCURRENCY (default 16),
 * BENCH_FORMATS (default json,protobuf), BENCH_PROFILE=<dir> (CPU profiles of the receiver).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeOtlpProtobuf } from '../packages/otlp/src/index.js';
import { printResults } from './print-results.js';
import {
  BodyTemplate,
  driveLoad,
  mainThreadSchedule,
  processCpuSeconds,
  scrapeMetrics,
  startReceiverProcess,
  until,
  type Format,
  type ReceiverProcess,
} from './receiver-load.js';
import type { BenchResult } from './result.js';

/** Options of {@link benchReceiver}. */
export interface ReceiverBenchOptions {
  /** Seconds of load per measurement. Default 8. */
  seconds?: number;
  /** Rounds; medians are reported. Default 1. */
  rounds?: number;
  /** Requests in flight. Default 16. */
  concurrency?: number;
  formats?: readonly Format[];
  /** Folder for CPU profiles of the receiver processes (`--cpu-prof`), or none. */
  profileDir?: string | undefined;
  /** What to measure. Default all: parse, floor, ingest, fold. */
  phases?: readonly Phase[];
}

type Phase = 'parse' | 'floor' | 'ingest' | 'fold';

interface Measured {
  spansPerSecond: number;
  /** µs of CPU per span: main thread, fold worker, rest of the receiver, load generator. */
  main: number;
  fold: number;
  other: number;
  loadgen: number;
  /** Acknowledged spans/s while sending (ingest + fold: before the last bundles are written). */
  ackPerSecond: number;
  /** Share of the window the receiver's main thread was on a CPU, and waiting for one. */
  busy: number;
  starved: number;
  rejected: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

function parseAlone(template: BodyTemplate, ms: number): number {
  const body = template.bytes;
  const parse =
    template.format === 'json'
      ? (): unknown => JSON.parse(body.toString('utf8'))
      : (): unknown => decodeOtlpProtobuf(body);
  for (let i = 0; i < 20; i++) parse();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    parse();
    n++;
  }
  return (n * template.spans) / ((performance.now() - t0) / 1000);
}

async function cpuOf(r: ReceiverProcess): Promise<{ total: number; main: number; fold: number }> {
  const m = await scrapeMetrics(r.url);
  return {
    total: processCpuSeconds(r.pid),
    main: m.get('cpu_seconds_total{thread="main"}') ?? NaN,
    fold: m.get('cpu_seconds_total{thread="fold"}') ?? 0,
  };
}

async function measureServer(
  template: BodyTemplate,
  kind: 'floor' | 'ingest' | 'fold',
  o: { seconds: number; concurrency: number; profileDir?: string | undefined },
): Promise<Measured> {
  const flags =
    kind === 'floor'
      ? []
      : kind === 'ingest'
        ? ['--quiet-ms', '3600000', '--max-open-traces', '10000000', '--max-buffered-bytes', '4GiB']
        : ['--quiet-ms', '100'];
  const nodeArgs =
    o.profileDir !== undefined && kind !== 'floor'
      ? ['--cpu-prof', `--cpu-prof-dir=${join(o.profileDir, `${template.format}-${kind}`)}`]
      : [];
  const entry =
    kind === 'floor' ? join(import.meta.dirname, 'receiver-floor-server.ts') : undefined;
  const r = await startReceiverProcess(flags, nodeArgs, entry);
  try {
    let first = 1;
    // Warm up: JIT, the spool's first segment, the worker's first folds.
    const warm = await driveLoad({
      url: r.url,
      template,
      concurrency: o.concurrency,
      durationMs: 2000,
      firstRequest: first,
    });
    first += warm.ok + o.concurrency;
    const tracesPerRequest = template.spans / 20;
    const folded = async (traces: number): Promise<boolean> => {
      const m = await scrapeMetrics(r.url);
      return (m.get('bundles_written_total{status="written"}') ?? 0) >= traces;
    };
    if (kind === 'fold')
      await until(() => folded(warm.ok * tracesPerRequest), 120_000, 'warm-up folds');
    const cpu0 = kind === 'floor' ? null : await cpuOf(r);
    const total0 = processCpuSeconds(r.pid);
    const sched0 = mainThreadSchedule(r.pid);
    const t0 = performance.now();
    const load = await driveLoad({
      url: r.url,
      template,
      concurrency: o.concurrency,
      durationMs: o.seconds * 1000,
      firstRequest: first,
    });
    if (kind === 'fold')
      await until(() => folded((warm.ok + load.ok) * tracesPerRequest), 600_000, 'all folds');
    const seconds = (performance.now() - t0) / 1000;
    const total = processCpuSeconds(r.pid) - total0;
    const sched1 = mainThreadSchedule(r.pid);
    const cpu1 = cpu0 === null ? null : await cpuOf(r);
    const us = (s: number): number => (s * 1e6) / load.spans;
    const main = cpu0 === null || cpu1 === null ? total : cpu1.main - cpu0.main;
    const fold = cpu0 === null || cpu1 === null ? 0 : cpu1.fold - cpu0.fold;
    return {
      spansPerSecond: load.spans / seconds,
      ackPerSecond: load.spans / load.seconds,
      main: us(main),
      fold: us(fold),
      other: us(total - main - fold),
      loadgen: us(load.cpuSeconds),
      rejected: [...load.statuses].filter(([s]) => s !== 200).reduce((a, [, n]) => a + n, 0),
      busy: (sched1.onCpu - sched0.onCpu) / seconds,
      starved: (sched1.waiting - sched0.waiting) / seconds,
    };
  } finally {
    await r.stop();
  }
}

/**
 * Measures spans/s of the receiver over OTLP/HTTP with fsync on, ingest only and with folding,
 * against parsing alone and a parse-only HTTP server, with CPU per span by thread.
 *
 * @example
 * printResults(await benchReceiver({ seconds: 5, formats: ['protobuf'] }));
 */
export async function benchReceiver(options: ReceiverBenchOptions = {}): Promise<BenchResult[]> {
  const o = {
    seconds: Number(process.env['BENCH_SECONDS'] ?? 8),
    rounds: Number(process.env['BENCH_ROUNDS'] ?? 1),
    concurrency: Number(process.env['BENCH_CONCURRENCY'] ?? 16),
    formats: (process.env['BENCH_FORMATS'] ?? 'json,protobuf').split(',') as Format[],
    profileDir: process.env['BENCH_PROFILE'],
    phases: (process.env['BENCH_PHASES'] ?? 'parse,floor,ingest,fold').split(',') as Phase[],
    ...options,
  };
  const results: BenchResult[] = [];
  for (const format of o.formats) {
    const template = new BodyTemplate(format);
    const label = format === 'json' ? 'OTLP/JSON' : 'OTLP/protobuf';
    const parseName = format === 'json' ? 'JSON.parse alone' : 'protobuf decode alone';
    const rounds: Record<Phase, Array<number | Measured>> = {
      parse: [],
      floor: [],
      ingest: [],
      fold: [],
    };
    // Rounds interleave the candidates, so a slow spell of the machine hits them alike.
    for (let i = 0; i < o.rounds; i++) {
      rounds.parse.push(parseAlone(template, 2000));
      for (const k of ['floor', 'ingest', 'fold'] as const)
        if (o.phases.includes(k)) rounds[k].push(await measureServer(template, k, o));
    }
    const parse = median(rounds.parse as number[]);
    const pick = (k: 'floor' | 'ingest' | 'fold', f: keyof Measured): number =>
      median((rounds[k] as Measured[]).map((m) => m[f]));
    const baseline = `${parseName} (1 thread, in-process)`;
    results.push({ name: `receiver ${label}: ${parseName}`, value: parse, unit: 'spans/s' });
    for (const [k, what] of [
      ['floor', 'floor server (HTTP + parse only)'],
      ['ingest', 'ingest, fsync'],
      ['fold', 'ingest + fold + bundle files, fsync'],
    ] as const) {
      if (rounds[k].length === 0) continue;
      const v = pick(k, 'spansPerSecond');
      results.push({
        name: `receiver ${label}: ${what}`,
        value: v,
        unit: 'spans/s',
        baseline,
        ratio: v / parse,
      });
      const cpu = (f: keyof Measured, who: string): void => {
        results.push({
          name: `receiver ${label}: ${what}: CPU ${who}`,
          value: pick(k, f),
          unit: 'µs/span',
        });
      };
      if (k === 'floor') {
        cpu('main', 'server');
      } else {
        cpu('main', 'main thread');
        if (k === 'fold') cpu('fold', 'fold worker');
        cpu('other', 'other receiver threads');
      }
      results.push(
        {
          name: `receiver ${label}: ${what}: main thread on a CPU`,
          value: pick(k, 'busy') * 100,
          unit: '% of the time',
        },
        {
          name: `receiver ${label}: ${what}: main thread waiting for a CPU`,
          value: pick(k, 'starved') * 100,
          unit: '% of the time',
        },
      );
      if (k === 'ingest')
        results.push({
          name: `receiver ${label}: ${what}: main thread's CPU per span, as spans/s of one core`,
          value: 1e6 / pick(k, 'main'),
          unit: 'spans/s',
          baseline,
          ratio: 1e6 / pick(k, 'main') / parse,
        });
      cpu('loadgen', 'load generator');
      if (k === 'fold')
        results.push({
          name: `receiver ${label}: ${what}: acknowledged while sending`,
          value: pick(k, 'ackPerSecond'),
          unit: 'spans/s',
        });
      const retried = pick(k, 'rejected');
      if (retried > 0)
        results.push({
          name: `receiver ${label}: ${what}: 429/503 answers`,
          value: retried,
          unit: 'requests',
        });
    }
  }
  return results;
}

export async function run(): Promise<BenchResult[]> {
  return benchReceiver();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults(await run());
}
