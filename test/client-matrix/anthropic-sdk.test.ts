/**
 * The Anthropic SDK's own spans: `@anthropic-ai/sdk` since 0.134 starts a `CLIENT` span per API
 * call on the global tracer provider (or the `openTelemetry.tracerProvider` client option), in the
 * current GenAI names, with no instrumentation package at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { FAIL_MODEL, MESSAGES_USAGE, responseModelFor } from './fake-provider.js';
import { factsOf, receiptsPerCall, startMatrix, usage, type Matrix } from './harness.js';

let m: Matrix;
let client: Anthropic;

beforeAll(async () => {
  m = await startMatrix('anthropic-sdk');
  client = new Anthropic({
    baseURL: m.fake.url,
    apiKey: 'test-key',
    maxRetries: 0,
    openTelemetry: { tracerProvider: m.provider },
  });
});

afterAll(async () => {
  await m?.close();
});

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];
const MODEL = 'claude-3-5-haiku';

/** The GenAI conventions count cached input in the input tokens, as the SDK's spans do. */
const u = MESSAGES_USAGE;
const expected = usage({
  inputTokens: u.input + u.cacheRead + u.cacheWrite,
  outputTokens: u.output,
  cacheReadInputTokens: u.cacheRead,
  cacheWriteInputTokens: u.cacheWrite,
  reasoningOutputTokens: u.thinking,
});

describe('@anthropic-ai/sdk 0.137 (its own spans)', () => {
  it('records a message call: every usage field, ok status', async () => {
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
      usage: expected,
      status: 'ok',
      vocabularies: ['gen_ai'],
      sources: [],
    });
  });

  it('records a streamed message call', async () => {
    const s = await m.scenario('messages-stream', async () => {
      const stream = await client.messages.create({
        model: MODEL,
        max_tokens: 100,
        messages,
        stream: true,
      });
      for await (const _event of stream) {
        // read to the end: the span ends with the stream
      }
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'anthropic',
      model: MODEL,
      responseModel: responseModelFor(MODEL),
      usage: expected,
      status: 'ok',
    });
  });

  it('records a call made through the messages.stream() helper', async () => {
    const s = await m.scenario('messages-stream-helper', async () => {
      await client.messages.stream({ model: MODEL, max_tokens: 100, messages }).finalMessage();
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({ model: MODEL, usage: expected, status: 'ok' });
  });

  it('records a failed call with error status', async () => {
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
    });
    // The SDK records the error type (`error.type`), not a status message.
    expect(r!.status?.message).toBeNull();
  });
});
