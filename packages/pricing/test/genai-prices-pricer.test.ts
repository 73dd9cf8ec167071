import { foldRun, sealBundle } from '@llm-workbench/bundle';
import { Workbench, type ModelIo } from '@llm-workbench/instrumentation';
import { spanRecordFromReadableSpan } from '@llm-workbench/processor';
import {
  ATTR_MODEL_IO_COST_AMOUNT,
  ATTR_MODEL_IO_COST_CURRENCY,
  EVENT_MODEL_IO,
} from '@llm-workbench/semconv';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { estimateCosts, genaiPricesPricer, priceCall } from '../src/index.js';

const AT = new Date('2026-01-15T09:30:00Z');

function recorded(calls: Array<Omit<ModelIo, 'durationMs'>>) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const wb = new Workbench({ tracerProvider: provider, price: genaiPricesPricer });
  const run = wb.startRun({ name: 'priced', startTime: AT });
  const step = run.startStep('draft', { startTime: AT });
  for (const call of calls) step.recordModelIo({ durationMs: 10, time: AT, ...call });
  step.end(AT.getTime() + 1000);
  run.end(AT.getTime() + 2000);
  const spans = exporter.getFinishedSpans();
  const events = spans
    .find((s) => s.name === 'step draft')!
    .events.filter((e) => e.name === EVENT_MODEL_IO);
  return { events, bundle: sealBundle(foldRun(spans.map(spanRecordFromReadableSpan))) };
}

describe('genaiPricesPricer', () => {
  it('prices a call as priceCall does', () => {
    const call = {
      provider: 'openai',
      model: 'gpt-4o',
      inputTokens: 1000,
      cacheReadInputTokens: 500,
      outputTokens: 200,
      time: AT,
    };
    const r = priceCall(call);
    expect(r.ok).toBe(true);
    expect(genaiPricesPricer(call)).toEqual(
      r.ok ? { amount: r.estimate.amount, currency: 'USD' } : null,
    );
    expect(
      genaiPricesPricer({
        provider: 'openai',
        model: 'house-model-7',
        inputTokens: 1,
        outputTokens: 1,
      }),
    ).toBeNull();
  });

  it("as the instrumentation's price option, records a reported cost on the event", () => {
    const { events, bundle } = recorded([
      {
        provider: 'anthropic',
        model: 'claude-sonnet-4-20250514',
        inputTokens: 10_050,
        cacheReadInputTokens: 6_000,
        cacheWriteInputTokens: 4_000,
        outputTokens: 900,
      },
      {
        provider: 'openai',
        model: 'gpt-4o',
        inputTokens: 1000,
        outputTokens: 100,
        cost: { amount: 0.25, currency: 'EUR' },
      },
      { provider: 'openai', model: 'house-model-7', inputTokens: 1000, outputTokens: 100 },
    ]);
    const expected = priceCall({
      provider: 'anthropic',
      model: 'claude-sonnet-4-20250514',
      inputTokens: 10_050,
      cacheReadInputTokens: 6_000,
      cacheWriteInputTokens: 4_000,
      outputTokens: 900,
      time: AT,
    });
    expect(expected.ok).toBe(true);
    const amount = expected.ok ? expected.estimate.amount : NaN;
    expect(events[0]!.attributes).toMatchObject({
      [ATTR_MODEL_IO_COST_AMOUNT]: amount,
      [ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
    });
    // The caller's own cost wins; an unknown model records none.
    expect(events[1]!.attributes).toMatchObject({
      [ATTR_MODEL_IO_COST_AMOUNT]: 0.25,
      [ATTR_MODEL_IO_COST_CURRENCY]: 'EUR',
    });
    expect(events[2]!.attributes).not.toHaveProperty(ATTR_MODEL_IO_COST_AMOUNT);

    // In the bundle it is a reported cost, so views do not estimate it again. (The three calls
    // share one time, so the bundle orders them by content, not by when they were recorded.)
    const costs = new Map(bundle.model_io.map((m) => [m.model, m.cost]));
    expect(costs).toEqual(
      new Map([
        ['claude-sonnet-4-20250514', { amount, currency: 'USD' }],
        ['gpt-4o', { amount: 0.25, currency: 'EUR' }],
        ['house-model-7', null],
      ]),
    );
    const unpriced = bundle.model_io.findIndex((m) => m.model === 'house-model-7');
    expect(estimateCosts(bundle).receipts.map((r) => r.index)).toEqual([unpriced]);
  });
});
