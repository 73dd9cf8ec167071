import { createHash } from 'node:crypto';
import {
  ATTR_GATE_ACTOR,
  ATTR_GATE_DECISION,
  ATTR_GATE_ID,
  ATTR_GATE_POLICY,
  ATTR_GATE_REASON,
  ATTR_GATE_SUBJECT_ARTIFACT_KEY,
  ATTR_GATE_SUBJECT_ARTIFACT_VERSION,
  ATTR_GATE_SUBJECT_TOOL_ARGUMENTS,
  ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256,
  ATTR_GATE_SUBJECT_TOOL_CALL_ID,
  ATTR_GATE_SUBJECT_TOOL_NAME,
  EVENT_GATE_REQUESTED,
  EVENT_GATE_RESOLVED,
  type GateDecision,
} from '@llm-workbench/semconv';
import { diag } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { requestGates, type PausedGate } from '../src/index.js';
import { captureDiag, event, events, harness, nanos } from './helpers.js';

describe('gates', () => {
  it('records requested and resolved events on the step', () => {
    const h = harness();
    const run = h.wb.startRun({ name: 'r' });
    const step = run.startStep('review', { kind: 'human' });
    step.requestGate({
      gateId: 'review',
      policy: 'one-editor',
      subject: { artifactKey: 'draft.md', artifactVersion: 1 },
    });
    step.resolveGate({
      gateId: 'review',
      decision: 'approved',
      actor: 'editor@example.com',
      reason: 'Clear.',
    });
    step.end();
    run.end();
    const span = h.span('step review');
    expect(event(span, EVENT_GATE_REQUESTED).attributes).toEqual({
      [ATTR_GATE_ID]: 'review',
      [ATTR_GATE_POLICY]: 'one-editor',
      [ATTR_GATE_SUBJECT_ARTIFACT_KEY]: 'draft.md',
      [ATTR_GATE_SUBJECT_ARTIFACT_VERSION]: 1,
    });
    expect(event(span, EVENT_GATE_RESOLVED).attributes).toEqual({
      [ATTR_GATE_ID]: 'review',
      [ATTR_GATE_DECISION]: 'approved',
      [ATTR_GATE_ACTOR]: 'editor@example.com',
      [ATTR_GATE_REASON]: 'Clear.',
    });
    expect(h.span('run r').events).toEqual([]);
  });

  it('records a tool-call subject: name, call id and the arguments hash, the text only with capture on', () => {
    const args = '{"to":"ops@example.com"}';
    const sha = createHash('sha256').update(args, 'utf8').digest('hex');
    for (const captureContent of [false, true]) {
      const h = harness({ captureContent });
      const run = h.wb.startRun({ name: 'r' });
      run.requestGate({
        gateId: 'tool:call_1',
        subject: { tool: { name: 'send_email', callId: 'call_1', arguments: args } },
      });
      run.end();
      expect(event(h.span('run r'), EVENT_GATE_REQUESTED).attributes).toEqual({
        [ATTR_GATE_ID]: 'tool:call_1',
        [ATTR_GATE_SUBJECT_TOOL_NAME]: 'send_email',
        [ATTR_GATE_SUBJECT_TOOL_CALL_ID]: 'call_1',
        [ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256]: sha,
        ...(captureContent ? { [ATTR_GATE_SUBJECT_TOOL_ARGUMENTS]: args } : {}),
      });
    }
  });

  it('reports a tool subject without a name, and records what is valid', () => {
    const h = harness();
    const diags = captureDiag();
    const run = h.wb.startRun({ name: 'r' });
    run.requestGate({ gateId: 'g', subject: { tool: { callId: 'c' } } } as never);
    run.end();
    expect(event(h.span('run r'), EVENT_GATE_REQUESTED).attributes).toEqual({
      [ATTR_GATE_ID]: 'g',
      [ATTR_GATE_SUBJECT_TOOL_CALL_ID]: 'c',
    });
    diags.stop();
    expect(diags.problems().join('\n')).toMatch(/subject\.tool\.name is missing/);
  });

  it('records gates on the run span when called on the run', () => {
    const h = harness();
    const run = h.wb.startRun({ name: 'r' });
    run.requestGate({ gateId: 'final' });
    run.end();
    expect(event(h.span('run r'), EVENT_GATE_REQUESTED).attributes).toEqual({
      [ATTR_GATE_ID]: 'final',
    });
  });

  it('stamps the resolved event with the decision time: Date, epoch ms or HrTime', () => {
    const h = harness();
    const run = h.wb.startRun({ name: 'r' });
    const requestedAt = Date.now();
    run.requestGate({ gateId: 'a', time: requestedAt });
    run.resolveGate({ gateId: 'a', decision: 'approved', actor: 'x', time: requestedAt + 1500 });
    run.resolveGate({ gateId: 'b', decision: 'rejected', actor: 'x', time: new Date(1_000_000) });
    run.resolveGate({ gateId: 'c', decision: 'timed_out', actor: 'x', time: [1_764_151_842, 5] });
    run.end();
    const [requested, a, b, c] = h.span('run r').events;
    expect(nanos(a!.time) - nanos(requested!.time)).toBe(1_500_000_000n);
    // A small epoch time is not mistaken for a performance.now() value.
    expect(b!.time).toEqual([1000, 0]);
    expect(c!.time).toEqual([1_764_151_842, 5]);
  });

  it('records a decision outside GATE_DECISIONS as given, and reports it', () => {
    const h = harness();
    const diag = captureDiag();
    try {
      const run = h.wb.startRun({ name: 'r' });
      run.resolveGate({ gateId: 'g', decision: 'lgtm' as GateDecision, actor: 'x' });
      run.end();
      expect(event(h.span('run r'), EVENT_GATE_RESOLVED).attributes?.[ATTR_GATE_DECISION]).toBe(
        'lgtm',
      );
      expect(diag.problems().join('\n')).toContain('"lgtm" is not one of approved');
    } finally {
      diag.stop();
    }
  });

  it('uses now for an invalid time, and reports it', () => {
    const h = harness();
    const diag = captureDiag();
    try {
      const run = h.wb.startRun({ name: 'r' });
      const before = Date.now();
      run.resolveGate({ gateId: 'g', decision: 'approved', actor: 'x', time: new Date('nope') });
      run.resolveGate({ gateId: 'g', decision: 'approved', actor: 'x', time: -5 });
      run.resolveGate({ gateId: 'g', decision: 'approved', actor: 'x', time: [1, 2e9] });
      run.end();
      for (const e of h.span('run r').events) {
        expect(Number(nanos(e.time) / 1_000_000n)).toBeGreaterThanOrEqual(before - 1);
      }
      expect(diag.problems().join('\n')).toContain('time is not a valid');
    } finally {
      diag.stop();
    }
  });

  it('requestGates requests each gate it is given, and stops at a throw without throwing', () => {
    const h = harness();
    const capture = captureDiag();
    try {
      const run = h.wb.startRun({ name: 'r' });
      const step = run.startStep('approve', { kind: 'human' });
      function* paused(): Generator<PausedGate> {
        yield { gateId: 'a', subject: { tool: { name: 'send_email', callId: 'c1' } } };
        yield { gateId: 'b' };
        throw new Error('a getter failed');
      }
      const logger = diag.createComponentLogger({ namespace: 'test-adapter' });
      const ids = requestGates(
        step,
        paused(),
        { policy: 'ops', time: 1_700_000_000_000 },
        logger,
        'recordThings',
      );
      step.end();
      run.end();
      expect(ids).toEqual(['a', 'b']);
      const requested = events(h.span('step approve'), EVENT_GATE_REQUESTED);
      expect(requested.map((e) => e.attributes?.[ATTR_GATE_ID])).toEqual(['a', 'b']);
      expect(requested.map((e) => e.attributes?.[ATTR_GATE_POLICY])).toEqual(['ops', 'ops']);
      expect(requested[0]!.attributes?.[ATTR_GATE_SUBJECT_TOOL_NAME]).toBe('send_email');
      expect(requested[1]!.attributes?.[ATTR_GATE_SUBJECT_TOOL_NAME]).toBeUndefined();
      expect(nanos(requested[0]!.time)).toBe(1_700_000_000_000n * 1_000_000n);
      expect(capture.problems().join('\n')).toMatch(
        /recordThings failed; no gate recorded for the rest.*a getter failed/,
      );
    } finally {
      capture.stop();
    }
  });
});
