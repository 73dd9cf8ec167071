import type { FakeModelResponse } from './types.js';

/** The demo's provider name, `gen_ai.provider.name`. */
export const DEMO_PROVIDER = 'workbench-demo';

/** The demo's two models. */
export const DEMO_MODELS = {
  planner: 'demo-planner-small',
  writer: 'demo-writer-large',
} as const;

/** A model's price in USD per million tokens, and the duration the demo reports for it. */
interface DemoModelSpec {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
  readonly durationMs: number;
}

/**
 * The fixed cost table (USD per million tokens) and durations of the demo models.
 *
 * @example
 * DEMO_PRICES['demo-writer-large'].outputPerMillion; // 10
 */
export const DEMO_PRICES: Readonly<Record<string, DemoModelSpec>> = {
  [DEMO_MODELS.planner]: { inputPerMillion: 0.15, outputPerMillion: 0.6, durationMs: 640 },
  [DEMO_MODELS.writer]: { inputPerMillion: 2.5, outputPerMillion: 10, durationMs: 1830 },
};

const UNKNOWN_MODEL: DemoModelSpec = { inputPerMillion: 0, outputPerMillion: 0, durationMs: 100 };

/**
 * A deterministic stand-in for a model: no network, no randomness. A prompt asking for numbered
 * sections gets three sections about the topic it names; any other prompt gets a Markdown draft
 * with a section for each numbered line in it. Tokens are counted as one per four UTF-8 bytes;
 * duration and cost come from {@link DEMO_PRICES}.
 *
 * @example
 * fakeModel({ model: 'demo-planner-small', prompt: 'Plan a newsletter about tea. Reply with three numbered sections.' }).output;
 * // '1. Why tea matters\n2. How tea works\n3. What to try next with tea'
 */
export function fakeModel(request: { model: string; prompt: string }): FakeModelResponse {
  const output = /numbered sections/i.test(request.prompt)
    ? plan(topicOf(request.prompt))
    : draft(request.prompt);
  const spec = DEMO_PRICES[request.model] ?? UNKNOWN_MODEL;
  const inputTokens = tokens(request.prompt);
  const outputTokens = tokens(output);
  const amount =
    (inputTokens * spec.inputPerMillion + outputTokens * spec.outputPerMillion) / 1_000_000;
  return {
    output,
    inputTokens,
    outputTokens,
    durationMs: spec.durationMs,
    // Rounded so that the receipt shows a plain decimal, the same on every platform.
    cost: { amount: Math.round(amount * 1e9) / 1e9, currency: 'USD' },
  };
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(text, 'utf8') / 4));
}

function topicOf(prompt: string): string {
  return /about (.+?)\./.exec(prompt)?.[1] ?? 'the topic';
}

function plan(topic: string): string {
  return [
    `1. Why ${topic} matters`,
    `2. How ${topic} works`,
    `3. What to try next with ${topic}`,
  ].join('\n');
}

function draft(prompt: string): string {
  const sections = prompt
    .split('\n')
    .map((line) => /^\d+\.\s+(.+)$/.exec(line.trim())?.[1])
    .filter((title): title is string => title !== undefined);
  const title = sections[0]?.replace(/^Why (.+) matters$/, '$1') ?? 'Newsletter';
  const body = sections.flatMap((section) => [
    `## ${section}`,
    '',
    `${section} — in three sentences. This paragraph is canned text from a fake model. It never changes.`,
    '',
  ]);
  return [`# This week: ${title}`, '', ...body].join('\n');
}
