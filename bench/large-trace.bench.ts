/**
 * Target 5 of issue #6: a 10,000-span trace from an OTLP file to a verified bundle in under one
 * second. The trace is an agent run as an instrumented app records it (bench/large-trace.ts),
 * written as one OTLP/JSON document. Timed, each stage and the whole: read the file, decode it
 * (`decodeOtlpJson`: exact 64-bit times, per-span validation), fold, seal, serialize, verify the
 * bundle text. The baseline is `JSON.parse` of the same file text, measured in the same run.
 *
 * Environment: BENCH_LARGE_SPANS (default 10000), BENCH_LARGE_ROUNDS (default 7).
 * Run alone: node --conditions=source --import tsx bench/large-trace.bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  foldRun,
  sealBundle,
  serializeBundle,
  verifyBundle,
  type RunBundle,
} from '@llm-workbench/bundle';
import { decodeOtlpJson, encodeOtlpJson } from '../packages/otlp/src/index.js';
import { makeLargeTrace } from './large-trace.js';
import { printResults } from './print-results.js';
import type { BenchResult } from './result.js';

/** Options of {@link benchLargeTrace}. */
export interface LargeTraceBenchOptions {
  /** Spans in the trace. Default 10 000, or BENCH_LARGE_SPANS. */
  spans?: number;
  /** Timed rounds; medians are reported. Default 7, or BENCH_LARGE_ROUNDS. */
  rounds?: number;
}

const STAGES = ['read', 'decode', 'fold', 'seal', 'serialize', 'verify'] as const;
type Stage = (typeof STAGES)[number];

/**
 * Writes a large trace as an OTLP/JSON file, then times file → verified bundle against
 * `JSON.parse` of the file.
 *
 * @example
 * for (const r of await benchLargeTrace({ spans: 2000 })) console.log(r.name, r.value);
 */
export async function benchLargeTrace(
  options: LargeTraceBenchOptions = {},
): Promise<BenchResult[]> {
  const spanCount = options.spans ?? Number(process.env.BENCH_LARGE_SPANS ?? 10_000);
  const rounds = options.rounds ?? Number(process.env.BENCH_LARGE_ROUNDS ?? 7);
  const dir = mkdtempSync(join(tmpdir(), 'wb-large-'));
  const file = join(dir, 'trace.otlp.json');
  try {
    writeFileSync(file, JSON.stringify(encodeOtlpJson(makeLargeTrace(spanCount))));
    const samples = new Map<Stage | 'total' | 'JSON.parse', number[]>();
    const add = (name: Stage | 'total' | 'JSON.parse', ms: number): void => {
      samples.set(name, [...(samples.get(name) ?? []), ms]);
    };
    let fileBytes = 0;
    let bundleBytes = 0;
    let bundle: RunBundle | undefined;
    for (let round = -1; round < rounds; round++) {
      // Baseline first, on its own read of the file.
      const baselineText = await readFile(file, 'utf8');
      let t = performance.now();
      JSON.parse(baselineText);
      const parseMs = performance.now() - t;

      const times: Partial<Record<Stage, number>> = {};
      const lap = (stage: Stage): void => {
        const now = performance.now();
        times[stage] = now - t;
        t = now;
      };
      const start = performance.now();
      t = start;
      const text = await readFile(file, 'utf8');
      lap('read');
      const decoded = decodeOtlpJson(text);
      if (!decoded.ok || decoded.rejected.length > 0 || decoded.spans.length !== spanCount) {
        throw new Error('the generated trace did not decode whole');
      }
      lap('decode');
      const unsealed = foldRun(decoded.spans);
      lap('fold');
      bundle = sealBundle(unsealed);
      lap('seal');
      const bytes = serializeBundle(bundle);
      lap('serialize');
      const verified = verifyBundle(bytes);
      lap('verify');
      const totalMs = performance.now() - start;
      if (!verified.ok)
        throw new Error(`the bundle does not verify: ${verified.problems[0]?.message}`);
      fileBytes = Buffer.byteLength(text);
      bundleBytes = Buffer.byteLength(bytes);
      if (round < 0) continue; // warm-up
      add('JSON.parse', parseMs);
      add('total', totalMs);
      for (const stage of STAGES) add(stage, times[stage]!);
      await new Promise((r) => setImmediate(r));
    }
    const median = (name: Stage | 'total' | 'JSON.parse'): number => {
      const s = [...(samples.get(name) ?? [])].sort((a, b) => a - b);
      return s[Math.floor(s.length / 2)] ?? Number.NaN;
    };
    const parse = median('JSON.parse');
    const baseline = `JSON.parse of the file (${(fileBytes / 1e6).toFixed(1)} MB)`;
    const run = bundle!.run;
    return [
      { name: baseline, value: parse, unit: 'ms' },
      {
        name: `${spanCount}-span OTLP file → verified bundle (${(bundleBytes / 1e6).toFixed(2)} MB)`,
        value: median('total'),
        unit: 'ms',
        baseline,
        ratio: median('total') / parse,
      },
      ...STAGES.map((stage) => ({ name: `  ${stage}`, value: median(stage), unit: 'ms' })),
      {
        name: `  bundle: ${bundle!.steps.length} steps, ${bundle!.events.length} events, ${bundle!.model_io.length} receipts, complete ${run.complete}`,
        value: run.spanCount,
        unit: 'spans',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs this bench. */
export async function run(): Promise<BenchResult[]> {
  return benchLargeTrace();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults(await run());
}
