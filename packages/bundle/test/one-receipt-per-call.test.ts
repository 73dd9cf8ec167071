import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import {
  foldRun,
  sealBundle,
  serializeBundle,
  summarizeBundle,
  type AttributeValue,
  type SpanRecord,
} from '../src/index.js';
import { wrappingPairs, type Interval } from '../src/one-receipt-per-call.js';
import { attrs, rng, span } from './fixtures.js';

const RUN = '1000000000000001';
const WRAPPER = '2000000000000002';
const SDK = '3000000000000003';
const SECOND = '4000000000000004';

function call(
  spanId: string,
  parentSpanId: string | undefined,
  a: Record<string, AttributeValue>,
  extra: Partial<SpanRecord> = {},
): SpanRecord {
  return span({
    spanId,
    ...(parentSpanId === undefined ? {} : { parentSpanId }),
    attributes: attrs(a),
    ...extra,
  });
}

/** OpenLLMetry's span, as `@traceloop/instrumentation-anthropic` writes it. */
const openllmetry = {
  'llm.request.type': 'chat',
  [sc.ATTR_GEN_AI_SYSTEM]: 'Anthropic',
  [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'claude-sonnet-4-5',
  [sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 120,
  [sc.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 30,
  'gen_ai.prompt.0.role': 'user',
  'gen_ai.prompt.0.content': 'Summarize the launch notes.',
};

/** The Anthropic SDK's own span, in the current GenAI names. */
const anthropicSdk = {
  [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
  [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic',
  [sc.ATTR_GEN_AI_RESPONSE_MODEL]: 'claude-sonnet-4-5-20250929',
  [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 120,
  [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 30,
  [sc.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]: 100,
};

function nested(): SpanRecord[] {
  return [
    call(RUN, undefined, {}, { name: 'agent' }),
    call(WRAPPER, RUN, openllmetry, { name: 'anthropic.chat', status: { code: 'ok' } }),
    call(SDK, WRAPPER, anthropicSdk, { name: 'anthropic.messages.create' }),
  ];
}

describe('oneReceiptPerCall', () => {
  it('folds a wrapper over the SDK span into one receipt, filled from both', () => {
    const bundle = sealBundle(foldRun(nested()));
    expect(bundle.model_io).toHaveLength(1);
    const [receipt] = bundle.model_io;
    expect(receipt).toMatchObject({
      spanId: SDK,
      provider: 'anthropic',
      providerRaw: 'anthropic',
      model: 'claude-sonnet-4-5',
      responseModel: 'claude-sonnet-4-5-20250929',
      operation: 'chat',
      usage: { inputTokens: 120, outputTokens: 30, cacheWriteInputTokens: 100 },
      status: { code: 'ok', message: null },
      vocabularies: ['gen_ai'],
      sources: [
        {
          spanId: WRAPPER,
          role: 'wrapper',
          vocabularies: ['gen_ai', 'openllmetry'],
          disagreements: {},
        },
      ],
    });
    // The prompt the wrapper carried is committed to, not held.
    expect(receipt?.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(receipt?.input.content).toBeNull();
    const { models, totals } = summarizeBundle(bundle);
    expect(models.size).toBe(1);
    expect(totals).toMatchObject({ calls: 1, inputTokens: 120, outputTokens: 30 });
    expect(bundle.events.filter((e) => e.type === 'model_io')).toHaveLength(1);
  });

  it('keeps what a wrapper says differently as a disagreement, and the innermost value', () => {
    const spans = nested();
    spans[1] = call(
      WRAPPER,
      RUN,
      { ...openllmetry, [sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 99, [sc.ATTR_GEN_AI_SYSTEM]: 'aws' },
      { status: { code: 'error', message: 'overloaded' } },
    );
    spans[2] = call(SDK, WRAPPER, anthropicSdk, { status: { code: 'ok' } });
    const [receipt] = foldRun(spans).model_io;
    expect(receipt?.usage.inputTokens).toBe(120);
    expect(receipt?.provider).toBe('anthropic');
    expect(receipt?.sources[0]?.disagreements).toEqual({
      inputTokens: 99,
      provider: 'aws',
      status: { code: 'error', message: 'overloaded' },
    });
  });

  it('keeps two calls under one span as two receipts, that span an aggregate of each', () => {
    const spans = [
      ...nested(),
      call(SECOND, WRAPPER, anthropicSdk, {
        startTimeUnixNano: 1_764_151_843_000_000_000n,
        endTimeUnixNano: 1_764_151_844_000_000_000n,
      }),
    ];
    const receipts = foldRun(spans).model_io;
    expect(receipts.map((m) => m.spanId)).toEqual([SDK, SECOND]);
    for (const m of receipts) {
      expect(m.sources).toEqual([
        { disagreements: {}, role: 'aggregate', spanId: WRAPPER, vocabularies: expect.any(Array) },
      ]);
      // None of the aggregate's values are taken: its request model stays out.
      expect(m.model).toBe('claude-sonnet-4-5-20250929');
    }
  });

  it('keeps calls apart that no call span encloses, and stops at a step span', () => {
    const step = '5000000000000005';
    const spans = [
      call(RUN, undefined, {}),
      call(WRAPPER, RUN, openllmetry),
      call(step, WRAPPER, { [sc.ATTR_STEP_ID]: 'draft' }),
      call(SDK, step, anthropicSdk),
      call(SECOND, RUN, anthropicSdk),
    ];
    const receipts = foldRun(spans).model_io;
    expect(receipts.map((m) => [m.spanId, m.sources.length]).sort()).toEqual([
      [WRAPPER, 0],
      [SDK, 0],
      [SECOND, 0],
    ]);
  });

  it('gives every span of a parent cycle its own receipt', () => {
    const spans = [
      call(RUN, undefined, {}),
      call(WRAPPER, SDK, anthropicSdk),
      call(SDK, WRAPPER, anthropicSdk),
    ];
    const receipts = foldRun(spans).model_io;
    expect(receipts.map((m) => m.spanId).sort()).toEqual([WRAPPER, SDK]);
    expect(receipts.every((m) => m.sources.length === 0)).toBe(true);
  });

  it('gives the same bytes whatever order nested call spans arrive in', () => {
    const random = rng(9);
    for (let round = 0; round < 100; round++) {
      // Random trees of call and plain spans, three deep, folded in every arrival order tried.
      const spans: SpanRecord[] = [call(RUN, undefined, {})];
      const ids = [RUN];
      for (let i = 0; i < 12; i++) {
        const id = (0x6000000000000000n + BigInt(round * 100 + i)).toString(16);
        const parent = ids[Math.floor(random() * ids.length)]!;
        const kind = random();
        const a: Record<string, AttributeValue> =
          kind < 0.4 ? anthropicSdk : kind < 0.7 ? openllmetry : {};
        spans.push(
          call(id, parent, a, {
            startTimeUnixNano: 1_764_151_842_000_000_000n + BigInt(i) * 1000n,
            status: random() < 0.3 ? { code: 'error', message: 'x' } : { code: 'unset' },
          }),
        );
        ids.push(id);
      }
      const reference = serializeBundle(sealBundle(foldRun(spans)));
      for (let k = 0; k < 5; k++) {
        const shuffled = [...spans];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(serializeBundle(sealBundle(foldRun(shuffled)))).toBe(reference);
      }
    }
  });
});

describe('oneReceiptPerCall, sibling spans of one call', () => {
  const MS = 1_000_000n;
  const T0 = 1_764_151_842_000_000_000n;
  /** LangChain's span under OpenInference: it does not make itself the active context. */
  const langChain = (model: string): Record<string, AttributeValue> => ({
    'openinference.span.kind': 'LLM',
    'llm.provider': 'openai',
    'llm.invocation_parameters': JSON.stringify({ model }),
  });
  const client = (model: string): Record<string, AttributeValue> => ({
    [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
    [sc.ATTR_GEN_AI_REQUEST_MODEL]: model,
    [sc.ATTR_GEN_AI_RESPONSE_MODEL]: `${model}-2024-07-18`,
    [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 42,
  });
  const at = (from: bigint, to: bigint): Partial<SpanRecord> => ({
    startTimeUnixNano: T0 + from,
    endTimeUnixNano: T0 + to,
  });
  /** Another instrumentation's scope than the client span's (the fixtures' `test`). */
  const LC: Partial<SpanRecord> = {
    scope: { name: '@arizeai/openinference-instrumentation-langchain' },
  };
  const A = '5000000000000005';
  const B = '6000000000000006';
  const C = '7000000000000007';
  const D = '8000000000000008';

  it('folds a sibling that encloses the call in time and names its model into one receipt', () => {
    const bundle = foldRun([
      call(RUN, undefined, {}),
      call(A, RUN, langChain('gpt-4o-mini'), { ...at(0n, 10n * MS), ...LC }),
      call(B, RUN, client('gpt-4o-mini'), at(1n * MS, 9n * MS)),
    ]);
    expect(bundle.model_io).toHaveLength(1);
    expect(bundle.model_io[0]).toMatchObject({
      spanId: B,
      responseModel: 'gpt-4o-mini-2024-07-18',
      sources: [{ spanId: A, role: 'wrapper', vocabularies: ['openinference'] }],
    });
    expect(summarizeBundle(sealBundle(bundle)).totals.calls).toBe(1);
  });

  it('pairs overlapping siblings of two instrumentations: the one that starts first wraps', () => {
    // The Anthropic SDK's stream helper starts its span, then calls messages.create, which
    // OpenLLMetry wraps in a sibling span; which of the two ends first is a race.
    const sdk = {
      [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic',
      [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'claude-3-5-haiku',
      [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1500,
      [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 30,
      [sc.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 1000,
      [sc.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS]: 400,
    };
    // OpenLLMetry's count, as Anthropic's API gives it: without the 1400 cached tokens.
    const traceloop = { ...openllmetry, [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'claude-3-5-haiku' };
    traceloop[sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS] = 100;
    traceloop[sc.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS] = 30;
    const OL: Partial<SpanRecord> = { scope: { name: '@traceloop/instrumentation-anthropic' } };
    const SDK_SCOPE: Partial<SpanRecord> = { scope: { name: '@anthropic-ai/sdk' } };
    for (const [sdkEnd, olEnd] of [
      [9n, 10n],
      [10n, 9n],
    ] as const) {
      const receipts = foldRun([
        call(RUN, undefined, {}),
        call(A, RUN, sdk, { ...at(0n, sdkEnd * MS), ...SDK_SCOPE }),
        call(B, RUN, traceloop, { ...at(1n * MS, olEnd * MS), ...OL }),
      ]).model_io;
      expect(receipts).toHaveLength(1);
      expect(receipts[0]).toMatchObject({
        spanId: B,
        usage: { inputTokens: 100, outputTokens: 30, cacheReadInputTokens: 1000 },
        sources: [{ spanId: A, role: 'wrapper', disagreements: { inputTokens: 1500 } }],
      });
    }
    // Input counts that differ by other than the cached tokens are two calls.
    const two = foldRun([
      call(RUN, undefined, {}),
      call(A, RUN, sdk, { ...at(0n, 9n * MS), ...SDK_SCOPE }),
      call(
        B,
        RUN,
        { ...traceloop, [sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 101 },
        {
          ...at(1n * MS, 10n * MS),
          ...OL,
        },
      ),
    ]).model_io;
    expect(two).toHaveLength(2);
  });

  it('pairs the calls of a loop each with its own enclosing sibling', () => {
    const receipts = foldRun([
      call(RUN, undefined, {}),
      call(A, RUN, langChain('gpt-4o-mini'), { ...at(0n, 10n * MS), ...LC }),
      call(B, RUN, client('gpt-4o-mini'), at(1n * MS, 9n * MS)),
      call(C, RUN, langChain('gpt-4o-mini'), { ...at(20n * MS, 30n * MS), ...LC }),
      call(D, RUN, client('gpt-4o-mini'), at(21n * MS, 29n * MS)),
    ]).model_io;
    expect(receipts.map((m) => [m.spanId, m.sources.map((x) => x.spanId)])).toEqual([
      [B, [A]],
      [D, [C]],
    ]);
  });

  it('keeps siblings apart that name other models, do not enclose, or pair ambiguously', () => {
    const apart = (spans: SpanRecord[]): string[] =>
      foldRun([call(RUN, undefined, {}), ...spans])
        .model_io.map((m) => `${m.spanId}:${m.sources.length}`)
        .sort();
    // Another model.
    expect(
      apart([
        call(A, RUN, langChain('gpt-4o'), { ...at(0n, 10n * MS), ...LC }),
        call(B, RUN, client('gpt-4o-mini'), at(1n * MS, 9n * MS)),
      ]),
    ).toEqual([`${A}:0`, `${B}:0`]);
    // Two parallel calls of one model, one inside the other in time: other token counts.
    expect(
      apart([
        call(A, RUN, client('gpt-4o-mini'), at(0n, 10n * MS)),
        call(
          B,
          RUN,
          { ...client('gpt-4o-mini'), [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 7 },
          at(1n * MS, 9n * MS),
        ),
      ]),
    ).toEqual([`${A}:0`, `${B}:0`]);
    // Not overlapping.
    expect(
      apart([
        call(A, RUN, langChain('gpt-4o-mini'), { ...at(0n, 10n * MS), ...LC }),
        call(B, RUN, client('gpt-4o-mini'), at(11n * MS, 19n * MS)),
      ]),
    ).toEqual([`${A}:0`, `${B}:0`]);
    // One instrumentation's two spans are two calls, however they overlap.
    expect(
      apart([
        call(A, RUN, langChain('gpt-4o-mini'), at(0n, 10n * MS)),
        call(B, RUN, client('gpt-4o-mini'), at(1n * MS, 9n * MS)),
      ]),
    ).toEqual([`${A}:0`, `${B}:0`]);
    // Two parallel calls of one model inside two parallel spans: no pairing is certain.
    expect(
      apart([
        call(A, RUN, langChain('gpt-4o-mini'), { ...at(0n, 10n * MS), ...LC }),
        call(B, RUN, langChain('gpt-4o-mini'), { ...at(0n, 10n * MS), ...LC }),
        call(C, RUN, client('gpt-4o-mini'), at(1n * MS, 9n * MS)),
        call(D, RUN, client('gpt-4o-mini'), at(2n * MS, 8n * MS)),
      ]),
    ).toEqual([`${A}:0`, `${B}:0`, `${C}:0`, `${D}:0`]);
  });

  it('compares microseconds, as every backend keeps them: equal intervals pair by span id', () => {
    // Within one microsecond of each other: Jaeger would make them equal, so the fold does too.
    const receipts = foldRun([
      call(RUN, undefined, {}),
      // In nanoseconds B encloses A; in microseconds they are equal, and A has the smaller id.
      // (Both last 10 ms once truncated to whole microseconds, as a backend keeps durations.)
      call(B, RUN, langChain('gpt-4o-mini'), { ...at(100n, 10n * MS + 1000n), ...LC }),
      call(A, RUN, client('gpt-4o-mini'), at(400n, 10n * MS + 500n)),
    ]).model_io;
    expect(receipts.map((m) => [m.spanId, m.sources.map((x) => x.spanId)])).toEqual([[B, [A]]]);
  });

  it('gives the same bytes whatever order sibling call spans arrive in', () => {
    const random = rng(11);
    for (let round = 0; round < 100; round++) {
      const spans: SpanRecord[] = [call(RUN, undefined, {})];
      for (let i = 0; i < 8; i++) {
        const id = (0x6100000000000000n + BigInt(round * 100 + i)).toString(16);
        const from = BigInt(Math.floor(random() * 5)) * MS + BigInt(Math.floor(random() * 3000));
        const to = from + BigInt(1 + Math.floor(random() * 6)) * MS;
        const model = random() < 0.8 ? 'gpt-4o-mini' : 'gpt-4o';
        const lc = random() < 0.5;
        spans.push(
          call(
            id,
            RUN,
            lc ? langChain(model) : client(model),
            lc ? { ...at(from, to), ...LC } : at(from, to),
          ),
        );
      }
      const reference = serializeBundle(sealBundle(foldRun(spans)));
      for (let k = 0; k < 5; k++) {
        const shuffled = [...spans];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(serializeBundle(sealBundle(foldRun(shuffled)))).toBe(reference);
      }
    }
  });
});

describe('wrappingPairs', () => {
  /** Every ordered pair of two scopes compared, as the fold did before the sweep. */
  function everyPair(siblings: readonly Interval[]): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const o of siblings) {
      for (const i of siblings) {
        if (o === i || o.scope === i.scope) continue;
        const wraps =
          o.start <= i.start &&
          i.start <= o.end &&
          (o.start < i.start || (o.end !== i.end ? o.end > i.end : o.id < i.id));
        if (wraps) out.push([o.id, i.id]);
      }
    }
    return out;
  }

  it('finds the pairs, in the same order, that comparing every pair finds', () => {
    const random = rng(23);
    let pairs = 0;
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 40);
      const span = 1 + Math.floor(random() * 200);
      const siblings: Interval[] = [];
      for (let k = 0; k < n; k++) {
        const start = BigInt(Math.floor(random() * span));
        siblings.push({
          id: (k * 7919 + round).toString(16).padStart(16, '0'),
          scope: random() < 0.5 ? 'openllmetry' : random() < 0.5 ? 'openinference' : 'sdk',
          start,
          end: start + BigInt(Math.floor(random() * 30)),
        });
      }
      const want = everyPair(siblings);
      pairs += want.length;
      expect(wrappingPairs(siblings).map(([o, i]) => [o.id, i.id])).toEqual(want);
    }
    expect(pairs).toBeGreaterThan(1000); // the rounds did overlap
  });

  it('has nothing to compare when one scope wrote every call', () => {
    const siblings: Interval[] = [0n, 0n, 5n].map((start, k) => ({
      id: String(k).padStart(16, '0'),
      scope: 'sdk',
      start,
      end: start + 10n,
    }));
    expect(wrappingPairs(siblings)).toEqual([]);
  });
});
