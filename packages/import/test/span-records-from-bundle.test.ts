import { describe, expect, it } from 'vitest';
import {
  foldRun,
  redactBundle,
  sealBundle,
  serializeBundle,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';
import {
  decodeOtlpJson,
  decodeOtlpProtobuf,
  encodeOtlpJson,
  encodeOtlpProtobuf,
} from '@llm-workbench/otlp';
import * as sc from '@llm-workbench/semconv';
import { PLACEHOLDER_SPAN_NAME, spanRecordsFromBundle } from '../src/index.js';
import { BASE, TRACE, attrs, ev, randomRun, span } from './fixtures.js';

function viaJson(spans: SpanRecord[]): SpanRecord[] {
  const r = decodeOtlpJson(JSON.stringify(encodeOtlpJson(spans)));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  expect(r.rejected).toEqual([]);
  return r.spans;
}

function viaProtobuf(spans: SpanRecord[]): SpanRecord[] {
  const r = decodeOtlpProtobuf(encodeOtlpProtobuf(spans));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  expect(r.rejected).toEqual([]);
  return r.spans;
}

function roundTrip(bundle: RunBundle, transport = viaJson): RunBundle {
  return sealBundle(foldRun(transport(spanRecordsFromBundle(bundle))));
}

describe('spanRecordsFromBundle', () => {
  it('rebuilds spans that fold back to the same bundle, through OTLP JSON and protobuf', () => {
    const original = sealBundle(foldRun(randomRun(1)));
    expect(roundTrip(original, viaJson)).toEqual(original);
    expect(roundTrip(original, viaProtobuf).integrity.sha256).toBe(original.integrity.sha256);
  });

  it('gives the same hash for 300 random runs with odd values, diagnostics and orphans', () => {
    const failures: Array<{ seed: number; diagnostics: string[] }> = [];
    let withDiagnostics = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const original = sealBundle(foldRun(randomRun(seed)));
      if (original.diagnostics.length > 0) withDiagnostics++;
      const back = roundTrip(original);
      if (back.integrity.sha256 !== original.integrity.sha256) {
        failures.push({ seed, diagnostics: original.diagnostics.map((d) => d.code) });
        if (failures.length === 1) expect(back).toEqual(original);
      }
    }
    expect(failures).toEqual([]);
    expect(withDiagnostics).toBeGreaterThan(100);
  });

  it('gives back every version of a disputed span, so that the disputes fold back the same', () => {
    const failures: number[] = [];
    let disputed = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const spans = randomRun(seed);
      const target = spans.find((s) => s.events.length > 0) ?? spans[0]!;
      const forged: SpanRecord = {
        ...target,
        name: `${target.name} (forged)`,
        attributes: attrs({
          ...target.attributes,
          'forged.by': 'mallory',
          [sc.ATTR_GATE_ACTOR]: 7,
        }),
        events: target.events.map((e, i) =>
          i === 0
            ? { ...e, attributes: attrs({ ...e.attributes, [sc.ATTR_GATE_DECISION]: 'approved' }) }
            : e,
        ),
      };
      const original = sealBundle(foldRun([...spans, forged]));
      if ((original.disputes ?? []).length > 0) disputed++;
      const back = roundTrip(original);
      if (back.integrity.sha256 !== original.integrity.sha256) {
        failures.push(seed);
        if (failures.length === 1) expect(back).toEqual(original);
      }
    }
    expect(failures).toEqual([]);
    expect(disputed).toBe(60);
  });

  it('gives back identifiers the fold cut and event times it could not write, flagged the same', () => {
    const long = 'é'.repeat(5000);
    const spans = [
      span({
        spanId: '1000000000000001',
        name: `run ${long}`,
        attributes: attrs({ [sc.ATTR_RUN_ID]: `r${long}`, [sc.ATTR_RUN_NAME]: `n${long}` }),
        events: [
          { name: 'later', timeUnixNano: 10n ** 30n, attributes: attrs({}) },
          { name: `never ${long}`, timeUnixNano: 10n ** 30n, attributes: attrs({}) },
          ev(`workbench.odd ${long}`, 500n, {}),
        ],
      }),
      span({
        spanId: '2000000000000002',
        parentSpanId: '1000000000000001',
        name: `step ${long}`,
        attributes: attrs({ [sc.ATTR_STEP_ID]: `s${long}` }),
        events: [
          ev(sc.EVENT_GATE_RESOLVED, 1000n, {
            [sc.ATTR_GATE_ID]: `g${long}`,
            [sc.ATTR_GATE_DECISION]: 'approved',
            [sc.ATTR_GATE_ACTOR]: `a😀${long}`,
            [sc.ATTR_GATE_REASON]: `why ${long}`,
          }),
          ev(sc.EVENT_ARTIFACT, 2000n, {
            [sc.ATTR_ARTIFACT_KEY]: `k${long}`,
            [sc.ATTR_ARTIFACT_VERSION]: 1,
            [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
          }),
        ],
      }),
    ];
    const original = sealBundle(foldRun(spans));
    const codes = original.diagnostics.map((d) => d.code);
    expect(codes).toContain('identifier_truncated');
    expect(codes).toContain('time_out_of_range');
    const back = sealBundle(foldRun(spanRecordsFromBundle(original)));
    expect(back).toEqual(original);
    // A run named by its span alone, the name cut at the inline limit.
    const named = spans.map((s, i) =>
      i === 0 ? { ...s, attributes: attrs({ [sc.ATTR_RUN_ID]: 'r1' }) } : s,
    );
    const byName = sealBundle(foldRun(named));
    expect(byName.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'identifier_truncated', subject: 'span.name' }),
    );
    expect(sealBundle(foldRun(spanRecordsFromBundle(byName)))).toEqual(byName);
  });

  it('rebuilds a redacted bundle as spans that fold back to the same hash, without the content', () => {
    let redactedSome = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const original = sealBundle(foldRun(randomRun(seed)));
      const redacted = redactBundle(original, { keep: seed % 2 === 0 ? ['artifact_patch'] : [] });
      if (redacted.redactions !== undefined) redactedSome++;
      const back = roundTrip(redacted);
      expect(back.integrity.sha256).toBe(original.integrity.sha256);
      // the same bundle as the redacted one, but for the list of what was redacted
      const { redactions: _r, ...rest } = redacted;
      expect(serializeBundle(back)).toBe(serializeBundle(rest));
    }
    expect(redactedSome).toBeGreaterThan(30);
  });

  it('carries artifact patch commitments (held, redacted, over the limit, not matching)', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      for (const a of sealBundle(foldRun(randomRun(seed))).artifacts) {
        if (a.patchSha256 !== null) seen.add(a.patch === null ? `null:${a.omitted.patch}` : 'held');
      }
    }
    expect([...seen].sort()).toEqual([
      'held',
      'null:hash_mismatch',
      'null:null',
      'null:over_inline_limit',
    ]);
  });

  it('keeps trace and span ids, microsecond times and the run status', () => {
    const original = sealBundle(foldRun(randomRun(7)));
    const spans = spanRecordsFromBundle(original);
    const root = spans.find((s) => s.spanId === original.run.rootSpanId)!;
    expect(root.traceId).toBe(original.run.traceId);
    expect(root.status.code).toBe(original.run.status.code);
    for (const step of original.steps) {
      const s = spans.find((x) => x.spanId === step.spanId)!;
      expect(s.name).toBe(step.name);
      expect(s.parentSpanId ?? null).toBe(step.parentSpanId);
    }
  });

  it('fills spanCount with placeholder spans under the run span', () => {
    const spans = [
      span({
        spanId: '1000000000000001',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        endTimeUnixNano: BASE + 10_000_000n,
      }),
      span({ spanId: '2000000000000002', parentSpanId: '1000000000000001', name: 'http GET' }),
      span({ spanId: '3000000000000003', parentSpanId: '2000000000000002', name: 'db query' }),
    ];
    const original = sealBundle(foldRun(spans));
    expect(original.run.spanCount).toBe(3);
    const rebuilt = spanRecordsFromBundle(original);
    expect(rebuilt.filter((s) => s.name === PLACEHOLDER_SPAN_NAME)).toHaveLength(2);
    expect(sealBundle(foldRun(rebuilt))).toEqual(original);
  });

  it('keeps a plain span between two steps so that the inner step keeps its parents', () => {
    const spans = [
      span({
        spanId: '1000000000000001',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        endTimeUnixNano: BASE + 9_000_000n,
      }),
      span({
        spanId: '2000000000000002',
        parentSpanId: '1000000000000001',
        attributes: attrs({ [sc.ATTR_STEP_ID]: 'outer' }),
      }),
      span({ spanId: '3000000000000003', parentSpanId: '2000000000000002', name: 'loop' }),
      span({
        spanId: '4000000000000004',
        parentSpanId: '3000000000000003',
        attributes: attrs({ [sc.ATTR_STEP_ID]: 'inner' }),
        events: [ev('note', 10n, { text: 'inside' })],
      }),
    ];
    const original = sealBundle(foldRun(spans));
    expect(original.steps.find((s) => s.stepId === 'inner')?.parentSpanId).toBe('3000000000000003');
    expect(sealBundle(foldRun(spanRecordsFromBundle(original)))).toEqual(original);
  });

  it('gives back a span shorter than a microsecond that straddles a microsecond boundary', () => {
    // start 999 ns into its microsecond, end 1 ns into its: 2 ns long, duration 0 µs.
    const spans = [
      span({
        spanId: '1000000000000001',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        startTimeUnixNano: BASE + 999n,
        endTimeUnixNano: BASE + 1001n,
      }),
    ];
    const original = sealBundle(foldRun(spans));
    expect(original.run.durationMs).toBe(0);
    // end = truncated start + truncated duration, as Jaeger's classic storages give it back
    expect(original.run.endTime).toBe(original.run.startTime);
    expect(sealBundle(foldRun(spanRecordsFromBundle(original)))).toEqual(original);
  });

  it('writes each receipt back in the vocabularies it was read in, so that it folds back the same', () => {
    const calls: Array<Record<string, string | number>> = [
      {
        'openinference.span.kind': 'LLM',
        'llm.provider': 'OpenAI',
        'llm.model_name': 'gpt-4o-mini-2024-07-18',
        'llm.invocation_parameters': '{"model":"gpt-4o-mini"}',
        'llm.token_count.prompt': 50,
        'llm.token_count.prompt_details.cache_read': 32,
        'llm.input_messages.0.message.content': 'hi',
      },
      {
        'openinference.span.kind': 'EMBEDDING',
        'embedding.model_name': 'e-3',
        'llm.token_count.prompt': 4,
      },
      {
        'ai.operationId': 'ai.streamText.doStream',
        'ai.model.provider': 'openai.responses',
        'ai.model.id': 'gpt-4o',
        'gen_ai.system': 'openai.responses',
        'gen_ai.usage.input_tokens': 20,
        'ai.usage.reasoningTokens': 2,
        'ai.response.text': 'x'.repeat(sc.INLINE_LIMIT_BYTES + 10),
      },
      { 'ai.operationId': 'ai.embed.doEmbed', 'ai.model.id': 'e-3', 'ai.usage.tokens': 6 },
      {
        'llm.request.type': 'completion',
        [sc.ATTR_GEN_AI_SYSTEM]: 'Anthropic',
        [sc.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 40,
        'gen_ai.usage.cache_creation_input_tokens': 10,
        [sc.ATTR_GEN_AI_USAGE_COST_AMOUNT]: 0.5,
      },
    ];
    const spans = [
      span({ spanId: 'c000000000000000', name: 'agent', endTimeUnixNano: BASE + 9_000_000n }),
      ...calls.map((a, i) =>
        span({
          spanId: `c00000000000000${i + 1}`,
          parentSpanId: 'c000000000000000',
          // One call after the other: two calls of one model, one inside the other in time,
          // would be one call described twice.
          startTimeUnixNano: BASE + BigInt(i) * 1_000_000n,
          endTimeUnixNano: BASE + BigInt(i) * 1_000_000n + 900_000n,
          attributes: attrs(a),
        }),
      ),
    ];
    const original = sealBundle(foldRun(spans));
    expect(original.model_io.map((m) => m.vocabularies)).toEqual([
      ['openinference'],
      ['openinference'],
      ['gen_ai', 'vercel_ai'],
      ['vercel_ai'],
      ['gen_ai', 'openllmetry'],
    ]);
    expect(roundTrip(original, viaJson)).toEqual(original);
    expect(roundTrip(original, viaProtobuf).integrity.sha256).toBe(original.integrity.sha256);
  });

  it('rebuilds a run of standard GenAI spans only, with no workbench attributes', () => {
    const spans = [
      span({
        spanId: 'a000000000000001',
        name: 'invoke_agent',
        endTimeUnixNano: BASE + 5_000_000_123n,
      }),
      span({
        spanId: 'a000000000000002',
        parentSpanId: 'a000000000000001',
        name: 'chat gpt-4o',
        startTimeUnixNano: BASE + 1_000_000_777n,
        endTimeUnixNano: BASE + 2_000_000_001n,
        attributes: attrs({
          [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
          [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
          [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
          [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10,
          [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 20,
        }),
      }),
    ];
    const original = sealBundle(foldRun(spans));
    expect(original.run.runId).toBeNull();
    const rebuilt = spanRecordsFromBundle(original);
    for (const s of rebuilt)
      expect(Object.keys(s.attributes).some((k) => k.startsWith('workbench.'))).toBe(false);
    expect(rebuilt.find((s) => s.spanId === 'a000000000000001')?.name).toBe('invoke_agent');
    expect(sealBundle(foldRun(rebuilt))).toEqual(original);
  });

  it('uses the same trace id for every span and a resource naming the service', () => {
    const original = sealBundle(foldRun(randomRun(3)));
    for (const s of spanRecordsFromBundle(original)) {
      expect(s.traceId).toBe(original.run.traceId);
      expect(s.resource[sc.ATTR_SERVICE_NAME]).toBe('agent');
    }
    expect(TRACE).toHaveLength(32);
  });
});
