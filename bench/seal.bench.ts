/**
 * Target 2 of issue #6, the part in the fold: canonicalize plus sha256 at 0.8× JSON.stringify's
 * speed or better, on bundles as the fold makes them (members already in canonical order, so
 * canonicalize copies nothing), and sealing as the pipeline does it: `sealBundle` then
 * `serializeBundle`, one canonicalization for both the hash and the file's bytes. Two bundles:
 * a 10-span run (bench/workload.ts) and a 10,000-span run (bench/large-trace.ts). Speeds are MB/s
 * of canonical JSON (higher is better); ratios are against JSON.stringify of the same bundle,
 * measured in the same run, rounds interleaved. The output is checked against json-canonicalize.
 *
 * Run alone: node --conditions=source --import tsx bench/seal.bench.ts
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

/** Median nanoseconds per call of each candidate, rounds interleaved. */
async function measure(
  candidates: readonly (() => unknown)[],
  rounds: number,
  roundMs: number,
): Promise<number[]> {
  const samples: number[][] = candidates.map(() => []);
  for (let round = -1; round < rounds; round++) {
    for (const [i, run] of candidates.entries()) {
      const start = performance.now();
      let calls = 0;
      let elapsed = 0;
      do {
        run();
        calls++;
        elapsed = performance.now() - start;
      } while (elapsed < roundMs);
      if (round >= 0) samples[i]!.push((elapsed * 1e6) / calls);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!);
}

/**
 * Speed of JSON.stringify, canonicalize, canonicalize+sha256 and seal+serialize on fold output.
 *
 * @example
 * printResults(await benchSeal({ rounds: 5 }));
 */
export async function benchSeal(
  options: { rounds?: number; roundMs?: number } = {},
): Promise<BenchResult[]> {
  const rounds = options.rounds ?? 11;
  const roundMs = options.roundMs ?? 150;
  const results: BenchResult[] = [];
  for (const [label, bundle] of [
    ['10-span run', smallBundle()],
    ['10,000-span run', foldRun(makeLargeTrace(10_000))],
  ] as const) {
    const text = canonicalize(bundle);
    if (text !== jsonCanonicalize(bundle))
      throw new Error(`${label}: differs from json-canonicalize`);
    const mb = Buffer.byteLength(text) / 1e6;
    const names = [
      'JSON.stringify',
      'canonicalize',
      'canonicalize+sha256',
      'sealBundle+serializeBundle',
    ] as const;
    const ns = await measure(
      [
        () => JSON.stringify(bundle),
        () => canonicalize(bundle),
        () => sha256(canonicalize(bundle)),
        () => serializeBundle(sealBundle(bundle)).charCodeAt(0), // flattened, as a write would
      ],
      rounds,
      roundMs,
    );
    const speed = ns.map((n) => (mb * 1e9) / n);
    const base = `JSON.stringify, ${label}`;
    results.push({
      name: `${base} (${(mb * 1000).toFixed(1)} kB)`,
      value: speed[0]!,
      unit: 'MB/s',
    });
    for (let i = 1; i < names.length; i++) {
      results.push({
        name: `  ${names[i]}, ${label}`,
        value: speed[i]!,
        unit: 'MB/s',
        baseline: 'JSON.stringify',
        ratio: speed[i]! / speed[0]!,
      });
    }
  }
  return results;
}

/** Runs this bench. */
export async function run(): Promise<BenchResult[]> {
  return benchSeal();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults(await run());
}
