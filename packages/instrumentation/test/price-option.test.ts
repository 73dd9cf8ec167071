import {
  ATTR_MODEL_IO_COST_AMOUNT,
  ATTR_MODEL_IO_COST_CURRENCY,
  EVENT_MODEL_IO,
} from '@llm-workbench/semconv';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Workbench,
  WorkbenchConfigError,
  type ModelIo,
  type ModelPriceRequest,
  type ModelPricer,
} from '../src/index.js';
import { captureDiag, event, harness, type DiagCapture } from './helpers.js';

const AT = new Date('2026-01-15T09:30:00.250Z');

const call: ModelIo = {
  provider: 'anthropic',
  model: 'claude-sonnet-4-20250514',
  responseModel: 'claude-sonnet-4-20250514',
  inputTokens: 10_050,
  cacheReadInputTokens: 6_000,
  cacheCreationInputTokens: 4_000,
  outputTokens: 900,
  reasoningOutputTokens: 300,
  durationMs: 1200,
  time: AT,
};

function recordWith(price: ModelPricer, io: ModelIo = call) {
  const h = harness({ price });
  const run = h.wb.startRun({ name: 'r' });
  const step = run.startStep('draft');
  step.recordModelIo(io);
  step.end();
  run.end();
  return event(h.span('step draft'), EVENT_MODEL_IO).attributes ?? {};
}

describe('the price option', () => {
  let diag: DiagCapture | undefined;
  afterEach(() => diag?.stop());

  it('records what the pricer returns as the reported cost, given the call as recorded', () => {
    const seen: ModelPriceRequest[] = [];
    const attributes = recordWith((c) => {
      seen.push(c);
      return { amount: 0.0421, currency: 'USD' };
    });
    expect(attributes).toMatchObject({
      [ATTR_MODEL_IO_COST_AMOUNT]: 0.0421,
      [ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
    });
    expect(seen).toEqual([
      {
        provider: 'anthropic',
        model: 'claude-sonnet-4-20250514',
        responseModel: 'claude-sonnet-4-20250514',
        inputTokens: 10_050,
        outputTokens: 900,
        cacheReadInputTokens: 6_000,
        // The deprecated name arrives under the current one.
        cacheWriteInputTokens: 4_000,
        reasoningOutputTokens: 300,
        time: AT,
      },
    ]);
  });

  it("never replaces the caller's own cost, nor asks for one", () => {
    let asked = 0;
    const attributes = recordWith(
      () => {
        asked++;
        return { amount: 9, currency: 'USD' };
      },
      { ...call, cost: { amount: 0.01, currency: 'EUR' } },
    );
    expect(asked).toBe(0);
    expect(attributes).toMatchObject({
      [ATTR_MODEL_IO_COST_AMOUNT]: 0.01,
      [ATTR_MODEL_IO_COST_CURRENCY]: 'EUR',
    });
  });

  it('records no cost for a call the pricer cannot price', () => {
    diag = captureDiag();
    expect(recordWith(() => null)).not.toHaveProperty(ATTR_MODEL_IO_COST_AMOUNT);
    expect(recordWith(() => undefined)).not.toHaveProperty(ATTR_MODEL_IO_COST_AMOUNT);
    expect(diag.problems()).toEqual([]);
  });

  it('reports a pricer that throws or returns no cost through diag, and still records the call', () => {
    diag = captureDiag();
    const thrown = recordWith(() => {
      throw new Error('price table unavailable');
    });
    expect(thrown).not.toHaveProperty(ATTR_MODEL_IO_COST_AMOUNT);
    expect(thrown).toHaveProperty('gen_ai.usage.input_tokens', 10_050);
    const bad = recordWith(() => ({ amount: -1, currency: 'USD' }));
    expect(bad).not.toHaveProperty(ATTR_MODEL_IO_COST_AMOUNT);
    const problems = diag.problems();
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/pricer threw .*price table unavailable.*\[price_failed/);
    expect(problems[1]).toMatch(/returned \{"amount":-1,"currency":"USD"\}.*\[bad_price/);
  });

  it('is refused at construction when it is not a function', () => {
    expect(() => new Workbench({ price: 'genai-prices' as unknown as ModelPricer })).toThrow(
      WorkbenchConfigError,
    );
  });
});
