/**
 * The Anthropic SDK with OpenLLMetry's instrumentation (`@traceloop/instrumentation-anthropic`):
 * its `chat <model>` span wraps the SDK's own `anthropic.messages.create` span (or, under the
 * stream helper, runs beside the SDK's span), two spans for one API call, which must fold to one
 * receipt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import * as AnthropicModule from '@anthropic-ai/sdk';
import { AnthropicInstrumentation } from '@traceloop/instrumentation-anthropic';
import { FAIL_MODEL, MESSAGES_USAGE, responseModelFor } from './fake-provider.js';
import { factsOf, receiptsPerCall, startMatrix, usage, type Matrix } from './harness.js';

let m: Matrix;
let client: Anthropic;

beforeAll(async () => {
  m = await startMatrix('openllmetry-anthropic');
  const instrumentation = new AnthropicInstrumentation();
  instrumentation.setTracerProvider(m.provider);
  // Under ESM: patch the module we imported. (0.27 wraps Anthropic.Completions, which
  // @anthropic-ai/sdk 1.0 removed: on 1.x this throws.)
  // (Its parameter is typed as the CommonJS module; the ESM namespace has the same classes.)
  instrumentation.manuallyInstrument(
    AnthropicModule as unknown as Parameters<typeof instrumentation.manuallyInstrument>[0],
  );
  client = new Anthropic({ baseURL: m.fake.url, apiKey: 'test-key', maxRetries: 0 });
});

afterAll(async () => {
  await m?.close();
});

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];
const MODEL = 'claude-3-5-haiku';
const u = MESSAGES_USAGE;
/** The SDK's span (the receipt's): GenAI input tokens include the cached ones. */
const sdkUsage = usage({
  inputTokens: u.input + u.cacheRead + u.cacheWrite,
  outputTokens: u.output,
  cacheReadInputTokens: u.cacheRead,
  cacheWriteInputTokens: u.cacheWrite,
  reasoningOutputTokens: u.thinking,
});

describe('@traceloop/instrumentation-anthropic 0.27 over the SDK spans', () => {
  it("folds OpenLLMetry's span and the SDK's span of one call into one receipt", async () => {
    const s = await m.scenario('messages', async () => {
      await client.messages.create({ model: MODEL, max_tokens: 100, messages });
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toEqual({
      provider: 'anthropic',
      providerRaw: 'anthropic',
      model: MODEL,
      responseModel: responseModelFor(MODEL),
      operation: 'chat',
      usage: sdkUsage,
      status: 'ok',
      vocabularies: ['gen_ai'],
      sources: [{ role: 'wrapper', vocabularies: ['gen_ai'] }],
    });
    // OpenLLMetry records Anthropic's own input_tokens, without the cached ones: kept in view.
    expect(r!.sources[0]!.disagreements).toEqual({ inputTokens: u.input });
  });

  it('folds a streamed call the same way', async () => {
    const s = await m.scenario('messages-stream', async () => {
      const stream = await client.messages.create({
        model: MODEL,
        max_tokens: 100,
        messages,
        stream: true,
      });
      for await (const _event of stream) {
        // read to the end
      }
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      model: MODEL,
      responseModel: responseModelFor(MODEL),
      usage: sdkUsage,
      sources: [{ role: 'wrapper', vocabularies: ['gen_ai'] }],
    });
  });

  it('folds the sibling spans of a messages.stream() call into one receipt', async () => {
    // The helper starts the SDK's span itself and then calls messages.create, which OpenLLMetry
    // wraps in a span of the context that is active, the caller's: the two spans of the one call
    // are siblings, and which one ends first is a race. They pair by time across the two
    // instrumentations; OpenLLMetry's input count leaves the cached tokens out.
    const s = await m.scenario('messages-stream-helper', async () => {
      await client.messages.stream({ model: MODEL, max_tokens: 100, messages }).finalMessage();
    });
    expect(s.requests).toHaveLength(1);
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'anthropic',
      model: MODEL,
      responseModel: responseModelFor(MODEL),
      operation: 'chat',
      usage: { ...sdkUsage, inputTokens: u.input },
      status: 'ok',
      sources: [{ role: 'wrapper', vocabularies: ['gen_ai'] }],
    });
    // The SDK's span starts first and is the wrapper; its GenAI count is kept in view.
    expect(r!.sources[0]!.disagreements).toEqual({
      inputTokens: u.input + u.cacheRead + u.cacheWrite,
    });
  });

  it('folds a failed call into one receipt with error status', async () => {
    const s = await m.scenario('error', async () => {
      await expect(
        client.messages.create({ model: FAIL_MODEL, max_tokens: 100, messages }),
      ).rejects.toThrow(/400/);
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'anthropic',
      model: FAIL_MODEL,
      responseModel: null,
      usage: usage({}),
      status: 'error',
      sources: [{ role: 'wrapper', vocabularies: ['gen_ai'] }],
    });
    // The SDK's span has no status message; OpenLLMetry's has one, kept as a disagreement.
    expect(r!.sources[0]!.disagreements['status']).toMatchObject({ code: 'error' });
  });
});
