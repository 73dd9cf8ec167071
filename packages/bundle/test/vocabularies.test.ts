import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import {
  canonicalize,
  foldRun,
  normalizeProvider,
  sealBundle,
  type AttributeValue,
  type ModelIoReceipt,
} from '../src/index.js';
import { attrs, span } from './fixtures.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function receiptsOf(...spans: Array<Record<string, AttributeValue>>): ModelIoReceipt[] {
  const records = spans.map((a, i) =>
    span({
      spanId: `${(i + 1).toString(16).padStart(16, 'a')}`,
      attributes: attrs(a),
    }),
  );
  return foldRun(records).model_io;
}

function only(a: Record<string, AttributeValue>): ModelIoReceipt {
  const receipts = receiptsOf(a);
  expect(receipts).toHaveLength(1);
  return receipts[0] as ModelIoReceipt;
}

describe('normalizeProvider', () => {
  it('drops API suffixes, lower-cases and resolves aliases', () => {
    expect(normalizeProvider('openai.chat')).toBe('openai');
    expect(normalizeProvider('openai.responses')).toBe('openai');
    expect(normalizeProvider('anthropic.messages')).toBe('anthropic');
    expect(normalizeProvider('OpenAI')).toBe('openai');
    expect(normalizeProvider('azure-openai.chat')).toBe('azure.ai.openai');
    expect(normalizeProvider('google.generative-ai')).toBe('gcp.gemini');
    expect(normalizeProvider('aws.bedrock')).toBe('aws.bedrock');
  });
});

