/**
 * The OpenAI client with Arize OpenInference's instrumentation
 * (`@arizeai/openinference-instrumentation-openai`): `LLM` and `EMBEDDING` spans in `llm.*` names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import OpenAI from 'openai';
import { CHAT_USAGE, FAIL_MODEL, RESPONSES_USAGE, responseModelFor } from './fake-provider.js';
import { factsOf, receiptsPerCall, startMatrix, usage, type Matrix } from './harness.js';

let m: Matrix;
let client: OpenAI;

beforeAll(async () => {
  // The instrumentation never ends the span of a call that fails: see the last test.
  m = await startMatrix('openinference-openai', { idleTimeoutMs: 400 });
  const instrumentation = new OpenAIInstrumentation({ tracerProvider: m.provider });
  // Under ESM: patch the client class we imported.
  instrumentation.manuallyInstrument(OpenAI);
  client = new OpenAI({ baseURL: `${m.fake.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
});

afterAll(async () => {
  await m?.close();
});

const prompt = [{ role: 'user' as const, content: 'What is the capital of France?' }];

describe('@arizeai/openinference-instrumentation-openai 4.2', () => {
  it('records a chat call: cached, reasoning and audio tokens, ok status', async () => {
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
      usage: usage({
        inputTokens: CHAT_USAGE.prompt,
        outputTokens: CHAT_USAGE.completion,
        cacheReadInputTokens: CHAT_USAGE.cached,
        reasoningOutputTokens: CHAT_USAGE.reasoning,
        modalities: {
          audio: {
            cacheReadInputTokens: null,
            inputTokens: CHAT_USAGE.audioIn,
            outputTokens: CHAT_USAGE.audioOut,
          },
        },
      }),
      status: 'ok',
      vocabularies: ['openinference'],
      sources: [],
    });
  });

  it('records a streamed chat call without usage or the response model', async () => {
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
      // On a stream, llm.model_name keeps the requested model (it is replaced by the response's
      // only for a whole response), and the usage chunk is skipped: what the span says.
      responseModel: 'gpt-4o-mini',
      usage: usage({}),
      status: 'unset',
    });
  });

  it('records an embeddings call, without its token count', async () => {
    const s = await m.scenario('embeddings', async () => {
      await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toEqual({
      provider: 'openai',
      providerRaw: 'openai',
      model: 'text-embedding-3-small',
      responseModel: null,
      operation: 'embeddings',
      usage: usage({}),
      status: 'ok',
      vocabularies: ['openinference'],
      sources: [],
    });
  });

  it('records a Responses API call, streamed or not, with cached and reasoning tokens', async () => {
    const expected = {
      provider: 'openai',
      model: 'gpt-4o-mini',
      responseModel: responseModelFor('gpt-4o-mini'),
      operation: 'chat',
      usage: usage({
        inputTokens: RESPONSES_USAGE.input,
        outputTokens: RESPONSES_USAGE.output,
        cacheReadInputTokens: RESPONSES_USAGE.cached,
        reasoningOutputTokens: RESPONSES_USAGE.reasoning,
      }),
      status: 'ok',
    };
    const whole = await m.scenario('responses', async () => {
      await client.responses.create({ model: 'gpt-4o-mini', input: 'What is the capital?' });
    });
    expect(factsOf(receiptsPerCall(await m.collect(whole), whole)[0]!)).toMatchObject(expected);
    const streamed = await m.scenario('responses-stream', async () => {
      const stream = await client.responses.create({
        model: 'gpt-4o-mini',
        input: 'What is the capital?',
        stream: true,
      });
      for await (const _event of stream) {
        // read to the end
      }
    });
    expect(factsOf(receiptsPerCall(await m.collect(streamed), streamed)[0]!)).toMatchObject(
      expected,
    );
  });

  it('leaves the span of a failed call open: no receipt, and the in-process bundle is incomplete', async () => {
    const s = await m.scenario('error', async () => {
      await expect(
        client.chat.completions.create({ model: FAIL_MODEL, messages: prompt }),
      ).rejects.toThrow(/400/);
    });
    expect(s.requests.map((q) => q.status)).toEqual([400]);
    const { inProcess, receiver } = await m.collectEach(s);
    expect(inProcess.model_io).toEqual([]);
    expect(receiver.model_io).toEqual([]);
    expect(inProcess.run.complete).toBe(false);
    expect(receiver.run.complete).toBe(true);
  });
});
