/**
 * Target 4 of issue #6 and target 5 of issue #13: 10,000 (and 100,000) open traces of 10 spans
 * each held in at most 256 MiB RSS; with the caps on, RSS stays flat over a ten-minute soak.
 *
 * 1. Open traces: the receiver (a child process, fsync on, quiet time 10 minutes so nothing
 *    folds) is sent `--traces` / 100 requests of 100 traces × 10 spans; its RSS is read before
 *    and after. Default caps for 10,000 traces; above that, `--max-open-traces` is raised to the
 *    trace count and `--max-buffered-bytes` to 256 MiB (the target), so that the caps do not fold
 *    traces early (a quarter of it is also what the spool may hold unwritten before requests get
 *    503, 64 MiB against 16 by default).
 *    Baseline, in this process: the spans of 100 requests decoded to span records and held (what
 *    the receiver held per span before it kept them in the spool), as V8 heap after a full GC.
 * 2. Soak: the receiver with its default caps and timings is sent requests of 100 traces × 10
 *    spans with fresh trace ids for `--duration` seconds, as fast as it takes them (429 and 503
 *    retried after 100 ms, like a Collector), so that traces are folded, linger for their late
 *    window and are released throughout; RSS and the receiver's gauges are recorded every
 *    `--every` seconds. Written bundles are deleted as the soak goes (only the disk would fill).
 *
 * Run alone: node --conditions=source --import tsx bench/receiver-memory.bench.ts [--traces 10000] [--duration 60] [--every 10] [--concurrency 4]
 * Open traces only (no soak): ... --traces 100000 --duration 0
 * The receiver as installed (compiled, plain node; run `pnpm typecheck` first): BENCH_BUILT=1 ...
 * The ten-minute soak: node --conditions=source --import tsx bench/receiver-memory.bench.ts --duration 600 --every 30
 */
import { existsSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SpanRecord } from '../packages/bundle/src/index.js';
import { decodeOtlpProtobuf } from '../packages/otlp/src/index.js';
import { printResults } from './print-results.js';
import {
  BodyTemplate,
  driveLoad,
  rssMiB,
  scrapeMetrics,
  startReceiverProcess,
  until,
} from './receiver-load.js';
import type { BenchResult } from './result.js';

/** Options of {@link benchReceiverMemory}. */
export interface ReceiverMemoryBenchOptions {
  /** Open traces of 10 spans to hold (a multiple of 100). Default 10,000. */
  traces?: number;
  /** Seconds of soak; 0 skips the soak. Default 60. */
  duration?: number;
  /** Seconds between RSS samples. Default 10. */
  every?: number;
  /** Requests in flight during the soak. Default 4. */
  concurrency?: number;
  /** Print each sample as it is taken. Default true. */
  verbose?: boolean;
}

const SPANS_PER_TRACE = 10;
/** The receiver's default `maxOpenTraces`. */
const DEFAULT_MAX_OPEN_TRACES = 10_000;
/** Requests decoded for the span-records baseline (100,000 spans). */
const BASELINE_REQUESTS = 100;

function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Bytes of V8 heap per span held as decoded span records (the former way). */
function recordsBaseline(template: BodyTemplate, requests: number): number {
  const gc = fullGc();
  const held: SpanRecord[][] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let n = 0; n < requests; n++) {
    const body = template.copy();
    template.stamp(body, 1_000_000 + n);
    const decoded = decodeOtlpProtobuf(body);
    if (decoded.ok) held.push(decoded.spans);
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  const spans = held.reduce((a, s) => a + s.length, 0);
  return (after - before) / spans;
}

async function openTraces(traces: number): Promise<BenchResult[]> {
  const template = new BodyTemplate('protobuf', 100, SPANS_PER_TRACE);
  const requests = Math.ceil(traces / 100);
  const total = requests * 100;
  const caps =
    total > DEFAULT_MAX_OPEN_TRACES
      ? ['--max-open-traces', String(total), '--max-buffered-bytes', String(256 * 1024 * 1024)]
      : [];
  const r = await startReceiverProcess(['--quiet-ms', '600000', ...caps]);
  try {
    await new Promise((ok) => setTimeout(ok, 1000));
    const idle = rssMiB(r.pid);
    const load = await driveLoad({
      url: r.url,
      template,
      concurrency: 4,
      durationMs: 600_000,
      maxRequests: requests,
    });
    if (load.ok !== requests) throw new Error(`only ${load.ok} of ${requests} requests went in`);
    let peak = 0;
    for (let i = 0; i < 10; i++) {
      await new Promise((ok) => setTimeout(ok, 300));
      peak = Math.max(peak, rssMiB(r.pid));
    }
    const m = await scrapeMetrics(r.url);
    const open = m.get('open_traces') ?? NaN;
    if (open !== total) throw new Error(`${open} traces open, expected ${total}`);
    const spans = total * SPANS_PER_TRACE;
    const perSpan = ((peak - idle) * 1024 * 1024) / spans;
    const baseline = recordsBaseline(template, Math.min(requests, BASELINE_REQUESTS));
    return [
      { name: 'receiver: RSS idle (main thread + fold worker)', value: idle, unit: 'MiB' },
      {
        name: `receiver: RSS with ${total} open traces of ${SPANS_PER_TRACE} spans`,
        value: peak,
        unit: 'MiB',
      },
      {
        name: 'receiver: RSS growth per open span',
        value: perSpan,
        unit: 'bytes',
        baseline: 'span records held in memory (V8 heap per span)',
        ratio: perSpan / baseline,
      },
      {
        name: 'receiver: span records held in memory (baseline)',
        value: baseline,
        unit: 'bytes/span',
      },
      {
        name: 'receiver: buffered_bytes estimate per open span',
        value: (m.get('buffered_bytes') ?? NaN) / spans,
        unit: 'bytes',
      },
    ];
  } finally {
    await r.stop();
  }
}

