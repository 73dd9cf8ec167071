/**
 * The OpenAI client with the OpenTelemetry contrib instrumentation
 * (`@opentelemetry/instrumentation-openai`), which writes the GenAI conventions. The spans go to
 * the in-process processor and through the stock OTLP exporter to a receiver; both bundles must be
 * the same bytes, and hold what the fake provider answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '@opentelemetry/api';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import OpenAI from 'openai';
import {
  CHAT_USAGE,
  EMBEDDING_TOKENS_PER_INPUT,
  FAIL_MODEL,
  RESPONSES_USAGE,
  responseModelFor,
} from './fake-provider.js';
import { factsOf, receiptsPerCall, startMatrix, usage, type Matrix } from './harness.js';

let m: Matrix;
let client: OpenAI;

beforeAll(async () => {
  m = await startMatrix('contrib-openai');
  const instrumentation = new OpenAIInstrumentation();
  // registerInstrumentations() does these two; the meter is needed, or the instrumentation's
  // histograms are undefined and it throws after the call.
  instrumentation.setTracerProvider(m.provider);
  instrumentation.setMeterProvider(metrics.getMeterProvider());
  // Under ESM no require hook sees `openai`: apply the instrumentation's patch to the module we
  // imported (the contrib package has no manuallyInstrument).
  for (const definition of instrumentation.getModuleDefinitions()) {
    definition.patch?.(OpenAI, '6.49.0');
  }
  client = new OpenAI({ baseURL: `${m.fake.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
});

afterAll(async () => {
  await m?.close();
});

const prompt = [{ role: 'user' as const, content: 'What is the capital of France?' }];

describe('@opentelemetry/instrumentation-openai 0.21', () => {
  it('records a chat call: provider, models, operation, input and output tokens', async () => {
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
      // It records no cached or reasoning tokens, though the response has them.
      usage: usage({ inputTokens: CHAT_USAGE.prompt, outputTokens: CHAT_USAGE.completion }),
      // It sets no status on success.
      status: 'unset',
      vocabularies: ['gen_ai'],
      sources: [],
    });
  });

  it('records a streamed chat call, its usage from the include_usage chunk', async () => {
    const s = await m.scenario('chat-stream', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: prompt,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _chunk of stream) {
        // read to the end: the span ends with the stream
      }
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      responseModel: responseModelFor('gpt-4o-mini'),
      operation: 'chat',
      usage: usage({ inputTokens: CHAT_USAGE.prompt, outputTokens: CHAT_USAGE.completion }),
      status: 'unset',
    });
  });

  it('records an embeddings call: input tokens, no output tokens', async () => {
    const s = await m.scenario('embeddings', async () => {
      await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'openai',
      model: 'text-embedding-3-small',
      responseModel: responseModelFor('text-embedding-3-small'),
      operation: 'embeddings',
      usage: usage({ inputTokens: 2 * EMBEDDING_TOKENS_PER_INPUT }),
    });
  });

  it('records a Responses API call as chat, its provider under gen_ai.provider.name', async () => {
    const s = await m.scenario('responses', async () => {
      await client.responses.create({ model: 'gpt-4o-mini', input: 'What is the capital?' });
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'openai',
      providerRaw: 'openai',
      model: 'gpt-4o-mini',
      responseModel: responseModelFor('gpt-4o-mini'),
      operation: 'chat',
      // The cached and reasoning token details of the Responses usage are not recorded.
      usage: usage({ inputTokens: RESPONSES_USAGE.input, outputTokens: RESPONSES_USAGE.output }),
    });
  });

  it('records a failed call with error status and no usage', async () => {
    const s = await m.scenario('error', async () => {
      await expect(
        client.chat.completions.create({ model: FAIL_MODEL, messages: prompt }),
      ).rejects.toThrow(/400/);
    });
    expect(s.requests.map((q) => q.status)).toEqual([400]);
    const bundle = await m.collect(s);
    const [r] = receiptsPerCall(bundle, s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'openai',
      model: FAIL_MODEL,
      responseModel: null,
      operation: 'chat',
      usage: usage({}),
      status: 'error',
    });
    expect(r!.status?.message).toMatch(/does not exist/);
  });
});
