/**
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai`) and its built-in telemetry
 * (`experimental_telemetry: { isEnabled: true }`): `ai.generateText` and the like wrap one
 * `ai.*.doGenerate` / `doStream` / `doEmbed` span per provider call, which carries both its own
 * `ai.*` names and some GenAI ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import { embed, generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import {
  ANSWER_TEXT,
  CHAT_TOOL_CALL_USAGE,
  CHAT_USAGE,
  EMBEDDING_TOKENS_PER_INPUT,
  FAIL_MODEL,
  RESPONSES_USAGE,
  TOOL_ARGUMENTS,
  responseModelFor,
} from './fake-provider.js';
import {
  factsOf,
  receiptsPerCall,
  startMatrix,
  toolCallsOf,
  usage,
  type Matrix,
} from './harness.js';

let m: Matrix;
let openai: OpenAIProvider;
let telemetry: { isEnabled: true; tracer: ReturnType<Matrix['provider']['getTracer']> };

beforeAll(async () => {
  m = await startMatrix('vercel-ai');
  openai = createOpenAI({ baseURL: `${m.fake.url}/v1`, apiKey: 'test-key' });
  // Without `tracer`, the SDK uses the global tracer provider's.
  telemetry = { isEnabled: true, tracer: m.provider.getTracer('ai') };
});

afterAll(async () => {
  await m?.close();
});

const chatUsage = (x: typeof CHAT_USAGE) =>
  usage({
    inputTokens: x.prompt,
    outputTokens: x.completion,
    cacheReadInputTokens: x.cached,
    reasoningOutputTokens: x.reasoning,
  });

describe('ai 6 with experimental_telemetry', () => {
  it('records a generateText call on the chat API: every usage field OpenAI reports', async () => {
    const s = await m.scenario('generate-text', async () => {
      const r = await generateText({
        model: openai.chat('gpt-4o-mini'),
        prompt: 'What is the capital of France?',
        experimental_telemetry: telemetry,
        maxRetries: 0,
      });
      expect(r.text).toBe(ANSWER_TEXT);
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toEqual({
      provider: 'openai',
      providerRaw: 'openai.chat',
      model: 'gpt-4o-mini',
      responseModel: responseModelFor('gpt-4o-mini'),
      operation: 'chat',
      // OpenAI has no cache writes: null, not 0.
      usage: chatUsage(CHAT_USAGE),
      status: 'unset',
      vocabularies: ['gen_ai', 'vercel_ai'],
      sources: [],
    });
  });

  it('records a streamText call (doStream)', async () => {
    const s = await m.scenario('stream-text', async () => {
      const result = streamText({
        model: openai.chat('gpt-4o-mini'),
        prompt: 'What is the capital of France?',
        experimental_telemetry: telemetry,
        maxRetries: 0,
      });
      let text = '';
      for await (const piece of result.textStream) text += piece;
      expect(text).toBe(ANSWER_TEXT);
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'openai',
      providerRaw: 'openai.chat',
      model: 'gpt-4o-mini',
      responseModel: responseModelFor('gpt-4o-mini'),
      operation: 'chat',
      usage: chatUsage(CHAT_USAGE),
    });
  });

  it('records an embed call (doEmbed), with no response model', async () => {
    const s = await m.scenario('embed', async () => {
      await embed({
        model: openai.embedding('text-embedding-3-small'),
        value: 'a',
        experimental_telemetry: telemetry,
        maxRetries: 0,
      });
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toEqual({
      provider: 'openai',
      providerRaw: 'openai.embedding',
      model: 'text-embedding-3-small',
      // The SDK does not record the embedding response's model.
      responseModel: null,
      operation: 'embeddings',
      usage: usage({ inputTokens: EMBEDDING_TOKENS_PER_INPUT }),
      status: 'unset',
      // doEmbed spans carry no gen_ai.* names.
      vocabularies: ['vercel_ai'],
      sources: [],
    });
  });

  it('records a call on the Responses API, its cached and reasoning tokens too', async () => {
    const s = await m.scenario('responses', async () => {
      await generateText({
        model: openai.responses('gpt-4o-mini'),
        prompt: 'What is the capital of France?',
        experimental_telemetry: telemetry,
        maxRetries: 0,
      });
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toMatchObject({
      provider: 'openai',
      providerRaw: 'openai.responses',
      model: 'gpt-4o-mini',
      responseModel: responseModelFor('gpt-4o-mini'),
      operation: 'chat',
      usage: usage({
        inputTokens: RESPONSES_USAGE.input,
        outputTokens: RESPONSES_USAGE.output,
        cacheReadInputTokens: RESPONSES_USAGE.cached,
        reasoningOutputTokens: RESPONSES_USAGE.reasoning,
      }),
    });
  });

  it('gives a tool loop of two model calls two receipts, in order, and not one for generateText', async () => {
    const calls: unknown[] = [];
    const s = await m.scenario('tool-loop', async () => {
      const r = await generateText({
        model: openai.chat('gpt-4o-mini'),
        prompt: 'What is the weather in Paris?',
        tools: {
          weather: tool({
            description: 'The weather in a city',
            inputSchema: z.object({ city: z.string() }),
            execute: async (input) => {
              calls.push(input);
              return { city: input.city, celsius: 21 };
            },
          }),
        },
        stopWhen: stepCountIs(4),
        experimental_telemetry: telemetry,
        maxRetries: 0,
      });
      expect(r.steps).toHaveLength(2);
    });
    expect(calls).toEqual([TOOL_ARGUMENTS]);
    const bundle = await m.collect(s);
    // The ai.toolCall span: one tool call, its arguments and result committed to, never held.
    expect(toolCallsOf(bundle)).toEqual([
      {
        toolName: 'weather',
        callId: 'call_fake0001',
        status: 'unset',
        arguments: 'sha256',
        result: 'sha256',
        content: [null, null],
        vocabularies: ['vercel_ai'],
      },
    ]);
    const [first, second] = receiptsPerCall(bundle, s);
    expect(factsOf(first!)).toMatchObject({
      model: 'gpt-4o-mini',
      usage: chatUsage(CHAT_TOOL_CALL_USAGE),
      sources: [],
    });
    expect(factsOf(second!)).toMatchObject({
      model: 'gpt-4o-mini',
      usage: chatUsage(CHAT_USAGE),
      sources: [],
    });
  });

  it('records a failed call with error status', async () => {
    const s = await m.scenario('error', async () => {
      await expect(
        generateText({
          model: openai.chat(FAIL_MODEL),
          prompt: 'hi',
          experimental_telemetry: telemetry,
          maxRetries: 0,
        }),
      ).rejects.toThrow(/does not exist/);
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toEqual({
      provider: 'openai',
      providerRaw: 'openai.chat',
      model: FAIL_MODEL,
      responseModel: null,
      operation: 'chat',
      usage: usage({}),
      status: 'error',
      // With no usage and no gen_ai.operation.name, the failed doGenerate span is not a GenAI
      // model call by the GenAI table's rule; the AI SDK table reads it.
      vocabularies: ['vercel_ai'],
      sources: [],
    });
  });
});