describe('the GenAI vocabulary', () => {
  it('reads the current names, cache writes and reported cost', () => {
    const r = only({
      [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic',
      [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'claude-sonnet-4-5',
      [sc.ATTR_GEN_AI_RESPONSE_MODEL]: 'claude-sonnet-4-5-20250929',
      [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 120,
      [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 30,
      [sc.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 100,
      [sc.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]: 20,
      [sc.ATTR_GEN_AI_USAGE_COST_AMOUNT]: 0.0021,
      [sc.ATTR_GEN_AI_USAGE_COST_CURRENCY]: 'USD',
    });
    expect(r).toMatchObject({
      operation: 'chat',
      provider: 'anthropic',
      providerRaw: 'anthropic',
      model: 'claude-sonnet-4-5',
      responseModel: 'claude-sonnet-4-5-20250929',
      usage: {
        inputTokens: 120,
        outputTokens: 30,
        cacheReadInputTokens: 100,
        cacheWriteInputTokens: 20,
        reasoningOutputTokens: null,
      },
      cost: { amount: 0.0021, currency: 'USD' },
      vocabularies: ['gen_ai'],
      source: 'span',
    });
  });

  it('reads usage per modality, only for the modalities a span reported', () => {
    const r = only({
      [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
      [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-audio-preview',
      [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 60,
      [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 40,
      [sc.ATTR_GEN_AI_USAGE_AUDIO_INPUT_TOKENS]: 40,
      [sc.ATTR_GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS]: 25,
      [sc.ATTR_GEN_AI_USAGE_AUDIO_CACHE_READ_INPUT_TOKENS]: 20,
      [sc.ATTR_GEN_AI_USAGE_TEXT_INPUT_TOKENS]: 20,
    });
    expect(r.usage).toEqual({
      cacheReadInputTokens: null,
      cacheWriteInputTokens: null,
      inputTokens: 60,
      modalities: {
        audio: { cacheReadInputTokens: 20, inputTokens: 40, outputTokens: 25 },
        text: { cacheReadInputTokens: null, inputTokens: 20, outputTokens: null },
      },
      outputTokens: 40,
      reasoningOutputTokens: null,
    });
    // OpenInference's audio details; a span with no breakdown has no `modalities` member.
    const oi = only({
      'openinference.span.kind': 'LLM',
      'llm.provider': 'openai',
      'llm.token_count.prompt': 10,
      'llm.token_count.prompt_details.audio': 7,
      'llm.token_count.completion_details.audio': 0,
    });
    expect(oi.usage.modalities).toEqual({
      audio: { cacheReadInputTokens: null, inputTokens: 7, outputTokens: 0 },
    });
    expect('modalities' in only({ [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 3 }).usage).toBe(false);
  });

  it('prefers current names over the older ones when a span carries both', () => {
    const r = only({
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
      [sc.ATTR_GEN_AI_SYSTEM]: 'az.ai.inference',
      [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10,
      [sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 99,
      [sc.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]: 5,
      [sc.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 6,
    });
    expect(r.provider).toBe('openai');
    expect(r.usage.inputTokens).toBe(10);
    expect(r.usage.cacheWriteInputTokens).toBe(5);
  });

  it('reads the older names alone', () => {
    const r = only({
      [sc.ATTR_GEN_AI_SYSTEM]: 'openai',
      [sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 7,
      [sc.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 3,
      [sc.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 2,
    });
    expect(r).toMatchObject({
      provider: 'openai',
      usage: { inputTokens: 7, outputTokens: 3, cacheWriteInputTokens: 2 },
    });
  });

  it('does not take tool and agent spans for model calls', () => {
    expect(
      receiptsOf(
        { [sc.ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool', 'gen_ai.tool.name': 'search' },
        {
          [sc.ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent',
          [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
        },
      ),
    ).toEqual([]);
  });

  it('commits to the content a span carries without holding it', () => {
    const messages = '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]';
    const out = '[{"role":"assistant","parts":[{"type":"text","content":"hello"}]}]';
    const system = '[{"type":"text","content":"be brief"}]';
    const r = only({
      [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [sc.ATTR_GEN_AI_INPUT_MESSAGES]: messages,
      [sc.ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: system,
      [sc.ATTR_GEN_AI_OUTPUT_MESSAGES]: out,
    });
    expect(r.output).toEqual({ content: null, omitted: null, sha256: sha256(out) });
    expect(r.input).toEqual({
      content: null,
      omitted: null,
      sha256: sha256(
        canonicalize({
          [sc.ATTR_GEN_AI_INPUT_MESSAGES]: messages,
          [sc.ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: system,
        }),
      ),
    });
  });

  it('leaves no commitment for content past the inline limit, which a backend may truncate', () => {
    const r = only({
      [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [sc.ATTR_GEN_AI_INPUT_MESSAGES]: 'x'.repeat(sc.INLINE_LIMIT_BYTES + 1),
    });
    expect(r.input).toEqual({ content: null, omitted: 'over_inline_limit', sha256: null });
    expect(r.output).toEqual({ content: null, omitted: null, sha256: null });
  });
});

describe('the OpenInference vocabulary', () => {
  it('reads an LLM span: request model from the invocation parameters, cache and reasoning', () => {
    const r = only({
      'openinference.span.kind': 'LLM',
      'llm.system': 'openai',
      'llm.provider': 'openai',
      'llm.model_name': 'gpt-4o-mini-2024-07-18',
      'llm.invocation_parameters': '{"model":"gpt-4o-mini","temperature":0}',
      'llm.token_count.prompt': 50,
      'llm.token_count.completion': 12,
      'llm.token_count.total': 62,
      'llm.token_count.prompt_details.cache_read': 32,
      'llm.token_count.completion_details.reasoning': 4,
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': 'hi',
      'output.value': '{"choices":[]}',
    });
    expect(r).toMatchObject({
      operation: 'chat',
      provider: 'openai',
      model: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      usage: {
        inputTokens: 50,
        outputTokens: 12,
        cacheReadInputTokens: 32,
        reasoningOutputTokens: 4,
      },
      vocabularies: ['openinference'],
    });
    expect(r.input.sha256).toBe(
      sha256(
        canonicalize({
          'llm.input_messages.0.message.content': 'hi',
          'llm.input_messages.0.message.role': 'user',
        }),
      ),
    );
    expect(r.output.sha256).toBe(sha256('{"choices":[]}'));
  });

  it('reads an EMBEDDING span and ignores CHAIN and TOOL spans as model calls', () => {
    const receipts = receiptsOf(
      {
        'openinference.span.kind': 'EMBEDDING',
        'embedding.model_name': 'text-embedding-3-small',
        'llm.token_count.prompt': 8,
      },
      { 'openinference.span.kind': 'CHAIN' },
      { 'openinference.span.kind': 'TOOL', 'tool.name': 'search' },
    );
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      operation: 'embeddings',
      model: 'text-embedding-3-small',
      usage: { inputTokens: 8 },
    });
  });

  it("reads a LangChain LLM span's provider from LangChain's metadata, and takes its llm.model_name for no response model", () => {
    // As @arizeai/openinference-instrumentation-langchain 4.1 writes a ChatOpenAI call: no
    // llm.provider, and llm.model_name copied from the invocation parameters.
    const r = only({
      'openinference.span.kind': 'LLM',
      'llm.invocation_parameters': '{"model":"gpt-4o-mini","stream":false}',
      'llm.model_name': 'gpt-4o-mini',
      metadata:
        '{"ls_provider":"openai","ls_model_name":"gpt-4o-mini","ls_model_type":"chat","ls_integration":"langchain_chat_model"}',
      'llm.token_count.prompt': 42,
      'llm.token_count.completion': 9,
    });
    expect(r).toMatchObject({
      provider: 'openai',
      providerRaw: 'openai',
      model: 'gpt-4o-mini',
      responseModel: null,
      usage: { inputTokens: 42, outputTokens: 9 },
      vocabularies: ['openinference'],
    });
    expect(
      only({
        'openinference.span.kind': 'LLM',
        metadata: '{"ls_provider":"anthropic","ls_model_name":"claude-3-5-haiku"}',
      }),
    ).toMatchObject({ provider: 'anthropic', model: 'claude-3-5-haiku', responseModel: null });
  });

  it('prefers llm.provider over LangChain metadata, and ignores metadata that is not JSON', () => {
    expect(
      only({
        'openinference.span.kind': 'LLM',
        'llm.provider': 'azure',
        metadata: '{"ls_provider":"openai"}',
      }).provider,
    ).toBe('azure');
    const bundle = foldRun([
      span({
        spanId: 'e000000000000001',
        attributes: attrs({
          'openinference.span.kind': 'LLM',
          'llm.model_name': 'gpt-4o-mini-2024-07-18',
          metadata: 'not json',
        }),
      }),
    ]);
    expect(bundle.model_io[0]).toMatchObject({
      provider: null,
      responseModel: 'gpt-4o-mini-2024-07-18',
    });
    expect(bundle.diagnostics).toEqual([]);
  });
});

describe('the Vercel AI SDK vocabulary', () => {
  it('takes doGenerate for the call, not the generateText span around it', () => {
    const receipts = receiptsOf(
      {
        'ai.operationId': 'ai.generateText',
        'ai.model.provider': 'openai.responses',
        'ai.model.id': 'gpt-4o',
        'ai.usage.promptTokens': 20,
        'ai.usage.completionTokens': 5,
      },
      {
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.model.provider': 'openai.responses',
        'ai.model.id': 'gpt-4o',
        'ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.system': 'openai.responses',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 20,
        'gen_ai.usage.output_tokens': 5,
        'ai.usage.cachedInputTokens': 16,
        'ai.usage.reasoningTokens': 2,
        'ai.usage.inputTokenDetails.cacheWriteTokens': 4,
        'ai.response.text': 'hello',
      },
    );
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      operation: 'chat',
      provider: 'openai',
      providerRaw: 'openai.responses',
      model: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      usage: {
        inputTokens: 20,
        outputTokens: 5,
        cacheReadInputTokens: 16,
        cacheWriteInputTokens: 4,
        reasoningOutputTokens: 2,
      },
      output: { sha256: sha256('hello') },
      vocabularies: ['gen_ai', 'vercel_ai'],
    });
  });

  it('reads doEmbed as an embeddings receipt', () => {
    expect(
      only({
        'ai.operationId': 'ai.embed.doEmbed',
        'ai.model.provider': 'openai.embedding',
        'ai.model.id': 'text-embedding-3-small',
        'ai.usage.tokens': 6,
      }),
    ).toMatchObject({
      operation: 'embeddings',
      provider: 'openai',
      model: 'text-embedding-3-small',
      usage: { inputTokens: 6 },
      vocabularies: ['vercel_ai'],
    });
  });
});

describe('the OpenLLMetry vocabulary', () => {
  it('reads llm.request.type, its cache names and flattened prompts', () => {
    const r = only({
      'llm.request.type': 'chat',
      [sc.ATTR_GEN_AI_SYSTEM]: 'Anthropic',
      [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'claude-3-5-haiku',
      [sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 40,
      [sc.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 9,
      'gen_ai.usage.cache_read_input_tokens': 30,
      'gen_ai.usage.cache_creation_input_tokens': 10,
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'hi',
      'gen_ai.completion.0.content': 'hello',
    });
    expect(r).toMatchObject({
      operation: 'chat',
      provider: 'anthropic',
      providerRaw: 'Anthropic',
      usage: {
        inputTokens: 40,
        outputTokens: 9,
        cacheReadInputTokens: 30,
        cacheWriteInputTokens: 10,
      },
      vocabularies: ['gen_ai', 'openllmetry'],
    });
    expect(r.output.sha256).toBe(sha256('hello'));
  });
});

describe('recognizing model calls', () => {
  it("does not take names of Object's members for known values", () => {
    expect(
      receiptsOf({ 'openinference.span.kind': 'constructor' }, { 'llm.request.type': 'toString' }),
    ).toEqual([]);
    expect(normalizeProvider('constructor')).toBe('constructor');
    expect(
      only({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'constructor' })
        .provider,
    ).toBe('constructor');
  });

  it('leaves no diagnostic on a span it does not recognize', () => {
    const bundle = foldRun([
      span({
        spanId: 'd000000000000001',
        attributes: attrs({
          'openinference.span.kind': 7,
          'llm.request.type': true,
          'ai.operationId': 3,
        }),
      }),
    ]);
    expect(bundle.model_io).toEqual([]);
    expect(bundle.diagnostics.filter((d) => d.code === 'wrong_type')).toEqual([]);
  });
});

describe('workbench.model_io events', () => {
  it('say so, and read cache writes under either name', () => {
    const bundle = sealBundle(
      foldRun([
        span({
          spanId: 'b000000000000001',
          events: [
            {
              name: sc.EVENT_MODEL_IO,
              timeUnixNano: 1_764_151_842_000_500_000n,
              attributes: attrs({
                [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
                [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
                [sc.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 11,
              }),
            },
          ],
        }),
      ]),
    );
    expect(bundle.model_io[0]).toMatchObject({
      source: 'event',
      vocabularies: ['workbench'],
      usage: { cacheWriteInputTokens: 11 },
    });
  });
});
