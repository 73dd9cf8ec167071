/**
 * Throughput of RFC 8785 canonicalization on a bundle-shaped document (issue #6): JSON.stringify
 * as the floor, json-canonicalize as the library we replaced, and our canonicalize with and
 * without the sha256 that sealing a bundle adds.
 *
 * Run alone: `node --conditions=source --import tsx bench/canonicalize.bench.ts`
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { canonicalize as jsonCanonicalize } from 'json-canonicalize';
import { canonicalize } from '../packages/bundle/src/canonicalize.js';
import type {
  BundleArtifact,
  BundleAttributes,
  BundleEvent,
  BundleStep,
  ModelIoReceipt,
  UnsealedRunBundle,
} from '../packages/bundle/src/types.js';
import type { BenchResult } from './result.js';
import { randomPicks } from '@llm-workbench/test-support';

/** Options of {@link benchCanonicalize}. */
export interface CanonicalizeBenchOptions {
  /** Approximate size of the generated document, in bytes of JSON. Default 200 000. */
  targetBytes?: number;
  /** Timed rounds per candidate; the median round is reported. Default 15. */
  rounds?: number;
  /** Minimum duration of one round, in milliseconds. Default 100. */
  roundMs?: number;
  /** Seed of the document generator. Default 1. */
  seed?: number;
}

const defaults: Required<CanonicalizeBenchOptions> = {
  targetBytes: 200_000,
  rounds: 15,
  roundMs: 100,
  seed: 1,
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Measures MB/s (10^6 bytes of canonical JSON per second, median of `rounds`) of JSON.stringify,
 * json-canonicalize and canonicalize, each alone and followed by sha256, on one generated
 * bundle-shaped document, with ratios against JSON.stringify and json-canonicalize.
 *
 * @example
 * ```ts
 * for (const r of await benchCanonicalize({ rounds: 5 })) console.log(r.name, r.value, r.ratio);
 * ```
 */
export async function benchCanonicalize(
  options: CanonicalizeBenchOptions = {},
): Promise<BenchResult[]> {
  const { targetBytes, rounds, roundMs, seed } = { ...defaults, ...options };
  const document = makeBundleDocument(targetBytes, seed);
  const expected = jsonCanonicalize(document);
  if (canonicalize(document) !== expected) {
    throw new Error('canonicalize and json-canonicalize disagree on the bench document');
  }
  const bytes = Buffer.byteLength(expected, 'utf8');

  const candidates: [string, () => string][] = [
    ['JSON.stringify', () => JSON.stringify(document)],
    ['JSON.stringify+sha256', () => sha256(JSON.stringify(document))],
    ['json-canonicalize', () => jsonCanonicalize(document)],
    ['json-canonicalize+sha256', () => sha256(jsonCanonicalize(document))],
    ['canonicalize', () => canonicalize(document)],
    ['canonicalize+sha256', () => sha256(canonicalize(document))],
  ];
  const nsPerOp = await measure(candidates, rounds, roundMs);
  const mbPerSecond = new Map(
    candidates.map(([name], i) => [name, (bytes / nsPerOp[i]!) * 1000] as const),
  );
  const result = (name: string, baseline?: string): BenchResult => {
    const value = mbPerSecond.get(name)!;
    if (baseline === undefined) return { name, value, unit: 'MB/s' };
    return { name, value, unit: 'MB/s', baseline, ratio: value / mbPerSecond.get(baseline)! };
  };
  return [
    result('JSON.stringify'),
    result('JSON.stringify+sha256'),
    result('json-canonicalize', 'JSON.stringify'),
    result('json-canonicalize+sha256', 'JSON.stringify+sha256'),
    result('canonicalize', 'JSON.stringify'),
    { ...result('canonicalize', 'json-canonicalize'), name: 'canonicalize vs json-canonicalize' },
    // Issue #6's target: at least 0.8.
    result('canonicalize+sha256', 'JSON.stringify'),
    {
      ...result('canonicalize+sha256', 'JSON.stringify+sha256'),
      name: 'canonicalize+sha256 vs JSON.stringify+sha256',
    },
  ];
}

/** Median nanoseconds per call of each candidate; rounds interleave the candidates. */
async function measure(
  candidates: readonly [string, () => string][],
  rounds: number,
  roundMs: number,
): Promise<number[]> {
  let sink = 0;
  for (const [, run] of candidates) {
    const until = performance.now() + roundMs * 3;
    while (performance.now() < until) sink += run().length;
  }
  const samples: number[][] = candidates.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, [, run]] of candidates.entries()) {
      const start = performance.now();
      let calls = 0;
      let elapsed = 0;
      do {
        sink += run().length;
        calls++;
        elapsed = performance.now() - start;
      } while (elapsed < roundMs);
      samples[i]!.push((elapsed * 1e6) / calls);
    }
    // Let timers and GC bookkeeping run between rounds.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (sink === 0) throw new Error('nothing was measured');
  return samples.map((s) => {
    const sorted = s.sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  });
}

