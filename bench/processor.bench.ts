/**
 * Target 1 of issue #6: adding RunBundleSpanProcessor to the stock pipeline costs at most 1.15×
 * the stock pipeline's time per span, bundle writing included; onEnd p99 under 50 µs.
 *
 * Stock pipeline: BasicTracerProvider + BatchSpanProcessor + OTLP JSON serialization (the
 * serializer the OTLP/HTTP exporter uses; the bytes are discarded, so no network is measured).
 * Workload: runs of 10 spans (bench/workload.ts). Each round records `runs` runs, yields to the
 * event loop every 50 runs (so background work runs inside the window, as in a real app), then
 * force-flushes; the time per span is wall time over the whole round. Each round has a fresh
 * provider, warmed up (20 runs, flushed) before the clock starts: the figures are steady state. Rounds of the three
 * pipelines interleave; medians are reported. CPU is the process's user+system time over the
 * round (all threads), per span: what the bundles cost the machine, wherever they run; and the
 * CPU time of the application's thread alone (Linux /proc; elsewhere event-loop busy time).
 *
 * The application's thread's CPU in those rounds includes the traces it folds itself when the
 * worker falls more than 20,000 spans behind, which it does here (the app records spans faster
 * than one thread folds them): its share is printed. Paced rounds (stock and worker, after each
 * round) record runs at a rate the worker keeps up with, as most applications do: their
 * application's thread CPU is the handoff alone.
 *
 * Environment: BENCH_FSYNC=0 writes without fsync; BENCH_RUNS and BENCH_ROUNDS size the run;
 * BENCH_PACED_RATE (runs a second, default 500; 0 skips the paced rounds);
 * BENCH_PROCESSOR_ONLY=pipeline or =blocking runs one half; BENCH_BLOCKING_ROUNDS (3) sizes the
 * event-loop delay half.
 * Run alone: node --conditions=source --import tsx bench/processor.bench.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { spawn } from 'node:child_process';
import { context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { RunBundleSpanProcessor } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
import type { BenchResult } from './result.js';
import { printResults } from './print-results.js';
import { recordRun, SPANS_PER_RUN } from './workload.js';

class SerializingExporter implements SpanExporter {
  bytes = 0;
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    const body = JsonTraceSerializer.serializeRequest(spans);
    this.bytes += body?.byteLength ?? 0;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Times each onEnd call of the wrapped processor. */
