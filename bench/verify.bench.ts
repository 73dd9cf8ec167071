/**
 * Issue #13, target 4: what verifying a large bundle costs, against `JSON.parse` of its text.
 * Every view (`show`, `diff`, `render`) and `import` verifies first, so this bounds them. Measured
 * on a bundle of the agent run of bench/large-trace.ts (`BENCH_VERIFY_SPANS`, default 150,000
 * spans in steps of 100): `verifyBundle` whole, and its parts as it runs them: the duplicate-key
 * check (the fast proof for canonical text, and the exact scan it falls back to, which verify ran
 * every time before), the integrity view canonicalized and hashed, the zod schema, and the
 * content commitments.
 *
 * CPU time (process.cpuUsage, all threads) per call; rounds run every candidate once, in an order
 * rotated every round; each ratio is the median over rounds of candidate / `JSON.parse` within
 * the round (below 1: cheaper than parsing), with its range.
 *
 * Run alone: node --max-old-space-size=6000 --conditions=source --import tsx bench/verify.bench.ts
 * Environment: BENCH_ROUNDS (default 5), BENCH_VERIFY_SPANS (default 150000).
 */
import { createHash, hash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  anyRunBundleSchema,
  bundleRun,
  canonicalize,
  contentMembers,
  integrityView,
  serializeBundle,
  verifyBundle,
  type RunBundle,
} from '@llm-workbench/bundle';
import { findDuplicateKeys, scanDuplicateKeys } from '../packages/bundle/src/duplicate-keys.js';
import { makeLargeTrace } from './large-trace.js';
import { printResults } from './print-results.js';
import type { BenchResult } from './result.js';

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * CPU milliseconds of `verifyBundle` and its parts on one large bundle, each with its ratio to
 * `JSON.parse` of the same text.
 *
 * @example
 * printResults(benchVerify({ rounds: 3, spans: 50_000 }));
 */
export function benchVerify(options: { rounds?: number; spans?: number } = {}): BenchResult[] {
  const rounds = options.rounds ?? Number(process.env['BENCH_ROUNDS'] ?? 5);
  const spans = options.spans ?? Number(process.env['BENCH_VERIFY_SPANS'] ?? 150_000);
  const text = serializeBundle(bundleRun(makeLargeTrace(spans)));
  const verdict = verifyBundle(text);
  if (!verdict.ok) throw new Error('the bench bundle does not verify');
  if (scanDuplicateKeys(text).length > 0) throw new Error('the bench bundle has duplicate keys');
  const parsed = JSON.parse(text) as RunBundle;
  const { integrity: _integrity, ...whole } = parsed;
  const BASELINE = 'JSON.parse';
  const candidates: [string, () => unknown][] = [
    [BASELINE, () => JSON.parse(text)],
    ['verifyBundle', () => verifyBundle(text)],
    ['  duplicate keys: fast proof (findDuplicateKeys)', () => findDuplicateKeys(text)],
    ['  duplicate keys: exact scan (before)', () => scanDuplicateKeys(text)],
    [
      '  integrity view: canonicalize + sha256',
      () =>
        createHash('sha256')
          .update(canonicalize(integrityView(whole)))
          .digest('hex'),
    ],
    ['  zod schema', () => anyRunBundleSchema.safeParse(parsed)],
    [
      '  content commitments (sha256 of each)',
      () => {
        for (const m of contentMembers(parsed)) {
          const content = m.holder[m.key];
          if (typeof content === 'string') hash('sha256', content, 'hex');
        }
      },
    ],
  ];
  candidates[0]![1]();
  for (const [, run] of candidates) run(); // warm up
  const ms: number[][] = candidates.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < candidates.length; k++) {
      const c = (round + k) % candidates.length;
      const start = cpuMs();
      candidates[c]![1]();
      ms[c]!.push(cpuMs() - start);
    }
  }
  const mb = (Buffer.byteLength(text) / 1e6).toFixed(1);
  const results: BenchResult[] = [
    {
      name: `${BASELINE}, ${spans.toLocaleString('en')}-span bundle (${mb} MB)`,
      value: median(ms[0]!),
      unit: 'CPU ms',
    },
  ];
  for (let c = 1; c < candidates.length; c++) {
    const ratios = ms[c]!.map((m, round) => m / ms[0]![round]!).sort((a, b) => a - b);
    results.push({
      name: candidates[c]![0],
      value: median(ms[c]!),
      unit: `CPU ms (range ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)})`,
      baseline: BASELINE,
      ratio: median(ratios),
    });
  }
  return results;
}

/** Runs this bench. */
export function run(): Promise<BenchResult[]> {
  return Promise.resolve(benchVerify());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults(benchVerify());
}
