import { calcPrice } from '@pydantic/genai-prices';
import {
  computeIntegrity,
  serializeBundle,
  verifyBundle,
  type RunBundle,
} from '@llm-workbench/bundle';
import { describe, expect, it } from 'vitest';
import { estimateCosts, PRICING_SOURCE } from '../src/index.js';
import {
  ANTHROPIC_CACHED,
  bundleWith,
  OPENAI_CACHED_REASONING,
  REPORTED,
  UNKNOWN_MODEL,
} from './fixtures.js';

/** A receipt's time as a Date (bundle times have microseconds; the test fixtures none). */
function receiptDate(bundle: RunBundle, i: number): Date {
  return new Date(bundle.model_io[i]!.time!.replace(/(\.\d{3})\d{3}Z$/, '$1Z'));
}

describe('estimateCosts', () => {
  it('estimates the calls that reported no cost, as the library prices them', () => {
    const bundle = bundleWith([REPORTED, OPENAI_CACHED_REASONING, ANTHROPIC_CACHED, UNKNOWN_MODEL]);
    const est = estimateCosts(bundle);
    expect(est.pricing).toEqual({
      source: '@pydantic/genai-prices',
      version: PRICING_SOURCE.version,
    });
    // The reported cost (index 0) is neither estimated nor listed.
    expect(est.receipts.map((r) => r.index)).toEqual([1, 2, 3]);
    expect(bundle.model_io[0]!.cost).toEqual({ amount: 0.5, currency: 'EUR' });

    const openai = calcPrice(
      {
        input_tokens: 12_000,
        cache_read_tokens: 8_192,
        output_tokens: 3_000,
        output_reasoning_tokens: 2_048,
      },
      'gpt-5-2025-08-07',
      { providerId: 'openai', timestamp: receiptDate(bundle, 1) },
    )!.total_price;
    const anthropic = calcPrice(
      {
        input_tokens: 10_050,
        cache_read_tokens: 6_000,
        cache_write_tokens: 4_000,
        output_tokens: 900,
        output_reasoning_tokens: 300,
      },
      'claude-sonnet-4-20250514',
      { providerId: 'anthropic', timestamp: receiptDate(bundle, 2) },
    )!.total_price;
    expect(est.receipts[0]).toMatchObject({
      index: 1,
      spanId: bundle.model_io[1]!.spanId,
      key: 'openai/gpt-5',
      unpriced: null,
      estimate: {
        amount: openai,
        currency: 'USD',
        provider: 'openai',
        model: 'gpt-5',
        modelMatchedFrom: 'responseModel',
      },
    });
    expect(est.receipts[1]).toMatchObject({
      index: 2,
      key: 'anthropic/claude-sonnet-4-20250514',
      estimate: { amount: anthropic, provider: 'anthropic', model: 'claude-sonnet-4-0' },
    });
    expect(est.receipts[2]).toMatchObject({ index: 3, estimate: null, unpriced: 'unknown_model' });
    expect(est.priced).toBe(2);
    expect(est.unpriced).toBe(1);
    expect(est.totals).toEqual({ USD: openai + anthropic });
    expect(est.models).toEqual({
      'openai/gpt-5': { USD: openai },
      'anthropic/claude-sonnet-4-20250514': { USD: anthropic },
    });
  });

  it('prices each call as of its receipt time', () => {
    const bundle = bundleWith([OPENAI_CACHED_REASONING]);
    expect(estimateCosts(bundle).receipts[0]!.estimate!.pricedAt).toBe(
      receiptDate(bundle, 0).toISOString(),
    );
  });

  it('leaves the bundle and its integrity exactly as they were', () => {
    const bundle = bundleWith([REPORTED, OPENAI_CACHED_REASONING, UNKNOWN_MODEL]);
    const text = serializeBundle(bundle);
    const before = structuredClone(bundle);
    const est = estimateCosts(bundle);
    expect(bundle).toEqual(before);
    expect(serializeBundle(bundle)).toBe(text);
    const { integrity: _i, ...unsealed } = bundle;
    expect(computeIntegrity(unsealed).sha256).toBe(bundle.integrity.sha256);
    const verdict = verifyBundle(text);
    expect(verdict.ok && verdict.sha256).toBe(bundle.integrity.sha256);
    // Nothing of the estimate is in the sealed text.
    expect(text).not.toContain('genai-prices');
    expect(text).not.toContain(String(est.totals['USD']));
  });

  it('gives empty totals for a run whose every cost was reported', () => {
    const est = estimateCosts(bundleWith([REPORTED]));
    expect(est).toMatchObject({ receipts: [], totals: {}, models: {}, priced: 0, unpriced: 0 });
  });
});