interface Sample {
  t: number;
  rss: number;
  open: number;
  lingering: number;
  folding: number;
  buffered: number;
  spans: number;
  bundles: number;
  refused: number;
}

async function soak(o: Required<ReceiverMemoryBenchOptions>): Promise<BenchResult[]> {
  const template = new BodyTemplate('protobuf', 100, SPANS_PER_TRACE);
  const r = await startReceiverProcess([]);
  const out = join(r.dir, 'out');
  const samples: Sample[] = [];
  let acked = 0;
  let refused = 0;
  const t0 = performance.now();
  const sample = async (): Promise<void> => {
    const m = await scrapeMetrics(r.url);
    const s: Sample = {
      t: (performance.now() - t0) / 1000,
      rss: rssMiB(r.pid),
      open: m.get('open_traces') ?? NaN,
      lingering: m.get('lingering_traces') ?? NaN,
      folding: m.get('folding_traces') ?? NaN,
      buffered: (m.get('buffered_bytes') ?? NaN) / 1024 / 1024,
      spans: acked,
      bundles: m.get('bundles_written_total{status="written"}') ?? NaN,
      refused,
    };
    samples.push(s);
    if (o.verbose)
      console.log(
        `t=${s.t.toFixed(0).padStart(4)} s  RSS ${s.rss.toFixed(1).padStart(6)} MiB  open ${String(s.open).padStart(6)}  folding ${String(s.folding).padStart(6)}  lingering ${String(s.lingering).padStart(7)}  buffered ${s.buffered.toFixed(1).padStart(6)} MiB  spans ${s.spans}  bundles ${s.bundles}  429/503 ${s.refused}`,
      );
    // Only the disk would fill up: bundles are not read back.
    const names = existsSync(out) ? readdirSync(out) : [];
    for (const name of names) if (name.endsWith('.json')) unlinkSync(join(out, name));
  };
  try {
    await sample();
    const timer = setInterval(() => void sample(), o.every * 1000);
    const load = await driveLoad({
      url: r.url,
      template,
      concurrency: o.concurrency,
      durationMs: o.duration * 1000,
      retryMs: 100,
      onAck: (n) => (acked += n),
      onRefused: () => refused++,
    });
    clearInterval(timer);
    await sample();
    await until(
      async () => ((await scrapeMetrics(r.url)).get('open_traces') ?? 1) === 0,
      120_000,
      'the last traces to fold',
    );
    await sample();
    // The second half: after warm-up, the heap and the late window have reached their level.
    const second = samples.filter((s) => s.t >= o.duration / 2 && s.t <= o.duration + 1);
    const rss = second.map((s) => s.rss);
    const first = second[0];
    const last = second.at(-1);
    const slope =
      first !== undefined && last !== undefined && last.t > first.t
        ? ((last.rss - first.rss) / (last.t - first.t)) * 60
        : NaN;
    return [
      {
        name: `receiver soak ${o.duration} s: acknowledged`,
        value: load.spans / load.seconds,
        unit: 'spans/s',
      },
      {
        name: `receiver soak ${o.duration} s: RSS peak`,
        value: Math.max(...samples.map((s) => s.rss)),
        unit: 'MiB',
      },
      {
        name: `receiver soak ${o.duration} s: RSS min, second half`,
        value: Math.min(...rss),
        unit: 'MiB',
      },
      {
        name: `receiver soak ${o.duration} s: RSS max, second half`,
        value: Math.max(...rss),
        unit: 'MiB',
      },
      {
        name: `receiver soak ${o.duration} s: RSS drift, second half`,
        value: slope,
        unit: 'MiB/min',
      },
      { name: `receiver soak ${o.duration} s: 429/503 answers`, value: refused, unit: 'requests' },
    ];
  } finally {
    await r.stop();
  }
}

/**
 * Measures the receiver's RSS with `traces` (default 10,000) open traces of 10 spans, against
 * holding them as span records, and its RSS over a soak with the default caps.
 *
 * @example
 * printResults(await benchReceiverMemory({ duration: 600, every: 30 }));
 */
export async function benchReceiverMemory(
  options: ReceiverMemoryBenchOptions = {},
): Promise<BenchResult[]> {
  const o = { traces: 10_000, duration: 60, every: 10, concurrency: 4, verbose: true, ...options };
  const open = await openTraces(o.traces);
  return o.duration > 0 ? [...open, ...(await soak(o))] : open;
}

export async function run(): Promise<BenchResult[]> {
  return benchReceiverMemory({ verbose: false });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flag = (name: string): number | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? undefined : Number(process.argv[i + 1]);
  };
  const options: ReceiverMemoryBenchOptions = {};
  const traces = flag('traces');
  if (traces !== undefined) options.traces = traces;
  const duration = flag('duration');
  const every = flag('every');
  const concurrency = flag('concurrency');
  if (duration !== undefined) options.duration = duration;
  if (every !== undefined) options.every = every;
  if (concurrency !== undefined) options.concurrency = concurrency;
  printResults(await benchReceiverMemory(options));
}
