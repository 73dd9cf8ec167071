import { describe, expect, it } from 'vitest';
import { DEMO_MODELS, DEMO_PRICES, fakeModel } from '../src/index.js';

describe('fakeModel', () => {
  it('answers a planning prompt with three sections about its topic', () => {
    const response = fakeModel({
      model: DEMO_MODELS.planner,
      prompt: 'Plan a short newsletter about tea. Reply with three numbered sections.',
    });
    expect(response.output).toBe(
      '1. Why tea matters\n2. How tea works\n3. What to try next with tea',
    );
  });

  it('answers any other prompt with a Markdown section per numbered line', () => {
    const { output } = fakeModel({
      model: DEMO_MODELS.writer,
      prompt: 'Write a draft following this plan:\n1. Why tea matters\n2. How tea works',
    });
    expect(output.split('\n').filter((line) => line.startsWith('#'))).toEqual([
      '# This week: tea',
      '## Why tea matters',
      '## How tea works',
    ]);
  });

  it('counts a token per four UTF-8 bytes and prices them from the fixed table', () => {
    const prompt = 'Plan a short newsletter about tea. Reply with three numbered sections.';
    const response = fakeModel({ model: DEMO_MODELS.writer, prompt });
    expect(response.inputTokens).toBe(Math.ceil(Buffer.byteLength(prompt) / 4));
    const price = DEMO_PRICES[DEMO_MODELS.writer]!;
    expect(response.durationMs).toBe(price.durationMs);
    expect(response.cost.currency).toBe('USD');
    expect(response.cost.amount).toBeCloseTo(
      (response.inputTokens * price.inputPerMillion +
        response.outputTokens * price.outputPerMillion) /
        1e6,
      9,
    );
  });

  it('is a pure function of model and prompt', () => {
    const request = { model: DEMO_MODELS.planner, prompt: 'anything' };
    expect(fakeModel(request)).toEqual(fakeModel(request));
  });
});
