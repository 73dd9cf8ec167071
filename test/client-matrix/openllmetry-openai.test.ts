/**
 * The OpenAI client with OpenLLMetry's instrumentation (`@traceloop/instrumentation-openai`),
 * which since 0.2x writes the current GenAI names (no `llm.request.type` any more), so its spans
 * are read by the GenAI table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import OpenAI from 'openai';
import { CHAT_USAGE, FAIL_MODEL, RESPONSES_USAGE, responseModelFor } from './fake-provider.js';
import { factsOf, receiptsPerCall, startMatrix, usage, type Matrix } from './harness.js';

let m: Matrix;
let client: OpenAI;

beforeAll(async () => {
  // The instrumentation never ends the span of a failed call: the in-process processor then
  // folds the trace when it has been idle this long.
  m = await startMatrix('openllmetry-openai', { idleTimeoutMs: 400 });
  // enrichTokens (on by default) would count tokens with tiktoken where the response has none.
  const instrumentation = new OpenAIInstrumentation({ enrichTokens: false });
  instrumentation.setTracerProvider(m.provider);
  // Under ESM: patch the client class we imported.
  instrumentation.manuallyInstrument(OpenAI);
  client = new OpenAI({ baseURL: `${m.fake.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
});

afterAll(async () => {
  await m?.close();
});

const prompt = [{ role: 'user' as const, content: 'What is the capital of France?' }];

describe('@traceloop/instrumentation-openai 0.27', () => {
  it('records a chat call in the GenAI names', async () => {
    const s = await m.scenario('chat', async () => {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: prompt });
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toEqual({
      provider: 'openai',
      providerRaw: 'openai',
      model: 'gpt-4o-mini',
      responseModel: responseModelFor('gpt-4o-mini'),
      operation: 'chat',
      // No cached or reasoning tokens recorded.
      usage: usage({ inputTokens: CHAT_USAGE.prompt, outputTokens: CHAT_USAGE.completion }),
      status: 'unset',
      vocabularies: ['gen_ai'],
      sources: [],
    });
    // It captures content by default: the receipt commits to it.
    expect(r!.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r!.output.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records a streamed chat call without its usage, which it does not read from the stream', async () => {
    const s = await m.scenario('chat-stream', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: prompt,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _chunk of stream) {
        // read to the end
      }
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      responseModel: responseModelFor('gpt-4o-mini'),
      operation: 'chat',
      usage: usage({}),
    });
  });

  it('records a Responses API call', async () => {
    const s = await m.scenario('responses', async () => {
      await client.responses.create({ model: 'gpt-4o-mini', input: 'What is the capital?' });
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      responseModel: responseModelFor('gpt-4o-mini'),
      operation: 'chat',
      usage: usage({ inputTokens: RESPONSES_USAGE.input, outputTokens: RESPONSES_USAGE.output }),
    });
  });

  it('does not instrument embeddings: the call leaves no span and no receipt', async () => {
    const s = await m.scenario('embeddings', async () => {
      await client.embeddings.create({ model: 'text-embedding-3-small', input: 'a' });
    });
    expect(s.requests).toHaveLength(1);
    const bundle = await m.collect(s);
    expect(bundle.model_io).toEqual([]);
    expect(bundle.run.spanCount).toBe(1);
  });

  it('leaves the span of a failed call open: no receipt, and the in-process bundle is incomplete', async () => {
    const s = await m.scenario('error', async () => {
      await expect(
        client.chat.completions.create({ model: FAIL_MODEL, messages: prompt }),
      ).rejects.toThrow(/400/);
    });
    expect(s.requests.map((q) => q.status)).toEqual([400]);
    // The span is started and never ended, so it is never exported. The processor, which saw it
    // start, folds the trace after idleTimeoutMs and says so; the receiver never hears of it.
    const { inProcess, receiver } = await m.collectEach(s);
    expect(inProcess.model_io).toEqual([]);
    expect(receiver.model_io).toEqual([]);
    expect(inProcess.run.complete).toBe(false);
    expect(receiver.run.complete).toBe(true);
  });
});
