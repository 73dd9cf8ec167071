import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import {
  foldRun,
  isRunTrace,
  runBundleSchema,
  sealBundle,
  type AttributeValue,
  type SpanRecord,
  type ToolCallEvent,
} from '../src/index.js';
import { attrs, span } from './fixtures.js';

const ROOT = '1000000000000001';
const AGENT = '2000000000000002';
const LLM = '3000000000000003';
const TOOL = '4000000000000004';
const INNER = '5000000000000005';

const sha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function s(
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

function toolCalls(spans: SpanRecord[]): ToolCallEvent[] {
  return foldRun(spans).events.filter((e): e is ToolCallEvent => e.type === 'tool_call');
}

describe('tool calls', () => {
  const args = '{"city":"Paris"}';
  const result = '{"temp":21}';

  it.each([
    [
      'gen_ai execute_tool',
      {
        [sc.ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
        [sc.ATTR_GEN_AI_TOOL_NAME]: 'get_weather',
        [sc.ATTR_GEN_AI_TOOL_CALL_ID]: 'call_1',
        [sc.ATTR_GEN_AI_TOOL_TYPE]: 'function',
        [sc.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: args,
        [sc.ATTR_GEN_AI_TOOL_CALL_RESULT]: result,
      },
      { toolName: 'get_weather', callId: 'call_1', toolType: 'function' },
      'gen_ai',
    ],
    [
      'Vercel ai.toolCall',
      {
        'ai.operationId': 'ai.toolCall',
        'ai.toolCall.name': 'get_weather',
        'ai.toolCall.id': 'call_1',
        'ai.toolCall.args': args,
        'ai.toolCall.result': result,
      },
      { toolName: 'get_weather', callId: 'call_1', toolType: null },
      'vercel_ai',
    ],
    [
      'OpenInference TOOL',
      {
        'openinference.span.kind': 'TOOL',
        'tool.name': 'get_weather',
        'tool.id': 'call_1',
        'input.value': args,
        'output.value': result,
      },
      { toolName: 'get_weather', callId: 'call_1', toolType: null },
      'openinference',
    ],
    [
      'Traceloop tool',
      {
        'traceloop.span.kind': 'tool',
        'traceloop.entity.name': 'get_weather',
        'traceloop.entity.input': args,
        'traceloop.entity.output': result,
      },
      { toolName: 'get_weather', callId: null, toolType: null },
      'openllmetry',
    ],
  ])('reads a %s span as one tool call with commitments, never the content', (_, a, want, v) => {
    const spans = [
      s(TOOL, undefined, a, {
        status: { code: 'error', message: 'no such city' },
        endTimeUnixNano: span({ spanId: TOOL }).startTimeUnixNano + 12_345_678n,
      }),
    ];
    expect(isRunTrace(spans)).toBe(true);
    const bundle = foldRun(spans);
    const calls = toolCalls(spans);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      ...want,
      durationMs: 12.345,
      status: { code: 'error', message: 'no such city' },
      arguments: { sha256: sha(args), content: null, omitted: null },
      result: { sha256: sha(result), content: null, omitted: null },
      vocabularies: [v],
    });
    expect(bundle.model_io).toEqual([]);
    expect(JSON.stringify(bundle)).not.toContain('Paris');
    expect(runBundleSchema.safeParse(sealBundle(bundle)).success).toBe(true);
  });

  it('flags arguments past the inline limit instead of hashing what a backend may have cut', () => {
    const long = 'x'.repeat(sc.INLINE_LIMIT_BYTES + 1);
    const [call] = toolCalls([
      s(TOOL, undefined, {
        [sc.ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
        [sc.ATTR_GEN_AI_TOOL_NAME]: 't',
        [sc.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: long,
      }),
    ]);
    expect(call?.arguments).toEqual({ sha256: null, content: null, omitted: 'over_inline_limit' });
    expect(call?.result).toEqual({ sha256: null, content: null, omitted: null });
  });

  it('keeps two receipts of a tool loop apart: a tool span ends the walk to a wrapper', () => {
    // A model call inside a tool (a sub-agent run as a tool) under an outer call's span.
    const spans = [
      s(LLM, undefined, { [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat', 'gen_ai.request.model': 'a' }),
      s(TOOL, LLM, { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'ask' }),
      s(INNER, TOOL, { [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat', 'gen_ai.request.model': 'b' }),
    ];
    const bundle = foldRun(spans);
    expect(bundle.model_io.map((m) => [m.spanId, m.model, m.sources])).toEqual([
      [LLM, 'a', []],
      [INNER, 'b', []],
    ]);
    expect(toolCalls(spans).map((t) => t.toolName)).toEqual(['ask']);
  });
});

describe('agent spans as steps', () => {
  const agentRun = (rootAttrs: Record<string, AttributeValue> = {}): SpanRecord[] => [
    s(ROOT, undefined, rootAttrs, { name: 'app' }),
    s(
      AGENT,
      ROOT,
      { [sc.ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent' },
      { name: 'invoke_agent planner' },
    ),
    s(LLM, AGENT, { 'openinference.span.kind': 'LLM', 'llm.provider': 'openai' }),
    s(INNER, LLM, { 'openinference.span.kind': 'CHAIN' }, { name: 'parse' }),
    s(TOOL, AGENT, { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'lookup' }),
  ];

  it('makes invoke_agent, AGENT, CHAIN and Traceloop spans steps of a run with no workbench steps', () => {
    const bundle = foldRun(agentRun({ [sc.ATTR_RUN_ID]: 'r1' }));
    expect(
      bundle.steps.map((st) => [st.stepId, st.kind, st.name, st.parentStepId, st.vocabularies]),
    ).toEqual([
      [AGENT, 'agent', 'invoke_agent planner', null, ['gen_ai']],
      [INNER, 'chain', 'parse', AGENT, ['openinference']],
    ]);
    expect(bundle.model_io[0]?.stepId).toBe(AGENT);
    expect(toolCalls(agentRun())[0]?.stepId).toBe(AGENT);
    expect(bundle.events.filter((e) => e.type === 'step_started')).toHaveLength(2);
  });

  it('leaves them plain spans when the run has workbench steps', () => {
    const spans = agentRun();
    spans.push(s('6000000000000006', ROOT, { [sc.ATTR_STEP_ID]: 'draft' }));
    const bundle = foldRun(spans);
    expect(bundle.steps.map((st) => [st.stepId, st.vocabularies])).toEqual([
      ['draft', ['workbench']],
    ]);
    expect(bundle.model_io[0]?.stepId).toBeNull();
  });

  it('does not take Object members for step kinds', () => {
    const bundle = foldRun([
      s(ROOT, undefined, { 'openinference.span.kind': 'constructor' }),
      s(AGENT, ROOT, { 'traceloop.span.kind': 'toString', [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1 }),
    ]);
    expect(bundle.steps).toEqual([]);
  });
});
