/**
 * LangChain (`@langchain/openai` on `@langchain/core`) with Arize OpenInference's LangChain
 * instrumentation, alone and then with its OpenAI instrumentation too, as Arize's users run them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import OpenAI from 'openai';
import { z } from 'zod';
import {
  ANSWER_TEXT,
  CHAT_TOOL_CALL_USAGE,
  CHAT_USAGE,
  FAIL_MODEL,
  RESPONSES_USAGE,
  TOOL_ARGUMENTS,
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
let options: { configuration: { baseURL: string }; apiKey: string; maxRetries: number };

beforeAll(async () => {
  m = await startMatrix('openinference-langchain');
  const instrumentation = new LangChainInstrumentation({ tracerProvider: m.provider });
  // Under ESM, and in every module system for LangChain: patch the callback manager module.
  instrumentation.manuallyInstrument(CallbackManagerModule);
  options = { configuration: { baseURL: `${m.fake.url}/v1` }, apiKey: 'test-key', maxRetries: 0 };
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
    // LangChain keeps OpenAI's audio token details (those that are not 0).
    modalities: {
      audio: { cacheReadInputTokens: null, inputTokens: x.audioIn, outputTokens: x.audioOut },
    },
  });

/** A LangChain receipt: the provider from LangChain's `ls_provider`; no response model recorded. */
const langChain = (u: ReturnType<typeof usage>, status = 'ok') => ({
  provider: 'openai',
  providerRaw: 'openai',
  model: 'gpt-4o-mini',
  responseModel: null,
  operation: 'chat',
  usage: u,
  status,
  vocabularies: ['openinference'],
  sources: [],
});

const weather = tool(async ({ city }: { city: string }) => JSON.stringify({ city, celsius: 21 }), {
  name: 'weather',
  description: 'The weather in a city',
  schema: z.object({ city: z.string() }),
});

/** A tool-bound model in a loop: call, run the tools it asked for, call again. */
async function toolLoop(): Promise<BaseMessage[]> {
  const model = new ChatOpenAI({ model: 'gpt-4o-mini', ...options }).bindTools([weather]);
  const messages: BaseMessage[] = [new HumanMessage('What is the weather in Paris?')];
  for (let turn = 0; turn < 4; turn++) {
    const reply = await model.invoke(messages);
    messages.push(reply);
    if (!reply.tool_calls?.length) break;
    for (const call of reply.tool_calls) {
      expect(call.args).toEqual(TOOL_ARGUMENTS);
      messages.push(await weather.invoke(call));
    }
  }
  return messages;
}

describe('@arizeai/openinference-instrumentation-langchain 4.1', () => {
  it('records a chat call, its provider from LangChain metadata and no response model', async () => {
    const s = await m.scenario('chat', async () => {
      const reply = await new ChatOpenAI({ model: 'gpt-4o-mini', ...options }).invoke('hi');
      expect(reply.content).toBe(ANSWER_TEXT);
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    // llm.model_name on LangChain's spans is the requested model, not the response's
    // (gpt-4o-mini-2024-07-18): the fold reads no response model from them.
    expect(factsOf(r!)).toEqual(langChain(chatUsage(CHAT_USAGE)));
  });

  it('records a streamed chat call with its usage', async () => {
    const s = await m.scenario('chat-stream', async () => {
      const model = new ChatOpenAI({ model: 'gpt-4o-mini', streamUsage: true, ...options });
      for await (const _chunk of await model.stream('hi')) {
        // read to the end
      }
    });
    expect(s.requests.map((q) => q.stream)).toEqual([true]);
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toEqual(langChain(chatUsage(CHAT_USAGE)));
  });

  it('records a call on the Responses API', async () => {
    const s = await m.scenario('responses', async () => {
      await new ChatOpenAI({ model: 'gpt-4o-mini', useResponsesApi: true, ...options }).invoke(
        'hi',
      );
    });
    expect(s.requests.map((q) => q.path)).toEqual(['/v1/responses']);
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toEqual(
      langChain(
        usage({
          inputTokens: RESPONSES_USAGE.input,
          outputTokens: RESPONSES_USAGE.output,
          cacheReadInputTokens: RESPONSES_USAGE.cached,
          reasoningOutputTokens: RESPONSES_USAGE.reasoning,
        }),
      ),
    );
  });

  it('does not trace embeddings: no span, no receipt', async () => {
    const s = await m.scenario('embeddings', async () => {
      await new OpenAIEmbeddings({ model: 'text-embedding-3-small', ...options }).embedQuery('a');
    });
    expect(s.requests).toHaveLength(1);
    const bundle = await m.collect(s);
    expect(bundle.model_io).toEqual([]);
  });

  it('gives a tool loop of two model calls two receipts, in order', async () => {
    const s = await m.scenario('tool-loop', async () => {
      expect(await toolLoop()).toHaveLength(4);
    });
    const bundle = await m.collect(s);
    // The TOOL span of weather.invoke: one tool call, arguments and result committed to.
    expect(toolCallsOf(bundle)).toEqual([
      {
        toolName: 'weather',
        // OpenInference's LangChain TOOL span does not record the model's tool call id.
        callId: null,
        status: 'ok',
        arguments: 'sha256',
        result: 'sha256',
        content: [null, null],
        vocabularies: ['openinference'],
      },
    ]);
    const [first, second] = receiptsPerCall(bundle, s);
    expect(factsOf(first!)).toEqual(langChain(chatUsage(CHAT_TOOL_CALL_USAGE)));
    expect(factsOf(second!)).toEqual(langChain(chatUsage(CHAT_USAGE)));
  });

  it('records a failed call with error status', async () => {
    const s = await m.scenario('error', async () => {
      await expect(new ChatOpenAI({ model: FAIL_MODEL, ...options }).invoke('hi')).rejects.toThrow(
        /400/,
      );
    });
    const [r] = receiptsPerCall(await m.collect(s), s);
    expect(factsOf(r!)).toEqual({ ...langChain(usage({}), 'error'), model: FAIL_MODEL });
  });

  describe('with the OpenInference OpenAI instrumentation too', () => {
    beforeAll(() => {
      new OpenAIInstrumentation({ tracerProvider: m.provider }).manuallyInstrument(OpenAI);
    });

    it("folds LangChain's span and the OpenAI client's sibling span of one call into one receipt", async () => {
      // LangChain's callbacks do not make its span the active context, so the OpenAI client's
      // span is its sibling, not its child: the sibling rule pairs each with the LangChain span
      // that encloses it in time and names the same model.
      const s = await m.scenario('tool-loop-both', async () => {
        await toolLoop();
      });
      const receipts = receiptsPerCall(await m.collect(s), s);
      expect(receipts).toHaveLength(2);
      for (const r of receipts) {
        expect(r.responseModel).toBe('gpt-4o-mini-2024-07-18');
        expect(r.sources.map((x) => ({ role: x.role, vocabularies: x.vocabularies }))).toEqual([
          { role: 'wrapper', vocabularies: ['openinference'] },
        ]);
      }
    });
  });
});