class TimedProcessor implements SpanProcessor {
  readonly samples: number[] = [];
  constructor(private readonly inner: SpanProcessor) {}
  onStart(...args: Parameters<SpanProcessor['onStart']>): void {
    this.inner.onStart(...args);
  }
  onEnd(span: ReadableSpan): void {
    const t = process.hrtime.bigint();
    this.inner.onEnd(span);
    this.samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

type Mode = 'stock' | 'worker' | 'inline';

interface Round {
  usPerSpan: number;
  cpuUsPerSpan: number;
  /** CPU time of the application's thread, per span. */
  mainUsPerSpan: number;
  onEnd: number[];
  bundles: number;
  /** Runs folded on the application's thread because the worker was behind. */
  foldedInline: number;
}

/**
 * One round of `runs` runs. At `rate` runs a second when given (each 10 runs wait for their
 * time), else as fast as the application's thread can record them, yielding every 50.
 */
async function measure(
  mode: Mode,
  runs: number,
  dir: string,
  fsync: boolean,
  rate = 0,
): Promise<Round> {
  const processors: SpanProcessor[] = [
    new BatchSpanProcessor(new SerializingExporter(), {
      maxQueueSize: 1_000_000,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 50,
    }),
  ];
  let timed: TimedProcessor | undefined;
  let bundleProcessor: RunBundleSpanProcessor | undefined;
  if (mode !== 'stock') {
    bundleProcessor = new RunBundleSpanProcessor({
      sink: new FileBundleSink({ directory: dir, fsync }),
      maxOpenTraces: 100_000,
      worker: mode === 'worker',
    });
    timed = new TimedProcessor(bundleProcessor);
    processors.push(timed);
  }
  const provider = new BasicTracerProvider({ spanProcessors: processors });
  const tracer = provider.getTracer('bench');
  // Steady state: the worker thread starts (and, from source, compiles) on first use.
  for (let i = 0; i < 20; i++) recordRun(tracer, -1 - i);
  await provider.forceFlush();
  timed?.samples.splice(0);
  const written = bundleProcessor?.stats.bundlesWritten ?? 0;
  const inline = bundleProcessor?.stats.foldedInline ?? 0;
  const cpu = process.cpuUsage();
  const main = mainThreadCpuMs();
  const start = process.hrtime.bigint();
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    recordRun(tracer, i);
    if (rate > 0 && i % 10 === 9) {
      const wait = started + ((i + 1) * 1000) / rate - performance.now();
      await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
    } else if (rate === 0 && i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  await provider.forceFlush();
  const elapsed = Number(process.hrtime.bigint() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const busy = (mainThreadCpuMs() - main) * 1000;
  const bundles = (bundleProcessor?.stats.bundlesWritten ?? 0) - written;
  const foldedInline = (bundleProcessor?.stats.foldedInline ?? 0) - inline;
  await provider.shutdown();
  const spans = runs * SPANS_PER_RUN;
  return {
    usPerSpan: elapsed / spans,
    cpuUsPerSpan: (used.user + used.system) / spans,
    mainUsPerSpan: busy / spans,
    onEnd: timed?.samples ?? [],
    bundles,
    foldedInline,
  };
}

/**
 * CPU time of this process's main thread in ms: from /proc on Linux (10 ms ticks, fine over a
 * round of seconds); elsewhere the event loop's busy time, which also counts time the thread
 * was runnable but not running.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, at 100 ticks/s
  } catch {
    return performance.eventLoopUtilization().active;
  }
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

/** Options of {@link benchProcessor}. */
export interface ProcessorBenchOptions {
  /** Runs (of 10 spans) per round. Default 2000, or BENCH_RUNS. */
  runs?: number;
  /** Rounds per pipeline; medians are reported. Default 7, or BENCH_ROUNDS. */
  rounds?: number;
  /** fsync bundle files and the folder. Default true; BENCH_FSYNC=0 turns it off. */
  fsync?: boolean;
  /**
   * Runs a second of the paced rounds, a load one worker thread keeps up with here (stock and
   * worker, 4 s a round); 0 skips them. Default 500 (5,000 spans/s), or BENCH_PACED_RATE.
   */
  pacedRate?: number;
}

/**
 * Measures the stock pipeline, and the stock pipeline with RunBundleSpanProcessor writing
 * bundles on its worker thread (the default) and inline, A/B in one run.
 *
 * @example
 * for (const r of await benchProcessor({ runs: 500 })) console.log(r.name, r.value, r.ratio);
 */
export async function benchProcessor(options: ProcessorBenchOptions = {}): Promise<BenchResult[]> {
  const runs = options.runs ?? Number(process.env.BENCH_RUNS ?? 2000);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 7);
  const fsync = options.fsync ?? process.env.BENCH_FSYNC !== '0';
  const rate = options.pacedRate ?? Number(process.env.BENCH_PACED_RATE ?? 500);
  const dir = mkdtempSync(join(tmpdir(), 'wb-bench-'));
  const modes: Mode[] = ['stock', 'worker', 'inline'];
  const rows = new Map<Mode, Round[]>(modes.map((m) => [m, []]));
  const paced = new Map<Mode, Round[]>([
    ['stock', []],
    ['worker', []],
  ]);
  try {
    let n = 0;
    for (const mode of modes) await measure(mode, 200, join(dir, `warm-${n++}`), fsync);
    for (let r = 0; r < rounds; r++) {
      for (const mode of modes) {
        rows.get(mode)!.push(await measure(mode, runs, join(dir, `r${n++}`), fsync));
      }
      if (rate > 0) {
        for (const [mode, list] of paced)
          list.push(await measure(mode, rate * 4, join(dir, `p${n++}`), fsync, rate));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (mode: Mode, pick: (r: Round) => number): number =>
    percentile(rows.get(mode)!.map(pick), 50);
  const stock = median('stock', (r) => r.usPerSpan);
  const stockCpu = median('stock', (r) => r.cpuUsPerSpan);
  const stockMain = median('stock', (r) => r.mainUsPerSpan);
  const label = `fsync ${fsync ? 'on' : 'off'}`;
  const results: BenchResult[] = [
    { name: 'stock pipeline (BSP + OTLP JSON)', value: stock, unit: 'µs/span' },
    { name: 'stock pipeline, CPU all threads', value: stockCpu, unit: 'µs/span' },
    { name: "stock pipeline, application's thread CPU", value: stockMain, unit: 'µs/span' },
  ];
  for (const mode of ['worker', 'inline'] as const) {
    const wall = median(mode, (r) => r.usPerSpan);
    const cpu = median(mode, (r) => r.cpuUsPerSpan);
    const main = median(mode, (r) => r.mainUsPerSpan);
    results.push(
      {
        name: `stock + RunBundleSpanProcessor, ${mode} (${label})`,
        value: wall,
        unit: 'µs/span',
        baseline: 'stock pipeline (BSP + OTLP JSON)',
        ratio: wall / stock,
      },
      {
        name: `  CPU all threads, ${mode}`,
        value: cpu,
        unit: 'µs/span',
        baseline: 'stock pipeline, CPU all threads',
        ratio: cpu / stockCpu,
      },
      {
        name: `  application's thread CPU, ${mode}`,
        value: main,
        unit: 'µs/span',
        baseline: "stock pipeline, application's thread CPU",
        ratio: main / stockMain,
      },
    );
    const onEnd = rows.get(mode)!.flatMap((r) => r.onEnd);
    results.push(
      { name: `  onEnd p50, ${mode}`, value: percentile(onEnd, 50), unit: 'µs' },
      { name: `  onEnd p99, ${mode}`, value: percentile(onEnd, 99), unit: 'µs' },
    );
    const bundles = rows.get(mode)!.map((r) => r.bundles);
    // Every round must have written every run's bundle, or the figure means nothing.
    if (bundles.some((b) => b !== runs)) {
      throw new Error(`${mode}: expected ${runs} bundles a round, got ${bundles.join(', ')}`);
    }
  }
  results.push({
    name: '  share of runs folded inline (worker behind), worker',
    value: 100 * median('worker', (r) => r.foldedInline / r.bundles),
    unit: '%',
  });
  if (rate > 0) {
    const pick = (mode: Mode): number =>
      percentile(
        paced.get(mode)!.map((r) => r.mainUsPerSpan),
        50,
      );
    const stockName = `stock pipeline, application's thread CPU, paced at ${rate * SPANS_PER_RUN} spans/s`;
    results.push(
      { name: stockName, value: pick('stock'), unit: 'µs/span' },
      {
        name: `stock + RunBundleSpanProcessor, worker, application's thread CPU, paced`,
        value: pick('worker'),
        unit: 'µs/span',
        baseline: stockName,
        ratio: pick('worker') / pick('stock'),
      },
      {
        name: '  share of runs folded inline (worker behind), worker, paced',
        value:
          100 *
          percentile(
            paced.get('worker')!.map((r) => r.foldedInline / r.bundles),
            50,
          ),
        unit: '%',
      },
    );
    const written = paced.get('worker')!.map((r) => r.bundles);
    if (written.some((b) => b !== rate * 4)) {
      throw new Error(`paced: expected ${rate * 4} bundles a round, got ${written.join(', ')}`);
    }
  }
  return results;
}

/** What {@link benchLargeRunBlocking} measures in one round. */
type BlockingMode =
  'idle' | 'floor' | 'stock' | 'stock, spans old' | 'worker' | 'worker, spans old' | 'inline';

/**
 * A full garbage collection on demand, for the `spans old` rounds: `--expose-gc` set at run time,
 * so the bench needs no flag (the worker threads it starts inherit none).
 */
function gcOnDemand(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options?: { type: 'major' | 'minor' }) => void;
  return () => {
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    gc({ type: 'major' });
  };
}

/**
 * The application's thread doing nothing while another thread of the process allocates as a fold
 * does, for `ms`: the event-loop delay any worker thread costs on this machine. V8 runs a worker's
 * garbage collection partly on the process's shared helper threads; on 2 vCPUs these take the
 * application's core in turns.
 */
async function allocatingWorker(ms: number): Promise<{ done: Promise<void> }> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.once('message', (ms) => {
       const end = Date.now() + ms;
       let keep = [];
       while (Date.now() < end) {
         keep.push({ name: 'span ' + keep.length, attributes: { n: keep.length, s: String(Math.random()) } });
         if (keep.length > 100000) keep = [];
       }
       parentPort.postMessage('done');
     });`,
    { eval: true },
  );
  await new Promise((resolve) => worker.once('online', resolve));
  const done = new Promise<void>((resolve) => worker.once('message', () => resolve()));
  worker.postMessage(ms);
  return { done: done.then(() => worker.terminate()).then(() => undefined) };
}

/** Counts the spans whose export has succeeded. */
class CountingExporter implements SpanExporter {
  spans = 0;
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.spans += spans.length;
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

let endpoint: string | undefined;

/**
 * The URL of an OTLP/HTTP endpoint in a process of its own, as a Collector would be: it reads each
 * request and answers 200 with an empty export response. Started on first use, stopped at exit.
 */
async function collectorUrl(): Promise<string> {
  if (endpoint !== undefined) return endpoint;
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((req, res) => {
         req.on('data', () => {});
         req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); });
       }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  process.once('exit', () => child.kill());
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the OTLP endpoint exited with ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  child.unref();
  child.stdout.destroy();
  endpoint = `http://127.0.0.1:${port}/v1/traces`;
  return endpoint;
}

/** The longest gap between ticks of a 1 ms timer while `work` runs: how long a request would wait. */
async function longestDelay(work: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    await work();
    longest = Math.max(longest, performance.now() - last);
  } finally {
    clearInterval(ticker);
  }
  return longest;
}

/** One large run (a root and `spans - 1` model-call children), every child ended, the root open. */
function startLargeRun(tracer: Tracer, spans: number): Span {
  const root = tracer.startSpan('large run', { attributes: { 'workbench.run.id': 'large' } });
  const ctx = trace.setSpan(context.active(), root);
  for (let i = 1; i < spans; i++) {
    const child = tracer.startSpan(
      `chat ${i}`,
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.usage.input_tokens': i,
          'app.n': i,
        },
      },
      ctx,
    );
    child.addEvent('app.note', { 'app.message': `call ${i}` });
    child.end();
  }
  return root;
}

async function blockingRound(mode: BlockingMode, spans: number, dir: string): Promise<number> {
  if (mode === 'idle') {
    return longestDelay(() => new Promise((resolve) => setTimeout(resolve, 700)));
  }
  if (mode === 'floor') {
    // As long as the worker takes to bundle the run here (0.5-0.9 s).
    const worker = await allocatingWorker(700);
    return longestDelay(() => worker.done);
  }
  const old = mode.endsWith('spans old');
  const exporter = mode.startsWith('stock')
    ? new CountingExporter(new OTLPTraceExporter({ url: await collectorUrl() }))
    : undefined;
  const processor = exporter
    ? new BatchSpanProcessor(exporter, {
        maxQueueSize: 1_000_000,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 50,
      })
    : new RunBundleSpanProcessor({
        sink: new FileBundleSink({ directory: dir, fsync: true }),
        worker: mode !== 'inline',
        maxSpansPerTrace: spans,
      });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('bench');
  recordRun(tracer, -1); // starts the worker
  await provider.forceFlush();
  const exported = exporter?.spans ?? 0;
  const root = startLargeRun(tracer, spans);
  // A long run's spans have outlived many minor collections when its root ends: make them old.
  if (old) (collect ??= gcOnDemand())();
  // The pipelines run on their own (no forceFlush, which would export every batch at once).
  const done = exporter
    ? () => exporter.spans >= exported + spans
    : () => (processor as RunBundleSpanProcessor).stats.bundlesWritten >= 2;
  const delay = await longestDelay(async () => {
    root.end();
    const deadline = performance.now() + 120_000;
    while (!done()) {
      if (performance.now() > deadline) throw new Error(`${mode}: the large run was not done`);
      await new Promise((r) => setTimeout(r, 1));
    }
  });
  await provider.shutdown();
  return delay;
}

let collect: (() => void) | undefined;

/**
 * How long the application's thread is blocked while one large run (a root and `spans - 1`
 * children) is bundled: the longest event-loop delay between the root's end and the bundle being
 * written, with the worker and inline. Measured in the same rounds, as what it compares with:
 * the stock pipeline exporting the same spans (BatchSpanProcessor and the OTLP/HTTP exporter,
 * JSON, posting to an endpoint in another process; from the root's end until every span's export
 * has succeeded), `idle` (the timer alone) and `floor`, the delay the application's thread sees
 * while it does nothing and a worker thread of the process only allocates for as long as the
 * bundle takes. "spans old": a full collection before the root ends, as in a run that lasted
 * minutes, whose spans the young generation no longer holds; the other rounds end the root right
 * after its children (every span still young).
 *
 * @example
 * for (const r of await benchLargeRunBlocking(2000)) console.log(r.name, r.value);
 */
export async function benchLargeRunBlocking(spans = 10_000, rounds = 3): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wb-bench-'));
  const modes: BlockingMode[] = [
    'idle',
    'floor',
    'stock',
    'stock, spans old',
    'worker',
    'worker, spans old',
    'inline',
  ];
  const delays = new Map<BlockingMode, number[]>(modes.map((m) => [m, []]));
  try {
    let n = 0;
    for (let r = -1; r < rounds; r++) {
      for (const mode of modes) {
        const delay = await blockingRound(mode, spans, join(dir, `blocking-${n++}`));
        if (r >= 0) delays.get(mode)!.push(delay);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (mode: BlockingMode): number => percentile(delays.get(mode)!, 50);
  const name = (mode: BlockingMode): string =>
    mode === 'idle'
      ? 'longest event-loop delay, idle app thread, nothing else running'
      : mode === 'floor'
        ? 'longest event-loop delay, idle app thread, a worker allocating'
        : mode.startsWith('stock')
          ? `longest event-loop delay, ${spans}-span run exported, ${mode}`
          : `longest event-loop delay, ${spans}-span run bundled, ${mode}`;
  return modes.map((mode) => {
    const base: BlockingMode | null = mode.startsWith('worker')
      ? mode.endsWith('spans old')
        ? 'stock, spans old'
        : 'stock'
      : mode === 'inline'
        ? 'stock'
        : null;
    return {
      name: name(mode),
      value: median(mode),
      unit: 'ms',
      ...(base === null ? {} : { baseline: name(base), ratio: median(mode) / median(base) }),
    };
  });
}

/** Runs this bench alone. */
export async function run(): Promise<BenchResult[]> {
  const only = process.env.BENCH_PROCESSOR_ONLY;
  const rounds = Number(process.env.BENCH_BLOCKING_ROUNDS ?? 3);
  return [
    ...(only === 'blocking' ? [] : await benchProcessor()),
    ...(only === 'pipeline' ? [] : await benchLargeRunBlocking(10_000, rounds)),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults(await run());
}
