/**
 * Where the time of one bundle goes: each stage of the processor's pipeline on a finished 10-span
 * run (bench/workload.ts), in µs per run. Inline, the application's thread does them all; with
 * the worker, it does only `encode+clone` (structured clone, as postMessage does) and the worker
 * does the rest (`decode` in place of `convert`). The write is FileBundleSink's, one bundle at a
 * time, so its figure is latency; concurrent writes share the folder fsync.
 *
 * Run alone: node --conditions=source --import tsx bench/pipeline-stages.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { pathToFileURL } from 'node:url';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { foldRun, sealBundle, serializeBundle, type RunBundle } from '@llm-workbench/bundle';
import { spanRecordFromReadableSpan } from '@llm-workbench/processor';
import { FileBundleSink } from '@llm-workbench/sink';
import { decodeBatch, encodeBatch } from '../packages/processor/src/span-transfer.js';
import { printResults } from './print-results.js';
import type { BenchResult } from './result.js';
import { recordRun, SPANS_PER_RUN } from './workload.js';

/**
 * Median µs per run of each stage, over `rounds` rounds of `runs` runs.
 *
 * @example
 * printResults(await benchPipelineStages({ runs: 200 }));
 */
export async function benchPipelineStages(
  options: { runs?: number; rounds?: number } = {},
): Promise<BenchResult[]> {
  const runs = options.runs ?? 500;
  const rounds = options.rounds ?? 7;
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  for (let i = 0; i < runs; i++) recordRun(provider.getTracer('bench'), i);
  const spans = memory.getFinishedSpans();
  const traces: ReadableSpan[][] = [];
  for (let i = 0; i < spans.length; i += SPANS_PER_RUN)
    traces.push(spans.slice(i, i + SPANS_PER_RUN));
  const items = traces.map((t) => ({ spans: t, truncated: false }));
  const dir = mkdtempSync(join(tmpdir(), 'wb-stages-'));
  const stages = [
    'convert',
    'fold',
    'seal',
    'serialize',
    'write (fsync off)',
    'write (fsync on)',
    'encode+clone',
    'decode',
  ] as const;
  const samples = new Map<string, number[]>(stages.map((s) => [s, []]));
  try {
    for (let round = -1; round < rounds; round++) {
      const t = new Map<string, number>(stages.map((s) => [s, 0]));
      const lap = (stage: string, since: number): number => {
        const now = performance.now();
        t.set(stage, t.get(stage)! + now - since);
        return now;
      };
      const sealed: RunBundle[] = [];
      for (const trace of traces) {
        let at = performance.now();
        const records = trace.map(spanRecordFromReadableSpan);
        at = lap('convert', at);
        const unsealed = foldRun(records);
        at = lap('fold', at);
        const bundle = sealBundle(unsealed);
        at = lap('seal', at);
        serializeBundle(bundle).charCodeAt(0);
        lap('serialize', at);
        sealed.push(bundle);
      }
      for (const fsync of [false, true]) {
        const sink = new FileBundleSink({ directory: join(dir, `${round}-${fsync}`), fsync });
        await sink.write(sealed[0]!); // creates the folder
        for (const bundle of sealed.slice(1)) {
          const at = performance.now();
          await sink.write(bundle);
          lap(`write (fsync ${fsync ? 'on' : 'off'})`, at);
        }
      }
      for (const item of items) {
        let at = performance.now();
        const bytes = serialize(encodeBatch([item]));
        at = lap('encode+clone', at);
        for (const trace of decodeBatch(encodeBatch([item]))) if (trace.records.length === 0) break;
        lap('decode', at);
        if (bytes.length === 0) throw new Error('nothing encoded');
      }
      if (round < 0) continue;
      for (const stage of stages) {
        const per = stage.startsWith('write') ? sealed.length - 1 : traces.length;
        samples.get(stage)!.push((t.get(stage)! / per) * 1000);
      }
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return stages.map((stage) => {
    const s = samples.get(stage)!.sort((a, b) => a - b);
    return { name: `stage: ${stage}`, value: s[Math.floor(s.length / 2)]!, unit: 'µs/run' };
  });
}

/** Runs this bench. */
export async function run(): Promise<BenchResult[]> {
  return benchPipelineStages();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults(await run());
}
