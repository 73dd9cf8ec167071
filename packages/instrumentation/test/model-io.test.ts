import { createHash } from 'node:crypto';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_MODEL_IO_COST_AMOUNT,
  ATTR_MODEL_IO_COST_CURRENCY,
  ATTR_MODEL_IO_DURATION_MS,
  ATTR_MODEL_IO_INPUT,
  ATTR_MODEL_IO_INPUT_SHA256,
  ATTR_MODEL_IO_OUTPUT,
  ATTR_MODEL_IO_OUTPUT_SHA256,
  ENV_CAPTURE_CONTENT,
  EVENT_MODEL_IO,
  INLINE_LIMIT_BYTES,
} from '@llm-workbench/semconv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelIo } from '../src/index.js';
import { captureDiag, event, everything, harness, type Harness } from './helpers.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const FAKE_KEY = 'sk-proj-AbCdEf0123456789AbCdEf0123456789AbCdEf0123456789';
const prompt = `Summarize the report. (Authorization: Bearer ${FAKE_KEY})`;
const answer = 'The report says revenue grew.';

const receipt: ModelIo = {
  provider: 'openai',
  model: 'gpt-4o',
  responseModel: 'gpt-4o-2024-08-06',
  inputTokens: 812,
  outputTokens: 164,
  cacheReadInputTokens: 512,
  cacheCreationInputTokens: 0,
  reasoningOutputTokens: 20,
  durationMs: 2310.5,
  cost: { amount: 0.0042, currency: 'USD' },
  input: prompt,
  output: answer,
};

function recordOne(h: Harness, io: ModelIo = receipt) {
  const run = h.wb.startRun({ name: 'r' });
  const step = run.startStep('draft');
  step.recordModelIo(io);
  step.end();
  run.end();
  return event(h.span('step draft'), EVENT_MODEL_IO).attributes ?? {};
}

