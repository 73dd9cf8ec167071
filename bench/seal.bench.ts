/**
 * Issue #13, target 2: canonical bytes plus sha256 at 0.95× the speed of JSON.stringify plus
 * sha256 of the same document or better, on bundles as the fold makes them (members already in
 * canonical order). Two bundles: a 10-span run (bench/workload.ts) and a 10,000-span run
 * (bench/large-trace.ts). Also sealing as the pipeline does it, `sealBundle` then
 * `serializeBundle` (hash of the integrity view, file text with `integrity` in it), against the
 * same baseline. Outputs are checked first: canonicalize against json-canonicalize, the sealed
 * file against json-canonicalize of the sealed bundle, its sha256 against json-canonicalize of
 * the integrity view.
 *
 * CPU time (process.cpuUsage: user + system, all threads, so GC helpers count) per call. After a
 * warm-up, rounds run every candidate once each, in an order rotated every round, each for
 * `BENCH_ROUND_MS` of CPU time. Speeds are MB of canonical JSON per CPU second; each ratio is
 * the median over rounds of (baseline CPU / candidate CPU) within a round, with its range (above
 * 1: faster than the baseline). The machine is shared: read ratios, not absolute figures.
 *
 * Run alone: node --conditions=source --import tsx bench/seal.bench.ts
 * Environment: BENCH_ROUNDS (default 11), BENCH_ROUND_MS (default 150), BENCH_SEAL_SPANS (the
 * large run's spans, default 10000), BENCH_SEAL_PROFILE (a number of calls: only run the loop to
 * profile, see profileLoop), BENCH_SEAL_PROFILE_RUN (`small` for the 10-span run).
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { canonicalize as jsonCanonicalize } from 'json-canonicalize';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  canonicalize,
  foldRun,
  integrityView,
  sealBundle,
  serializeBundle,
  type UnsealedRunBundle,
} from '@llm-workbench/bundle';
import { spanRecordFromReadableSpan } from '@llm-workbench/processor';
import { makeLargeTrace } from './large-trace.js';
import { printResults } from './print-results.js';
import type { BenchResult } from './result.js';
import { recordRun } from './workload.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function smallBundle(): UnsealedRunBundle {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  recordRun(provider.getTracer('bench'), 1);
  return foldRun(memory.getFinishedSpans().map(spanRecordFromReadableSpan));
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** CPU microseconds per call of `run`, calling it for at least `ms` of CPU time. */
function cpuPerCall(run: () => unknown, ms: number): number {
  let calls = 0;
  const start = cpuMicros();
  let used = 0;
  do {
    run();
    calls++;
    used = cpuMicros() - start;
  } while (used < ms * 1000);
  return used / calls;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Per-call CPU microseconds of each candidate in each round, rounds rotating the order. */
async function measure(
  candidates: readonly (() => unknown)[],
  rounds: number,
  roundMs: number,
): Promise<number[][]> {
  for (let i = 0; i < 2; i++) for (const run of candidates) cpuPerCall(run, roundMs);
  const perCall: number[][] = candidates.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < candidates.length; k++) {
      const c = (round + k) % candidates.length;
      perCall[c]!.push(cpuPerCall(candidates[c]!, roundMs));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return perCall;
}

/** Throws unless canonicalize and sealing give json-canonicalize's bytes for `bundle`. */
function checkOutputs(label: string, bundle: UnsealedRunBundle): string {
  const text = canonicalize(bundle);
  if (text !== jsonCanonicalize(bundle))
    throw new Error(`${label}: differs from json-canonicalize`);
  const sealed = sealBundle(bundle);
  if (serializeBundle(sealed) !== `${jsonCanonicalize(sealed)}\n`)
    throw new Error(`${label}: the sealed file differs from json-canonicalize`);
  if (sealed.integrity.sha256 !== sha256(jsonCanonicalize(integrityView(bundle))))
    throw new Error(`${label}: the seal's sha256 is not that of the integrity view`);
  return text;
}

/**
 * Speed of canonicalize+sha256 and of sealBundle+serializeBundle on fold output, each against
 * JSON.stringify+sha256 of the same bundle (and the parts alone, for what they cost).
 *
 * @example
 * printResults(await benchSeal({ rounds: 5 }));
 */
export async function benchSeal(
  options: { rounds?: number; roundMs?: number; spans?: number } = {},
): Promise<BenchResult[]> {
  const rounds = options.rounds ?? Number(process.env['BENCH_ROUNDS'] ?? 11);
  const roundMs = options.roundMs ?? Number(process.env['BENCH_ROUND_MS'] ?? 150);
  const spans = options.spans ?? Number(process.env['BENCH_SEAL_SPANS'] ?? 10_000);
  const results: BenchResult[] = [];
  for (const [label, bundle] of [
    ['10-span run', smallBundle()],
    [`${spans.toLocaleString('en')}-span run`, foldRun(makeLargeTrace(spans))],
  ] as const) {
    const mb = Buffer.byteLength(checkOutputs(label, bundle)) / 1e6;
    const BASELINE = 'JSON.stringify+sha256';
    const candidates: [string, () => unknown][] = [
      [BASELINE, () => sha256(JSON.stringify(bundle))],
      ['canonicalize+sha256', () => sha256(canonicalize(bundle))],
      // charCodeAt flattens the text, as writing it would.
      ['sealBundle+serializeBundle', () => serializeBundle(sealBundle(bundle)).charCodeAt(0)],
      ['JSON.stringify', () => JSON.stringify(bundle)],
      ['canonicalize', () => canonicalize(bundle)],
    ];
    const perCall = await measure(
      candidates.map(([, run]) => run),
      rounds,
      roundMs,
    );
    const speed = (us: number): number => mb / (us / 1e6);
    results.push({
      name: `${BASELINE}, ${label} (${(mb * 1000).toFixed(1)} kB)`,
      value: speed(median(perCall[0]!)),
      unit: 'MB/CPU-s',
    });
    for (let c = 1; c < candidates.length; c++) {
      const name = candidates[c]![0];
      // JSON.stringify alone is the baseline of canonicalize alone; the rest compare to [0].
      const base = name === 'canonicalize' ? 3 : 0;
      const ratios = perCall[c]!.map((us, round) => perCall[base]![round]! / us).sort(
        (a, b) => a - b,
      );
      results.push({
        name: `  ${name}, ${label}`,
        value: speed(median(perCall[c]!)),
        unit: `MB/CPU-s (range ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)})`,
        baseline: candidates[base]![0],
        ratio: median(ratios),
      });
    }
  }
  return results;
}

/** Runs this bench. */
export async function run(): Promise<BenchResult[]> {
  return benchSeal();
}

/**
 * For a CPU profile (`BENCH_SEAL_PROFILE=<calls>` with `node --cpu-prof`): alternates the baseline
 * and canonicalize+sha256 on the large run (the 10-span run with `BENCH_SEAL_PROFILE_RUN=small`), through named functions so that the profile tells
 * the two apart (bench/cpu-profile-top.ts lists `baselineStringify`, `stringifyIfCanonical`,
 * `inOrder`, `hasSurrogateEscape`; sha256's `update` is shared by both).
 */
function profileLoop(calls: number, bundle: UnsealedRunBundle): void {
  // Declarations, not arrows: esbuild would leave arrows anonymous in the profile.
  function baselineStringify(): string {
    return JSON.stringify(bundle);
  }
  function baseline(): string {
    return sha256(baselineStringify());
  }
  function ours(): string {
    return sha256(canonicalize(bundle));
  }
  for (let i = 0; i < calls; i++) if (baseline() !== ours()) throw new Error('not canonical');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const profileCalls = Number(process.env['BENCH_SEAL_PROFILE'] ?? 0);
  if (profileCalls > 0) {
    const spans = Number(process.env['BENCH_SEAL_SPANS'] ?? 10_000);
    profileLoop(
      profileCalls,
      process.env['BENCH_SEAL_PROFILE_RUN'] === 'small'
        ? smallBundle()
        : foldRun(makeLargeTrace(spans)),
    );
  } else {
    printResults(await run());
  }
}
