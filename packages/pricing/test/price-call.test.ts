import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { GENAI_PRICES_VERSION, priceCall } from '../src/index.js';

const AT = new Date('2026-01-15T09:30:00Z');

/** The library's own answer for the same usage, as its README asks to report it. */
function libraryTotal(...args: Parameters<typeof calcPrice>): number {
  const r = calcPrice(...args);
  if (r === null) throw new Error(`the library does not price ${args[1]}`);
  return r.total_price;
}

describe('priceCall', () => {
  it('prices an OpenAI call with cached input and reasoning as the library does', () => {
    const r = priceCall({
      provider: 'openai',
      model: 'gpt-5',
      responseModel: 'gpt-5-2025-08-07',
      inputTokens: 12_000,
      cacheReadInputTokens: 8_192,
      outputTokens: 3_000,
      reasoningOutputTokens: 2_048,
      time: AT,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const expected = libraryTotal(
      {
        input_tokens: 12_000,
        cache_read_tokens: 8_192,
        output_tokens: 3_000,
        output_reasoning_tokens: 2_048,
      },
      'gpt-5-2025-08-07',
      { providerId: 'openai', timestamp: AT },
    );
    expect(r.estimate.amount).toBe(expected);
    // Cached tokens are cheaper: the same call uncached costs more.
    expect(r.estimate.amount).toBeLessThan(
      libraryTotal({ input_tokens: 12_000, output_tokens: 3_000 }, 'gpt-5', {
        providerId: 'openai',
        timestamp: AT,
      }),
    );
    expect(r.estimate).toMatchObject({
      currency: 'USD',
      provider: 'openai',
      providerMatchedBy: 'provider',
      model: 'gpt-5',
      modelMatchedFrom: 'responseModel',
      modelName: 'gpt-5-2025-08-07',
      pricedAt: '2026-01-15T09:30:00.000Z',
      inputTokens: 'includes_cache',
      outputTokens: 'includes_reasoning',
      missing: [],
    });
    expect(r.estimate.inputAmount + r.estimate.outputAmount).toBeCloseTo(r.estimate.amount, 15);
  });

  it('prices an Anthropic call counted with its cache (the GenAI conventions) as the library does', () => {
    const usage = {
      inputTokens: 10_050,
      cacheReadInputTokens: 6_000,
      cacheWriteInputTokens: 4_000,
      outputTokens: 900,
      reasoningOutputTokens: 300,
    };
    const r = priceCall({
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      ...usage,
      time: AT,
    });
    expect(r.ok && r.estimate.amount).toBe(
      libraryTotal(
        {
          input_tokens: 10_050,
          cache_read_tokens: 6_000,
          cache_write_tokens: 4_000,
          output_tokens: 900,
          output_reasoning_tokens: 300,
        },
        'claude-sonnet-4-20250514',
        { providerId: 'anthropic', timestamp: AT },
      ),
    );
    expect(r.ok && r.estimate).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-0',
      inputTokens: 'includes_cache',
    });
  });

  it("adds the cache back to an input count that left it out (Anthropic's own input_tokens)", () => {
    const r = priceCall({
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      inputTokens: 50,
      cacheReadInputTokens: 6_000,
      cacheWriteInputTokens: 4_000,
      outputTokens: 900,
      time: AT,
    });
    expect(r.ok && r.estimate.inputTokens).toBe('excludes_cache');
    expect(r.ok && r.estimate.amount).toBe(
      libraryTotal(
        {
          input_tokens: 10_050,
          cache_read_tokens: 6_000,
          cache_write_tokens: 4_000,
          output_tokens: 900,
        },
        'claude-sonnet-4-20250514',
        { providerId: 'anthropic', timestamp: AT },
      ),
    );
  });

  it('adds reasoning back to an output count that left it out', () => {
    const r = priceCall({
      provider: 'openai',
      model: 'o4-mini',
      inputTokens: 100,
      outputTokens: 10,
      reasoningOutputTokens: 500,
      time: AT,
    });
    expect(r.ok && r.estimate.outputTokens).toBe('excludes_reasoning');
    expect(r.ok && r.estimate.amount).toBe(
      libraryTotal(
        { input_tokens: 100, output_tokens: 510, output_reasoning_tokens: 500 },
        'o4-mini',
        {
          providerId: 'openai',
          timestamp: AT,
        },
      ),
    );
  });

  it('returns no estimate for a model the data does not know, and invents none', () => {
    expect(
      priceCall({ provider: 'openai', model: 'house-model-7', inputTokens: 5, outputTokens: 5 }),
    ).toEqual({
      ok: false,
      reason: 'unknown_model',
      message: '"house-model-7" not in the pricing data for openai',
    });
    // A provider the data lacks is not priced with another provider's list, even for a known model.
    expect(
      priceCall({ provider: 'fake', model: 'gpt-4o', inputTokens: 5, outputTokens: 5 }),
    ).toMatchObject({
      ok: false,
      reason: 'unknown_provider',
    });
    expect(priceCall({ provider: 'openai', inputTokens: 5 })).toMatchObject({
      ok: false,
      reason: 'no_model',
    });
    expect(priceCall({ provider: 'openai', model: 'gpt-4o' })).toMatchObject({
      ok: false,
      reason: 'no_usage',
    });
  });

  it('falls back from an unknown response model to the requested one, and says so', () => {
    const r = priceCall({
      provider: 'openai',
      model: 'gpt-4o',
      responseModel: 'house-gpt',
      inputTokens: 1000,
      outputTokens: 10,
      time: AT,
    });
    expect(r.ok && r.estimate).toMatchObject({
      modelMatchedFrom: 'model',
      modelName: 'gpt-4o',
      model: 'gpt-4o',
    });
  });

  it('maps the GenAI conventions provider names to the library ids', () => {
    const at = { inputTokens: 1000, outputTokens: 100, time: AT };
    expect(
      priceCall({
        provider: 'aws.bedrock',
        model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
        ...at,
      }),
    ).toMatchObject({
      ok: true,
      estimate: { provider: 'aws' },
    });
    expect(priceCall({ provider: 'gcp.gemini', model: 'gemini-2.5-pro', ...at })).toMatchObject({
      ok: true,
      estimate: { provider: 'google', model: 'gemini-2.5-pro' },
    });
    expect(priceCall({ provider: 'azure.ai.openai', model: 'gpt-4o', ...at })).toMatchObject({
      ok: true,
      estimate: { provider: 'azure' },
    });
    expect(priceCall({ provider: 'x_ai', model: 'grok-3', ...at })).toMatchObject({
      ok: true,
      estimate: { provider: 'x-ai' },
    });
    // The raw API-suffixed spelling normalizes first.
    expect(priceCall({ provider: 'openai.chat', model: 'gpt-4o', ...at })).toMatchObject({
      ok: true,
      estimate: { provider: 'openai' },
    });
  });

  it('matches the provider from the model name when none was given, and says so', () => {
    expect(
      priceCall({ model: 'gpt-4o', inputTokens: 1000, outputTokens: 100, time: AT }),
    ).toMatchObject({
      ok: true,
      estimate: { provider: 'openai', providerMatchedBy: 'model' },
    });
  });

  it("uses the prices in force at the call's time", () => {
    const usage = { provider: 'openai', model: 'o3', inputTokens: 1_000_000, outputTokens: 0 };
    const before = priceCall({ ...usage, time: new Date('2025-06-01T00:00:00Z') });
    const after = priceCall({ ...usage, time: new Date('2025-06-20T00:00:00Z') });
    expect(before.ok && after.ok).toBe(true);
    if (!before.ok || !after.ok) return;
    expect(before.estimate.amount).not.toBe(after.estimate.amount);
    expect(after.estimate.amount).toBe(
      libraryTotal({ input_tokens: 1_000_000, output_tokens: 0 }, 'o3', {
        providerId: 'openai',
        timestamp: new Date('2025-06-20T00:00:00Z'),
      }),
    );
  });

  it('counts missing output tokens as zero and lists them', () => {
    const r = priceCall({
      provider: 'openai',
      model: 'text-embedding-3-small',
      inputTokens: 1000,
      time: AT,
    });
    expect(r.ok && r.estimate.missing).toEqual(['outputTokens']);
  });
});

describe('GENAI_PRICES_VERSION', () => {
  it('is the version of the @pydantic/genai-prices package installed', () => {
    const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
    expect(pkg.name).toBe('@pydantic/genai-prices');
    expect(GENAI_PRICES_VERSION).toBe(pkg.version);
  });
});