describe('recordModelIo', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('records cacheWriteInputTokens under gen_ai.usage.cache_write.input_tokens, over the deprecated name', () => {
    const { cacheCreationInputTokens: _old, ...rest } = receipt;
    const attributes = recordOne(harness(), {
      ...rest,
      cacheWriteInputTokens: 300,
      cacheCreationInputTokens: 7,
    });
    expect(attributes[ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]).toBe(300);
    expect(attributes['gen_ai.usage.cache_creation.input_tokens']).toBeUndefined();
  });

  it('records the GenAI usage (the deprecated cacheCreationInputTokens under cache_write), duration, cost and hashes', () => {
    const attributes = recordOne(harness());
    expect(attributes).toEqual({
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
      [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
      [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 812,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 164,
      [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 512,
      [ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]: 0,
      [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: 20,
      [ATTR_MODEL_IO_DURATION_MS]: 2310.5,
      [ATTR_MODEL_IO_COST_AMOUNT]: 0.0042,
      [ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
      [ATTR_MODEL_IO_INPUT_SHA256]: sha256(prompt),
      [ATTR_MODEL_IO_OUTPUT_SHA256]: sha256(answer),
    });
  });

  it('keeps prompts and responses, and strings that look like API keys, out by default', () => {
    const h = harness();
    recordOne(h);
    const recorded = everything(h.spans());
    expect(recorded).not.toContain(FAKE_KEY);
    expect(recorded).not.toContain('Summarize');
    expect(recorded).not.toContain(answer);
    expect(h.wb.captureContent).toBe(false);
  });

  it('records content with captureContent: true', () => {
    const attributes = recordOne(harness({ captureContent: true }));
    expect(attributes[ATTR_MODEL_IO_INPUT]).toBe(prompt);
    expect(attributes[ATTR_MODEL_IO_OUTPUT]).toBe(answer);
    expect(attributes[ATTR_MODEL_IO_INPUT_SHA256]).toBe(sha256(prompt));
  });

  it('records content when WORKBENCH_CAPTURE_CONTENT=true and the option is not set', () => {
    vi.stubEnv(ENV_CAPTURE_CONTENT, 'TRUE');
    const attributes = recordOne(harness());
    expect(attributes[ATTR_MODEL_IO_INPUT]).toBe(prompt);
  });

  it('lets the code option override the environment', () => {
    vi.stubEnv(ENV_CAPTURE_CONTENT, 'true');
    expect(recordOne(harness({ captureContent: false }))[ATTR_MODEL_IO_INPUT]).toBeUndefined();
    vi.stubEnv(ENV_CAPTURE_CONTENT, 'false');
    expect(recordOne(harness({ captureContent: true }))[ATTR_MODEL_IO_INPUT]).toBe(prompt);
  });

  it('reads the environment at construction, not at module load or per call', () => {
    const h = harness();
    vi.stubEnv(ENV_CAPTURE_CONTENT, 'true');
    expect(recordOne(h)[ATTR_MODEL_IO_INPUT]).toBeUndefined();
    expect(recordOne(harness())[ATTR_MODEL_IO_INPUT]).toBe(prompt);
  });

  it('ignores, and reports, an environment value that is neither true nor false', () => {
    vi.stubEnv(ENV_CAPTURE_CONTENT, 'yes');
    const diag = captureDiag();
    try {
      expect(recordOne(harness())[ATTR_MODEL_IO_INPUT]).toBeUndefined();
      expect(diag.problems().join('\n')).toContain('"yes"');
    } finally {
      diag.stop();
    }
  });

  it('leaves out content over INLINE_LIMIT_BYTES but keeps its hash', () => {
    const long = 'é'.repeat(INLINE_LIMIT_BYTES / 2 + 1); // 2 bytes each: one code point over
    const attributes = recordOne(harness({ captureContent: true }), { ...receipt, input: long });
    expect(attributes[ATTR_MODEL_IO_INPUT]).toBeUndefined();
    expect(attributes[ATTR_MODEL_IO_INPUT_SHA256]).toBe(sha256(long));
    const fits = 'é'.repeat(INLINE_LIMIT_BYTES / 2);
    const kept = recordOne(harness({ captureContent: true }), { ...receipt, input: fits });
    expect(kept[ATTR_MODEL_IO_INPUT]).toBe(fits);
  });

  it('records well-formed text whose hash matches it, even from a lone surrogate', () => {
    const attributes = recordOne(harness({ captureContent: true }), {
      ...receipt,
      output: 'a\uD800b',
    });
    expect(attributes[ATTR_MODEL_IO_OUTPUT]).toBe('a\uFFFDb');
    expect(attributes[ATTR_MODEL_IO_OUTPUT_SHA256]).toBe(sha256('a\uFFFDb'));
  });

  it('uses the given operation and event time', () => {
    const h = harness();
    const run = h.wb.startRun({ name: 'r' });
    run.recordModelIo({ ...receipt, operation: 'embeddings', time: new Date(1_764_151_842_123) });
    run.end();
    const recorded = event(h.span('run r'), EVENT_MODEL_IO);
    expect(recorded.attributes?.[ATTR_GEN_AI_OPERATION_NAME]).toBe('embeddings');
    expect(recorded.time).toEqual([1_764_151_842, 123_000_000]);
  });

  it('leaves out invalid fields, records the rest and reports them', () => {
    const diag = captureDiag();
    try {
      const attributes = recordOne(harness(), {
        ...receipt,
        inputTokens: -1,
        outputTokens: 1.5,
        durationMs: Number.NaN,
        cost: { amount: 0.1, currency: 7 as unknown as string },
      });
      expect(attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS]).toBeUndefined();
      expect(attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]).toBeUndefined();
      expect(attributes[ATTR_MODEL_IO_DURATION_MS]).toBeUndefined();
      expect(attributes[ATTR_MODEL_IO_COST_AMOUNT]).toBe(0.1);
      expect(attributes[ATTR_GEN_AI_REQUEST_MODEL]).toBe('gpt-4o');
      const problems = diag.problems().join('\n');
      expect(problems).toContain('inputTokens');
      expect(problems).toContain('durationMs');
      expect(problems).toContain('cost.currency');
    } finally {
      diag.stop();
    }
  });
});

describe('modelCall', () => {
  it('times the call, records its receipt and returns its result unchanged', async () => {
    const h = harness({ captureContent: true });
    const result = await h.wb.run({ name: 'r' }, (run) =>
      run.step('s', (step) =>
        step.modelCall({ provider: 'anthropic', model: 'claude', input: 'hi' }, async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return { output: 'hello', inputTokens: 3, outputTokens: 2, raw: { id: 'msg_1' } };
        }),
      ),
    );
    expect(result.raw.id).toBe('msg_1');
    const attributes = event(h.span('step s'), EVENT_MODEL_IO).attributes ?? {};
    expect(attributes[ATTR_GEN_AI_PROVIDER_NAME]).toBe('anthropic');
    expect(attributes[ATTR_MODEL_IO_INPUT]).toBe('hi');
    expect(attributes[ATTR_MODEL_IO_OUTPUT]).toBe('hello');
    expect(attributes['raw']).toBeUndefined();
    expect(attributes[ATTR_MODEL_IO_DURATION_MS]).toBeGreaterThanOrEqual(15);
  });

  it('rethrows the call error unchanged and records no receipt', async () => {
    const h = harness();
    const boom = new Error('rate limited');
    const run = h.wb.startRun({ name: 'r' });
    await expect(
      run.modelCall({ provider: 'p', model: 'm' }, () => Promise.reject(boom)),
    ).rejects.toBe(boom);
    run.end();
    expect(h.span('run r').events).toEqual([]);
  });
});
