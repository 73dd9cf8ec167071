import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import {
  foldRun,
  isRunTrace,
  sealBundle,
  serializeBundle,
  verifyBundle,
  type AttributeValue,
  type SpanRecord,
} from '../src/index.js';
import { attrs, ev, rng, sampleRun, span, TRACE } from './fixtures.js';

const bytes = (spans: Iterable<SpanRecord>, truncated = false): string =>
  serializeBundle(sealBundle(foldRun(spans, { truncated })));

describe('foldRun', () => {
  it('folds a run into steps, a timeline, receipts and artifacts', () => {
    const b = foldRun(sampleRun());
    expect(b.run).toMatchObject({
      traceId: TRACE,
      runId: 'run-1',
      name: 'newsletter',
      service: 'agent',
      rootSpanId: '1000000000000001',
      startTime: '2025-11-26T10:10:42.000000Z',
      endTime: '2025-11-26T10:10:51.000000Z',
      durationMs: 9000,
      status: { code: 'ok', message: null },
      complete: true,
      spanCount: 5,
    });
    expect(b.run.workflowSnapshot?.definition).toEqual({
      nodes: [{ id: 'draft' }, { id: 'review' }],
      edges: [['draft', 'review']],
    });
    expect(b.run.workflowSnapshot?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.steps.map((s) => [s.stepId, s.parentStepId, s.durationMs])).toEqual([
      ['draft', null, 2000],
      ['review', null, 3000],
      ['publish', null, 1000],
    ]);
    expect(b.events.map((e) => e.type)).toEqual([
      'workflow_snapshot',
      'step_started',
      'model_io',
      'model_io',
      'artifact',
      'unknown',
      'step_ended',
      'step_started',
      'human_gate_requested',
      'human_gate_resolved',
      'step_ended',
      'step_started',
      'artifact',
      'step_ended',
    ]);
    const resolved = b.events.find((e) => e.type === 'human_gate_resolved');
    expect(resolved).toMatchObject({
      gateId: 'review',
      decision: 'approved',
      actor: 'ed@example.com',
      reason: 'ok',
      time: '2025-11-26T10:10:48.500000Z',
      stepId: 'review',
    });
    expect(
      b.model_io.map((m) => [
        m.source,
        m.provider,
        m.model,
        m.usage.inputTokens,
        m.usage.outputTokens,
        m.durationMs,
        m.cost,
        m.stepId,
      ]),
    ).toEqual([
      ['span', 'fake', 'fake-2', 7, 3, 200, null, 'draft'],
      ['event', 'fake', 'fake-1', 100, 50, 900.25, { amount: 0.003, currency: 'USD' }, 'draft'],
    ]);
    expect(
      b.artifacts.map((a) => [a.key, a.version, a.parentVersion, a.patch !== null, a.stepId]),
    ).toEqual([
      ['draft.md', 1, null, false, 'draft'],
      ['draft.md', 2, 1, true, 'publish'],
    ]);
    expect(b.diagnostics).toEqual([]);
  });

  it('truncates times to microseconds, as every backend keeps them', () => {
    const b = foldRun(sampleRun());
    const chat = b.model_io.find((m) => m.source === 'span');
    // 1_700_000_500 - 1_500_000_000 ns = 200_000.5 µs → 200 ms exactly
    expect(chat?.durationMs).toBe(200);
    expect(b.run.startTime).toBe('2025-11-26T10:10:42.000000Z'); // +123 ns dropped
  });

  it('gives identical bytes for shuffled, split and duplicated span lists', () => {
    const reference = bytes(sampleRun());
    const random = rng(42);
    for (let round = 0; round < 200; round++) {
      const spans = sampleRun();
      // duplicate some spans (fresh but equal objects, as a retry would deliver)
      for (const s of sampleRun()) if (random() < 0.4) spans.push(s);
      // shuffle
      for (let i = spans.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [spans[i], spans[j]] = [spans[j]!, spans[i]!];
      }
      // split into batches and feed as one iterable of batches concatenated
      const cut = Math.floor(random() * spans.length);
      const batches = [spans.slice(0, cut), spans.slice(cut)];
      expect(bytes(batches.flat())).toBe(reference);
    }
  });

  it('orders events by time, then span id, never by arrival', () => {
    const same = 5_000_000_000n;
    const a = span({
      spanId: 'aaaaaaaaaaaaaaaa',
      parentSpanId: '1000000000000001',
      events: [ev('x', same, {})],
    });
    const b = span({
      spanId: 'bbbbbbbbbbbbbbbb',
      parentSpanId: '1000000000000001',
      events: [ev('y', same, {})],
    });
    const one = foldRun([...sampleRun(), b, a]);
    const two = foldRun([a, ...sampleRun(), b]);
    expect(one.events).toEqual(two.events);
    const names = one.events.flatMap((e) => (e.type === 'unknown' ? [e.name] : []));
    expect(names.slice(-2)).toEqual(['x', 'y']);
  });

  it('survives self-parents, parent cycles and missing parents, and flags them', () => {
    const spans = [
      span({ spanId: '1111111111111111', attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }) }),
      span({ spanId: '2222222222222222', parentSpanId: '2222222222222222' }),
      span({
        spanId: '3333333333333333',
        parentSpanId: '4444444444444444',
        attributes: attrs({ [sc.ATTR_STEP_ID]: 'a' }),
      }),
      span({
        spanId: '4444444444444444',
        parentSpanId: '3333333333333333',
        attributes: attrs({ [sc.ATTR_STEP_ID]: 'b' }),
      }),
      span({ spanId: '5555555555555555', parentSpanId: '9999999999999999' }),
    ];
    const b = foldRun(spans);
    expect(b.run.complete).toBe(false);
    expect(b.run.spanCount).toBe(5);
    expect(new Set(b.diagnostics.map((d) => d.code))).toEqual(
      new Set(['self_parent', 'parent_cycle', 'missing_parent']),
    );
    expect(b.steps.map((s) => s.parentStepId).sort()).toEqual(['a', 'b']);
  });

  it('folds orphans with no root into a bundle that says so', () => {
    const b = foldRun([
      span({
        spanId: '5555555555555555',
        parentSpanId: '9999999999999999',
        attributes: attrs({ [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat' }),
      }),
    ]);
    expect(b.run).toMatchObject({
      complete: false,
      rootSpanId: null,
      startTime: null,
      runId: null,
    });
    expect(b.diagnostics.map((d) => d.code)).toContain('missing_root');
    expect(b.model_io).toHaveLength(1);
  });

  it('keeps times exact where valid and flags end before start; unwritable times become null', () => {
    const huge = 10n ** 30n; // far beyond year 9999
    const b = foldRun([
      span({
        spanId: '1111111111111111',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        startTimeUnixNano: 10_000_000_000n,
        endTimeUnixNano: 5_000_000_000n,
      }),
      span({
        spanId: '2222222222222222',
        parentSpanId: '1111111111111111',
        attributes: attrs({ [sc.ATTR_STEP_ID]: 's' }),
        startTimeUnixNano: -5n,
        endTimeUnixNano: huge,
      }),
    ]);
    expect(b.run.durationMs).toBeNull();
    expect(b.diagnostics.map((d) => d.code)).toContain('end_before_start');
    expect(b.steps[0]).toMatchObject({ startTime: '1969-12-31T23:59:59.999999Z', endTime: null });
    expect(() => serializeBundle(sealBundle(b))).not.toThrow();
  });

  it('bounds huge and deep attribute values and many events, and records the limits', () => {
    let deep: AttributeValue = 'leaf';
    for (let i = 0; i < 5000; i++) deep = { kvlist: attrs({ k: deep }) };
    const events = Array.from({ length: 10_000 }, (_, i) => ev('tick', BigInt(i), { i }));
    const b = foldRun([
      span({
        spanId: '1111111111111111',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        events: [
          ev('odd', 1n, {
            big: 'x'.repeat(10 * 1024 * 1024),
            deep,
            nan: Number.NaN,
            inf: -Infinity,
            long: 2n ** 70n,
          }),
          ...events,
        ],
      }),
    ]);
    const odd = b.events.find((e) => e.type === 'unknown' && e.name === 'odd');
    expect(odd).toBeDefined();
    const a = (odd as { attributes: Record<string, unknown> }).attributes;
    expect(a.big).toEqual({ omitted: 'over_inline_limit', size: null });
    expect(a.nan).toBe('NaN');
    expect(a.inf).toBe('-Infinity');
    expect(a.long).toBe('1180591620717411303424');
    expect(JSON.stringify(a.deep)).toContain('too_deep');
    expect(b.events.filter((e) => e.type === 'unknown')).toHaveLength(1000);
    expect(b.diagnostics.map((d) => d.code)).toContain('unknown_events_dropped');
    const text = serializeBundle(sealBundle(b));
    expect(text.length).toBeLessThan(1_000_000);
    expect(verifyBundle(text).ok).toBe(true);
  });

  it('commits to each artifact patch and content it holds (schema version 3)', () => {
    const sha = (t: string): string => createHash('sha256').update(t, 'utf8').digest('hex');
    const patch = '@@ -1 +1 @@\n-a\n+b\n';
    const artifact = (n: number, a: Record<string, AttributeValue>): SpanRecord['events'][number] =>
      ev(sc.EVENT_ARTIFACT, BigInt(n), {
        [sc.ATTR_ARTIFACT_KEY]: `k${n}`,
        [sc.ATTR_ARTIFACT_VERSION]: 1,
        [sc.ATTR_ARTIFACT_MEDIA_TYPE]: 'text/plain',
        [sc.ATTR_ARTIFACT_SIZE]: 1,
        ...a,
      });
    const b = foldRun([
      span({
        spanId: '1111111111111111',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        events: [
          // a patch and no declared commitment: the fold's own
          artifact(1, {
            [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
            [sc.ATTR_ARTIFACT_PATCH]: patch,
          }),
          // the declared commitment, matching
          artifact(2, {
            [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
            [sc.ATTR_ARTIFACT_PATCH]: patch,
            [sc.ATTR_ARTIFACT_PATCH_SHA256]: sha(patch).toUpperCase(),
          }),
          // the declared commitment, not matching: the patch is not held
          artifact(3, {
            [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
            [sc.ATTR_ARTIFACT_PATCH]: patch,
            [sc.ATTR_ARTIFACT_PATCH_SHA256]: 'b'.repeat(64),
          }),
          // a commitment only (the patch redacted or lost on the way)
          artifact(4, {
            [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
            [sc.ATTR_ARTIFACT_PATCH_SHA256]: 'c'.repeat(64),
          }),
          // a patch over the inline limit: not held, no commitment of its own
          artifact(5, {
            [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
            [sc.ATTR_ARTIFACT_PATCH]: 'x'.repeat(sc.INLINE_LIMIT_BYTES + 1),
          }),
          // content without its (required) sha256, or with a malformed one: not held
          artifact(6, { [sc.ATTR_ARTIFACT_CONTENT]: 'body' }),
          artifact(7, { [sc.ATTR_ARTIFACT_CONTENT]: 'body', [sc.ATTR_ARTIFACT_SHA256]: 'nothex' }),
          // a patch with a malformed commitment: not held either
          artifact(8, {
            [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
            [sc.ATTR_ARTIFACT_PATCH]: patch,
            [sc.ATTR_ARTIFACT_PATCH_SHA256]: 'nothex',
          }),
        ],
      }),
    ]);
    const by = (key: string) => b.artifacts.find((a) => a.key === key)!;
    expect(by('k1')).toMatchObject({ patch, patchSha256: sha(patch), omitted: { patch: null } });
    expect(by('k2')).toMatchObject({ patch, patchSha256: sha(patch), omitted: { patch: null } });
    expect(by('k3')).toMatchObject({
      patch: null,
      patchSha256: 'b'.repeat(64),
      omitted: { patch: 'hash_mismatch' },
    });
    expect(b.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'content_hash_mismatch', subject: sc.ATTR_ARTIFACT_PATCH }),
    );
    expect(by('k4')).toMatchObject({ patch: null, patchSha256: 'c'.repeat(64) });
    expect(by('k5')).toMatchObject({
      patch: null,
      patchSha256: null,
      omitted: { patch: 'over_inline_limit' },
    });
    for (const key of ['k6', 'k7']) {
      expect(by(key)).toMatchObject({
        content: null,
        sha256: null,
        omitted: { content: 'hash_mismatch' },
      });
    }
    expect(by('k8')).toMatchObject({
      patch: null,
      patchSha256: null,
      omitted: { patch: 'hash_mismatch' },
    });
    const about = (subject: string) =>
      b.diagnostics.filter((d) => d.subject === subject).map((d) => d.code);
    expect(about(sc.ATTR_ARTIFACT_SHA256).sort()).toEqual(['bad_hash', 'missing_field']);
    expect(about(sc.ATTR_ARTIFACT_PATCH_SHA256)).toEqual(['bad_hash']);
    expect(verifyBundle(serializeBundle(sealBundle(b))).ok).toBe(true);
  });

  it('keeps __proto__ and constructor keys as data without touching prototypes', () => {
    const hostile = attrs({ ['__proto__']: 'x', constructor: 'y', [sc.ATTR_RUN_ID]: 'r' });
    const b = foldRun([
      span({
        spanId: '1111111111111111',
        attributes: hostile,
        events: [
          ev('odd', 1n, { ['__proto__']: { kvlist: attrs({ polluted: true }) }, constructor: 'c' }),
          ev(sc.EVENT_ARTIFACT, 2n, {
            [sc.ATTR_ARTIFACT_KEY]: '__proto__',
            [sc.ATTR_ARTIFACT_VERSION]: 1,
            [sc.ATTR_ARTIFACT_SHA256]: 'd'.repeat(64),
            [sc.ATTR_ARTIFACT_MEDIA_TYPE]: 'text/plain',
            [sc.ATTR_ARTIFACT_SIZE]: 1,
          }),
        ],
      }),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const odd = b.events.find((e) => e.type === 'unknown');
    const attributes = (odd as { attributes: Record<string, unknown> }).attributes;
    expect(Object.keys(attributes)).toEqual(['__proto__', 'constructor']);
    expect(b.artifacts[0]?.key).toBe('__proto__');
    const text = serializeBundle(sealBundle(b));
    expect(text).toContain('"__proto__":{"kvlist":{"polluted":true}}');
    expect(verifyBundle(text).ok).toBe(true);
  });

  it('keeps unknown workbench events and gates missing fields, and flags them', () => {
    const b = foldRun([
      span({
        spanId: '1111111111111111',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        events: [
          ev('workbench.gate.escalated', 1n, { [sc.ATTR_GATE_ID]: 'g' }),
          ev(sc.EVENT_GATE_RESOLVED, 2n, { [sc.ATTR_GATE_DECISION]: 'maybe' }),
          ev(sc.EVENT_ARTIFACT, 3n, { [sc.ATTR_ARTIFACT_VERSION]: 'two' }),
        ],
      }),
    ]);
    // All three fall in one microsecond, so they stand in the fold's same-time order, not emission's.
    expect(b.events.map((e) => e.type)).toEqual(['artifact', 'human_gate_resolved', 'unknown']);
    const codes = b.diagnostics.map((d) => `${d.code}:${d.subject ?? ''}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'unknown_workbench_event:workbench.gate.escalated',
        'unknown_gate_decision:workbench.gate.decision',
        `missing_field:${sc.ATTR_GATE_ID}`,
        `missing_field:${sc.ATTR_GATE_ACTOR}`,
        `wrong_type:${sc.ATTR_ARTIFACT_VERSION}`,
        `missing_field:${sc.ATTR_ARTIFACT_KEY}`,
      ]),
    );
  });

  it('keeps credentials and uncaptured content out of bundles', () => {
    const b = foldRun([
      span({
        spanId: '1111111111111111',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        events: [
          ev('http', 1n, {
            'http.request.header.authorization': 'Basic dXNlcjpwYXNz',
            note: 'key is sk-proj-abcdefghijklmnopqrstuvwx',
            [`x.api_key`]: 'plain',
          }),
          ev(sc.EVENT_MODEL_IO, 2n, {
            [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'p',
            [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'm',
            [sc.ATTR_MODEL_IO_INPUT_SHA256]: 'e'.repeat(64),
          }),
        ],
      }),
    ]);
    const text = serializeBundle(sealBundle(b));
    expect(text).not.toContain('dXNlcjpwYXNz');
    expect(text).not.toContain('sk-proj-abcdefghijklmnopqrstuvwx');
    expect(text).not.toContain('"plain"');
    expect(b.model_io[0]?.input).toEqual({ sha256: 'e'.repeat(64), content: null, omitted: null });
  });

  it('holds content only within the inline limit and when it matches its hash', () => {
    const long = 'é'.repeat(1001); // 2002 bytes
    const b = foldRun([
      span({
        spanId: '1111111111111111',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        events: [
          ev(sc.EVENT_MODEL_IO, 1n, {
            [sc.ATTR_MODEL_IO_INPUT]: long,
            [sc.ATTR_MODEL_IO_OUTPUT]: 'hi',
            [sc.ATTR_MODEL_IO_OUTPUT_SHA256]: 'f'.repeat(64),
          }),
        ],
      }),
    ]);
    expect(b.model_io[0]?.input).toEqual({
      sha256: null,
      content: null,
      omitted: 'over_inline_limit',
    });
    expect(b.model_io[0]?.output).toEqual({
      sha256: 'f'.repeat(64),
      content: null,
      omitted: 'hash_mismatch',
    });
  });

  it('reassembles a workflow definition split into parts', () => {
    const definition = {
      nodes: Array.from({ length: 200 }, (_, i) => ({ id: `node-${i}`, label: 'ü'.repeat(5) })),
    };
    const text = JSON.stringify(definition);
    const parts: string[] = [];
    for (let i = 0; i < text.length; i += 900) parts.push(text.slice(i, i + 900));
    const a: Record<string, AttributeValue> = {
      [sc.ATTR_WORKFLOW_ID]: 'w',
      [sc.ATTR_WORKFLOW_REVISION]: '1',
      [sc.ATTR_WORKFLOW_DEFINITION_PARTS]: parts.length,
    };
    parts.forEach((p, i) => (a[`${sc.ATTR_WORKFLOW_DEFINITION_PART_PREFIX}${i}`] = p));
    const b = foldRun([
      span({
        spanId: '1111111111111111',
        attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }),
        events: [ev(sc.EVENT_WORKFLOW_SNAPSHOT, 1n, a)],
      }),
    ]);
    expect(b.run.workflowSnapshot?.definition).toEqual(definition);
    expect(b.diagnostics).toEqual([]);
  });

  it('marks bundles folded early as incomplete', () => {
    expect(foldRun(sampleRun(), { truncated: true }).run.complete).toBe(false);
  });
});

describe('isRunTrace', () => {
  it('accepts run spans, GenAI spans and workbench events, and nothing else', () => {
    expect(isRunTrace(sampleRun())).toBe(true);
    expect(
      isRunTrace([
        span({
          spanId: '1111111111111111',
          attributes: attrs({ [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1 }),
        }),
      ]),
    ).toBe(true);
    expect(
      isRunTrace([
        span({ spanId: '1111111111111111', attributes: attrs({ 'http.method': 'GET' }) }),
      ]),
    ).toBe(false);
  });
});

describe('foldRun across doors', () => {
  const run = (p: Partial<SpanRecord>): SpanRecord =>
    span({ spanId: '1111111111111111', attributes: attrs({ [sc.ATTR_RUN_ID]: 'r' }), ...p });

  it('computes end times as truncated start plus truncated duration, as Jaeger stores them', () => {
    const start = 1_764_151_842_000_123_789n;
    const end = 1_764_151_847_000_123_100n;
    const b = foldRun([run({ startTimeUnixNano: start, endTimeUnixNano: end })]);
    // start 842.000123 µs + duration floor(4_999_999.311 µs) → 847.000122, not 847.000123
    expect(b.run.endTime).toBe('2025-11-26T10:10:47.000122Z');
    // what a classic Jaeger storage returns: start and duration in whole microseconds
    const startUs = start / 1000n;
    const durUs = (end - start) / 1000n;
    const fromJaeger = foldRun([
      run({ startTimeUnixNano: startUs * 1000n, endTimeUnixNano: (startUs + durUs) * 1000n }),
    ]);
    expect(serializeBundle(sealBundle(fromJaeger))).toBe(serializeBundle(sealBundle(b)));
  });

  it('writes an integer beyond 2^53 the same whether it arrives as a JS number or an OTLP int', () => {
    const asNumber = foldRun([run({ events: [ev('e', 1n, { n: 2 ** 53 + 2 })] })]);
    const asBigint = foldRun([run({ events: [ev('e', 1n, { n: 2n ** 53n + 2n })] })]);
    expect(serializeBundle(sealBundle(asNumber))).toBe(serializeBundle(sealBundle(asBigint)));
    expect(serializeBundle(sealBundle(asNumber))).toContain('"n":"9007199254740994"');
  });

  it('replaces lone surrogates as UTF-8 transports do, instead of failing to seal', () => {
    const lone = foldRun([
      run({ name: 'chat \ud83d', events: [ev('e', 1n, { ['k\udc00']: 'v\ud800' })] }),
    ]);
    const viaUtf8 = foldRun([
      run({ name: 'chat \ufffd', events: [ev('e', 1n, { ['k\ufffd']: 'v\ufffd' })] }),
    ]);
    expect(serializeBundle(sealBundle(lone))).toBe(serializeBundle(sealBundle(viaUtf8)));
  });

  it('folds events of one span in one microsecond to one bundle, whatever order they came in', () => {
    const events = [
      ev(sc.EVENT_GATE_RESOLVED, 400n, {
        [sc.ATTR_GATE_ID]: 'g',
        [sc.ATTR_GATE_DECISION]: 'approved',
        [sc.ATTR_GATE_ACTOR]: 'a@example.com',
      }),
      ev(sc.EVENT_ARTIFACT, 100n, {
        [sc.ATTR_ARTIFACT_KEY]: 'b.md',
        [sc.ATTR_ARTIFACT_VERSION]: 1,
        [sc.ATTR_ARTIFACT_SHA256]: 'b'.repeat(64),
      }),
      ev(sc.EVENT_GATE_REQUESTED, 300n, { [sc.ATTR_GATE_ID]: 'g' }),
      ev(sc.EVENT_ARTIFACT, 200n, {
        [sc.ATTR_ARTIFACT_KEY]: 'a.md',
        [sc.ATTR_ARTIFACT_VERSION]: 1,
        [sc.ATTR_ARTIFACT_SHA256]: 'a'.repeat(64),
      }),
      ev('other', 0n, { n: 2 }),
      ev('other', 500n, { n: 1 }),
    ];
    const texts = new Set<string>();
    const random = rng(7);
    for (let round = 0; round < 12; round++) {
      const shuffled = [...events];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      texts.add(serializeBundle(sealBundle(foldRun([run({ events: shuffled })]))));
    }
    expect(texts.size).toBe(1);
    const b = JSON.parse([...texts][0]!) as { events: Array<{ type: string; key?: string }> };
    // Same-time order: artifacts (by content), the gate asked, then answered, others last.
    expect(b.events.map((e) => e.key ?? e.type)).toEqual([
      'a.md',
      'b.md',
      'human_gate_requested',
      'human_gate_resolved',
      'unknown',
      'unknown',
    ]);
  });

  it('orders steps started in the same microsecond by when they ended', () => {
    const parent = '1111111111111111';
    const t = 1_764_151_842_000_000_000n;
    const b = foldRun([
      run({ startTimeUnixNano: t, endTimeUnixNano: t + 10_000_000n }),
      span({
        spanId: '0000000000000002',
        parentSpanId: parent,
        attributes: attrs({ [sc.ATTR_STEP_ID]: 'late' }),
        startTimeUnixNano: t + 1_000_000n,
        endTimeUnixNano: t + 9_000_000n,
      }),
      span({
        spanId: 'ffffffffffffff01',
        parentSpanId: parent,
        attributes: attrs({ [sc.ATTR_STEP_ID]: 'early' }),
        startTimeUnixNano: t + 1_000_000n,
        endTimeUnixNano: t + 2_000_000n,
      }),
    ]);
    expect(b.steps.map((s) => s.stepId)).toEqual(['early', 'late']);
    expect(b.events.filter((e) => e.type === 'step_started').map((e) => e.stepId)).toEqual([
      'early',
      'late',
    ]);
  });
});
