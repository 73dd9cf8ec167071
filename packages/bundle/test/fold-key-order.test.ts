import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import { foldRun, type AttributeValue, type SpanRecord } from '../src/index.js';
import { attrs, ev, rng, sampleRun, span } from './fixtures.js';
import { segmentedRun } from './segment-fixtures.js';

/**
 * The fold writes every object with its members already in RFC 8785 order, so that canonicalize
 * (and so sealing) copies nothing. Nothing breaks if that rots, it only gets slower: this test is
 * what keeps it.
 */

/** V8 lists integer-like keys first, in numeric order, whatever the insertion order. */
const INTEGER_LIKE = /^(0|[1-9][0-9]*)$/;

/** JSON pointers of every object in `value` whose own keys are not in UTF-16 code unit order. */
function outOfOrder(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => outOfOrder(v, `${path}/${i}`));
  const keys = Object.keys(value);
  const bad: string[] = [];
  const comparable = keys.filter((k) => !INTEGER_LIKE.test(k));
  for (let i = 1; i < comparable.length; i++) {
    if (!(comparable[i - 1]! < comparable[i]!)) {
      bad.push(`${path} (${comparable[i - 1]} before ${comparable[i]})`);
      break;
    }
  }
  for (const key of keys) {
    bad.push(...outOfOrder((value as Record<string, unknown>)[key], `${path}/${key}`));
  }
  return bad;
}

/** A trace with every kind of bundle member: each event type, receipts, artifacts, odd values. */
function everything(seed: number): SpanRecord[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const value = (): AttributeValue =>
    pick<AttributeValue>([
      'text',
      7,
      2.5,
      Number.NaN,
      2n ** 70n,
      true,
      null,
      new Uint8Array([1, 2]),
      ['a', 1],
      { kvlist: attrs({ z: 1, a: 'x', m: [{ kvlist: attrs({ y: 1, b: 2 }) }] }) },
      'x'.repeat(3000),
    ]);
  const spans = sampleRun();
  spans.push(
    span({
      spanId: '6000000000000006',
      parentSpanId: '2000000000000002',
      name: 'chat',
      status: { code: 'error', message: 'boom' },
      attributes: attrs({
        [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
        [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 3,
        [sc.ATTR_MODEL_IO_COST_AMOUNT]: 0.5,
        [sc.ATTR_MODEL_IO_INPUT]: 'hello',
        [sc.ATTR_MODEL_IO_OUTPUT]: 'x'.repeat(5000),
      }),
      events: [
        ev('tool.call', 1n, { zeta: value(), alpha: value(), mid: value(), '10': 1, '9': 2 }),
        ev(sc.EVENT_ARTIFACT, 2n, {
          [sc.ATTR_ARTIFACT_KEY]: 'k',
          [sc.ATTR_ARTIFACT_VERSION]: 3,
          [sc.ATTR_ARTIFACT_CONTENT]: 'body',
          [sc.ATTR_ARTIFACT_SHA256]: createHash('sha256').update('body').digest('hex'),
        }),
        ev('workbench.unheard_of', 3n, { b: value(), a: value() }),
      ],
    }),
    span({
      spanId: '7000000000000007',
      parentSpanId: 'ffffffffffffffff',
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'orphan', [sc.ATTR_STEP_KIND]: 7 }),
      events: [
        ev(sc.EVENT_WORKFLOW_SNAPSHOT, 4n, {
          [sc.ATTR_WORKFLOW_DEFINITION]: '{"z":1,"a":{"y":[{"d":1,"c":2}],"b":null}}',
        }),
        ev(sc.EVENT_GATE_REQUESTED, 5n, { [sc.ATTR_GATE_SUBJECT_ARTIFACT_KEY]: 'k' }),
      ],
    }),
    span({
      spanId: '8000000000000008',
      parentSpanId: '2000000000000002',
      attributes: attrs({
        [sc.ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
        [sc.ATTR_GEN_AI_TOOL_NAME]: 'get_weather',
        [sc.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: '{"city":"Paris"}',
      }),
    }),
  );
  return spans;
}

describe('foldRun output', () => {
  it('has every object in canonical (UTF-16 code unit) key order', () => {
    expect(outOfOrder(foldRun(sampleRun()))).toEqual([]);
    expect(outOfOrder(foldRun(segmentedRun().flat()))).toEqual([]);
    // A run with no workbench steps: its agent spans are steps.
    const agents = foldRun([
      span({ spanId: '1000000000000001' }),
      span({
        spanId: '2000000000000002',
        parentSpanId: '1000000000000001',
        attributes: attrs({ 'openinference.span.kind': 'AGENT' }),
      }),
    ]);
    expect(agents.steps).toHaveLength(1);
    expect(outOfOrder(agents)).toEqual([]);
    for (let seed = 1; seed <= 20; seed++) {
      const bundle = foldRun(everything(seed), { truncated: seed % 2 === 0 });
      expect(bundle.diagnostics.length).toBeGreaterThan(0);
      expect(outOfOrder(bundle)).toEqual([]);
    }
  });

  it('has no run, step, event or receipt member left out of the check', () => {
    // Every event type and every optional object appears at least once in the checked bundles.
    const bundle = foldRun(everything(3));
    const types = new Set(bundle.events.map((e) => e.type));
    expect([...types].sort()).toEqual([
      'artifact',
      'human_gate_requested',
      'human_gate_resolved',
      'model_io',
      'step_ended',
      'step_started',
      'tool_call',
      'unknown',
      'workflow_snapshot',
    ]);
    expect(bundle.model_io.some((m) => m.cost !== null && m.input.content !== null)).toBe(true);
    expect(bundle.artifacts.some((a) => a.content !== null)).toBe(true);
    expect(bundle.run.workflowSnapshot?.definition).not.toBeNull();
  });
});