/**
 * A deterministic run bundle of about `targetBytes` bytes of JSON, built like the fold builds
 * one: members in declaration order (so mostly not sorted), ids in hex, RFC 3339 times, token
 * counts, model inputs and outputs with newlines, quotes and some non-ASCII text, and unknown
 * events whose attributes are null-prototype records.
 *
 * @example
 * ```ts
 * const bundle = makeBundleDocument(200_000);
 * ```
 */
export function makeBundleDocument(targetBytes = 200_000, seed = 1): UnsealedRunBundle {
  const { random, int, pick, hex } = randomPicks(seed);
  const two = (n: number): string => String(n).padStart(2, '0');
  let clock = 0;
  const time = (): string => {
    clock += int(2_000_000);
    const seconds = Math.floor(clock / 1e6);
    const micros = String(clock % 1e6).padStart(6, '0');
    return `2026-11-26T10:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}.${micros}Z`;
  };
  const words = [
    'the',
    'plan',
    'agent',
    'reviews',
    'a',
    'draft',
    'and',
    'calls',
    'tool',
    'results',
    'of',
    'step',
    'function',
    'returns',
    'JSON',
    'with',
    'keys',
    'value',
    'error',
    'retry',
    'summary',
  ];
  const spice = ['"quoted"', 'C:\\path', 'café', 'naïve', '東京', 'emoji 🙂', '\n\n', '\t', '<b>'];
  const text = (count: number): string => {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(random() < 0.06 ? pick(spice) : pick(words));
    return out.join(' ');
  };
  const status = () =>
    random() < 0.85
      ? { code: 'ok' as const, message: null }
      : { code: 'error' as const, message: text(6) };
  const contentRef = (length: number) => ({
    sha256: hex(64),
    content: text(length),
    omitted: null,
  });

  const runStart = time();
  const bundle: UnsealedRunBundle = {
    schemaVersion: 3,
    run: {
      traceId: hex(32),
      runId: `run-${hex(12)}`,
      name: 'research-and-draft',
      service: 'workbench-agent',
      rootSpanId: hex(16),
      startTime: runStart,
      endTime: null,
      durationMs: null,
      status: { code: 'ok', message: null },
      complete: true,
      workflowSnapshot: {
        id: 'research-and-draft',
        revision: 'r42',
        sha256: hex(64),
        definition: {
          nodes: [
            { id: 'plan', kind: 'llm' },
            { id: 'search', kind: 'tool' },
            { id: 'draft', kind: 'llm' },
            { id: 'approve', kind: 'gate' },
          ],
          edges: [
            ['plan', 'search'],
            ['search', 'draft'],
            ['draft', 'approve'],
          ],
        },
      },
      spanCount: 0,
    },
    steps: [],
    events: [],
    model_io: [],
    artifacts: [],
    diagnostics: [],
  };

  let size = 0;
  let stepNumber = 0;
  while (size < targetBytes) {
    // Grow in batches and re-measure: cheaper than stringifying after every step.
    for (let batch = 0; batch < 20; batch++) {
      stepNumber++;
      const spanId = hex(16);
      const stepId = `step-${stepNumber}`;
      const kind = pick(['llm', 'tool', 'gate', null]);
      const name = `${pick(words)}-${pick(words)}`;
      const step: BundleStep = {
        stepId,
        kind,
        name,
        spanId,
        parentSpanId: bundle.run.rootSpanId,
        parentStepId: stepNumber > 1 && random() < 0.3 ? `step-${stepNumber - 1}` : null,
        startTime: time(),
        endTime: time(),
        durationMs: int(20_000) / 1000,
        status: status(),
        vocabularies: ['workbench'],
      };
      bundle.steps.push(step);
      const events: BundleEvent[] = [
        { time: step.startTime, spanId, stepId, type: 'step_started', name, kind },
        {
          time: time(),
          spanId,
          stepId,
          type: 'model_io',
          provider: 'openai',
          model: 'gpt-4o',
          inputTokens: int(8000),
          outputTokens: int(2000),
          durationMs: int(30_000),
        },
        { time: step.endTime, spanId, stepId, type: 'step_ended', name, status: step.status },
      ];
      if (random() < 0.3) {
        const attributes: BundleAttributes = Object.create(null) as BundleAttributes;
        attributes['tool.name'] = pick(['search', 'fetch', 'python']);
        attributes['tool.retries'] = int(3);
        attributes['tool.cached'] = random() < 0.5;
        attributes['tool.args'] = [text(3), int(100)];
        events.push({
          time: time(),
          spanId,
          stepId,
          type: 'unknown',
          name: 'tool.call',
          attributes,
        });
      }
      bundle.events.push(...events);
      if (kind === 'llm' || random() < 0.5) {
        const receipt: ModelIoReceipt = {
          source: 'event',
          time: time(),
          operation: 'chat',
          provider: 'openai',
          providerRaw: 'openai',
          model: 'gpt-4o',
          responseModel: 'gpt-4o-2024-08-06',
          usage: {
            inputTokens: int(8000),
            outputTokens: int(2000),
            cacheReadInputTokens: random() < 0.5 ? int(4000) : null,
            cacheWriteInputTokens: null,
            reasoningOutputTokens: null,
          },
          durationMs: int(30_000),
          cost: { amount: int(100_000) / 1_000_000, currency: 'USD' },
          stepId,
          spanId,
          input: contentRef(25),
          output: contentRef(40),
          status: null,
          sources: [],
          vocabularies: ['workbench'],
        };
        bundle.model_io.push(receipt);
      }
      if (random() < 0.25) {
        const artifact: BundleArtifact = {
          key: `draft/${pick(words)}.md`,
          version: int(5) + 1,
          sha256: hex(64),
          mediaType: 'text/markdown',
          size: int(50_000),
          parentVersion: null,
          content: text(30),
          patch: null,
          patchSha256: null,
          omitted: { content: null, patch: null },
          stepId,
          spanId,
          time: time(),
        };
        bundle.artifacts.push(artifact);
      }
    }
    size = Buffer.byteLength(JSON.stringify(bundle), 'utf8');
  }
  bundle.run.endTime = time();
  bundle.run.durationMs = Math.floor(clock / 1000);
  bundle.run.spanCount = bundle.steps.length + 1;
  bundle.diagnostics.push({
    code: 'missing_parent',
    message: 'span refers to a parent that never arrived',
    spanId: hex(16),
    subject: null,
  });
  return bundle;
}

function print(results: readonly BenchResult[]): void {
  for (const r of results) {
    const ratio = r.ratio === undefined ? '' : `  ${r.ratio.toFixed(2)}x ${r.baseline}`;
    console.log(`${r.name.padEnd(46)} ${r.value.toFixed(1).padStart(8)} ${r.unit}${ratio}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const document = makeBundleDocument();
  const bytes = Buffer.byteLength(JSON.stringify(document), 'utf8');
  console.log(
    `bundle-shaped document: ${bytes} bytes, ${document.steps.length} steps, ` +
      `${document.events.length} events, ${document.model_io.length} model_io, ` +
      `${document.artifacts.length} artifacts; node ${process.version}`,
  );
  print(await benchCanonicalize());
}
