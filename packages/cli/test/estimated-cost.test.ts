import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  serializeBundle,
  type AttributeValue,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { estimateCosts, GENAI_PRICES_VERSION } from '@llm-workbench/pricing';
import * as sc from '@llm-workbench/semconv';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const T = 'fedcba9876543210fedcba9876543210';
/** 2026-01-15T09:30:00Z */
const AT = 1_768_469_400_000_000_000n;

const REPORTED = {
  [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
  [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
  [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1_000,
  [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 100,
  [sc.ATTR_MODEL_IO_COST_AMOUNT]: 0.0035,
  [sc.ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
};
const OPENAI = {
  [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
  [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-5',
  [sc.ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-5-2025-08-07',
  [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 12_000,
  [sc.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 8_192,
  [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 3_000,
  [sc.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: 2_048,
};
const ANTHROPIC = {
  [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic',
  [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'claude-sonnet-4-20250514',
  [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10_050,
  [sc.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 6_000,
  [sc.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]: 4_000,
  [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 900,
};
const UNKNOWN = {
  [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
  [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'house-model-7',
  [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 500,
  [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 50,
};

/** A run of one step with these model calls, written to a file; returns the path and bundle. */
function write(name: string, calls: Array<Record<string, AttributeValue>>) {
  const base = {
    traceId: T,
    kind: 'internal' as const,
    status: { code: 'ok' as const },
    resource: attributesFrom([['service.name', 'svc']]),
    scope: { name: 't' },
  };
  const spans: SpanRecord[] = [
    {
      ...base,
      spanId: '1000000000000001',
      name: 'run',
      startTimeUnixNano: AT,
      endTimeUnixNano: AT + 60_000_000_000n,
      attributes: attributesFrom([
        [sc.ATTR_RUN_ID, 'r1'],
        [sc.ATTR_RUN_NAME, 'priced'],
      ]),
      events: [],
    },
    {
      ...base,
      spanId: '2000000000000002',
      parentSpanId: '1000000000000001',
      name: 'step draft',
      startTimeUnixNano: AT + 1_000_000_000n,
      endTimeUnixNano: AT + 50_000_000_000n,
      attributes: attributesFrom([[sc.ATTR_STEP_ID, 'draft']]),
      events: calls.map((c, i) => ({
        name: sc.EVENT_MODEL_IO,
        timeUnixNano: AT + BigInt(i + 2) * 1_000_000_000n,
        attributes: attributesFrom(Object.entries({ [sc.ATTR_MODEL_IO_DURATION_MS]: 500, ...c })),
      })),
    },
  ];
  const bundle = sealBundle(foldRun(spans));
  const file = join(mkdtempSync(join(tmpdir(), 'wb-cli-cost-')), `${name}.json`);
  writeFileSync(file, serializeBundle(bundle));
  return { file, bundle };
}

const amountOf = (bundle: RunBundle, index: number) =>
  estimateCosts(bundle).receipts.find((r) => r.index === index)!.estimate!.amount;

describe('workbench show, estimated cost', () => {
  it('marks estimates as such, names the pricing data, and leaves reported costs plain', async () => {
    const { file, bundle } = write('run', [REPORTED, OPENAI, ANTHROPIC, UNKNOWN]);
    const text = readFileSync(file, 'utf8');
    const r = await runCli(['show', file]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n');
    const row = (model: string) =>
      rows.find((l) => l.startsWith('  draft ') && l.includes(`${model} `))!;
    expect(row('openai/gpt-4o')).toMatch(/ 0\.0035 USD /);
    expect(row('openai/gpt-4o')).not.toContain('est.');
    const openai = amountOf(bundle, 1);
    expect(row('openai/gpt-5')).toContain(
      `~${openai.toFixed(6).replace(/0{1,4}$/, '')} USD (est.)`,
    );
    expect(row('anthropic/claude-sonnet-4-20250514')).toContain('(est.)');
    expect(row('openai/house-model-7')).not.toContain('USD');
    expect(r.stdout).toMatch(/TOTAL .* 0\.0035 USD \+ ~0\.\d+ USD \(est\.\)/);
    expect(r.stdout).toContain(
      `for 2 calls that reported no cost, estimated with @pydantic/genai-prices ${GENAI_PRICES_VERSION} (not part of the bundle)`,
    );
    expect(r.stdout).toContain('#4 openai/house-model-7: "house-model-7" not in the pricing data');
    // Showing estimates changes nothing in the file.
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('adds estimatedCost, with the pricing version, to --json', async () => {
    const { file, bundle } = write('run', [REPORTED, OPENAI, ANTHROPIC, UNKNOWN]);
    const j = JSON.parse((await runCli(['show', file, '--json'])).stdout);
    expect(j.sha256).toBe(bundle.integrity.sha256);
    expect(j.estimatedCost).toEqual(JSON.parse(JSON.stringify(estimateCosts(bundle))));
    expect(j.estimatedCost.pricing).toEqual({
      source: '@pydantic/genai-prices',
      version: GENAI_PRICES_VERSION,
    });
    expect(j.estimatedCost.totals.USD).toBeCloseTo(amountOf(bundle, 1) + amountOf(bundle, 2), 12);
    // The reported total is what the bundle says, estimates apart.
    expect(j.totals.cost).toEqual({ USD: 0.0035 });
  });
});

describe('workbench diff, estimated cost', () => {
  it('compares estimated totals as cost estimated.total.USD, labelled with the pricing version', async () => {
    const a = write('a', [REPORTED, OPENAI]);
    const b = write('b', [REPORTED, OPENAI, ANTHROPIC, UNKNOWN]);
    const before = amountOf(a.bundle, 1);
    const after = before + amountOf(b.bundle, 2);
    const j = JSON.parse((await runCli(['diff', a.file, b.file, '--json'])).stdout);
    const round = (n: number) => Math.round(n * 1e9) / 1e9;
    expect(j.changes).toContainEqual({
      area: 'cost',
      subject: 'estimated.total.USD',
      before: round(before),
      after: round(after),
    });
    expect(j.changes).toContainEqual({
      area: 'cost',
      subject: 'estimated.unpriced',
      before: 0,
      after: 1,
    });
    expect(j.estimatedCost).toMatchObject({
      pricing: { source: '@pydantic/genai-prices', version: GENAI_PRICES_VERSION },
      a: { priced: 1, unpriced: 0 },
      b: { priced: 2, unpriced: 1 },
    });
    const r = await runCli(['diff', a.file, b.file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(`cost +estimated\\.total\\.USD +~${round(before)} +~${round(after)}`),
    );
    expect(r.stdout).toContain(
      `estimated.* rows: estimated with @pydantic/genai-prices ${GENAI_PRICES_VERSION}`,
    );
  });

  it('lists no estimated change when the estimates agree', async () => {
    const a = write('a', [OPENAI]);
    const j = JSON.parse((await runCli(['diff', a.file, a.file, '--json'])).stdout);
    expect(j.changes).toEqual([]);
    expect((await runCli(['diff', a.file, a.file])).stdout).not.toContain('estimated');
  });
});
