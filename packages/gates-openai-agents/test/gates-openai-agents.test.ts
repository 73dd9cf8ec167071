import { Agent, run, RunState, setTracingDisabled } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveToolCall,
  interruptionGateId,
  recordInterruptions,
  rejectToolCall,
} from '../src/index.js';
import { startTwoPaths, type TwoPaths } from '../../gates-ai-sdk/test/two-paths.js';
import {
  ARGS,
  gatesOf as gates,
  REFUND_GATE_ID,
  REFUND_SUBJECT_TOOL,
  refundTool,
  ScriptedModel,
} from './refund-agent.js';

describe('gates-openai-agents', () => {
  let paths: TwoPaths;
  beforeAll(async () => {
    // The SDK's own tracing would export to OpenAI; these tests record through the workbench only.
    setTracingDisabled(true);
    paths = await startTwoPaths('gates-openai-agents-test');
  });
  afterAll(async () => {
    await paths.close();
  });

  for (const approved of [true, false]) {
    it(`records each interruption and the app's ${approved ? 'approval' : 'rejection'}, resuming from RunState.toString(), the same on both paths`, async () => {
      const refunds: unknown[] = [];
      const refund = refundTool((input) => refunds.push(input));
      const model = new ScriptedModel();
      const agent = new Agent({ name: 'support', instructions: 'Help.', model, tools: [refund] });
      const wb = paths.workbench();
      const wbRun = wb.startRun({ name: 'refund', runId: `openai-agents-${String(approved)}` });
      const traceId = wbRun.span.spanContext().traceId;

      // The run pauses on the tool that needs approval.
      const ask = wbRun.startStep('ask', { kind: 'agent' });
      const first = await run(agent, 'Refund order A-17.');
      const askedAt = new Date();
      expect(first.interruptions).toHaveLength(1);
      const ids = recordInterruptions(ask, first, {
        policy: 'ops-approves-refunds',
        time: askedAt,
      });
      ask.end();
      expect(ids).toEqual([REFUND_GATE_ID]);
      expect(interruptionGateId(first.interruptions[0]!)).toBe(REFUND_GATE_ID);
      expect(refunds).toEqual([]);

      // The run state, saved as text while a human decides, then restored.
      const saved = first.state.toString();
      const decide = wbRun.startStep('decide', { kind: 'human' });
      const state = await RunState.fromString(agent, saved);
      const [item] = state.getInterruptions();
      const decidedAt = new Date();
      if (approved) {
        approveToolCall(decide, state, item!, {
          time: decidedAt,
          actor: 'ops@example.com',
          reason: 'Order checked.',
        });
      } else {
        rejectToolCall(decide, state, item!, {
          time: decidedAt,
          actor: 'ops@example.com',
          reason: 'Already refunded.',
          message: 'The refund was refused.',
        });
      }
      const resumed = await run(agent, state);
      decide.end();
      wbRun.end();
      expect(resumed.interruptions).toEqual([]);
      expect(refunds).toEqual(approved ? [JSON.parse(ARGS) as unknown] : []);
      expect(resumed.finalOutput).toContain(approved ? 'refunded' : 'The refund was refused.');

      const { inProcess, receiver } = await paths.bundles(traceId);
      expect(receiver.integrity.sha256).toBe(inProcess.integrity.sha256);
      const { requested, resolved } = gates(inProcess);
      expect(requested).toHaveLength(1);
      expect(resolved).toHaveLength(1);
      expect(requested[0]).toMatchObject({
        gateId: REFUND_GATE_ID,
        policy: 'ops-approves-refunds',
        stepId: 'ask',
        subject: {
          artifactKey: null,
          artifactVersion: null,
          tool: REFUND_SUBJECT_TOOL,
        },
      });
      expect(resolved[0]).toMatchObject({
        gateId: REFUND_GATE_ID,
        decision: approved ? 'approved' : 'rejected',
        actor: 'ops@example.com',
        reason: approved ? 'Order checked.' : 'Already refunded.',
        stepId: 'decide',
      });
      // The times the app gave, in order (to the microsecond, as a bundle holds them).
      expect(requested[0]!.time).toBe(askedAt.toISOString().replace('Z', '000Z'));
      expect(resolved[0]!.time).toBe(decidedAt.toISOString().replace('Z', '000Z'));
      expect(requested[0]!.time! <= resolved[0]!.time!).toBe(true);
      expect(JSON.stringify(inProcess)).not.toContain('A-17');
      expect(inProcess.diagnostics.filter((d) => d.code.includes('gate'))).toEqual([]);
    });
  }

  it('holds the arguments text on the span only with content capture on, and records timed_out only when told', async () => {
    const refund = refundTool();
    const agent = new Agent({ name: 'support', model: new ScriptedModel(), tools: [refund] });
    const wb = paths.workbench({ captureContent: true });
    const wbRun = wb.startRun({ name: 'timeout', runId: 'openai-agents-timeout' });
    const traceId = wbRun.span.spanContext().traceId;
    const first = await run(agent, 'Refund order A-17.');
    recordInterruptions(wbRun, first.interruptions, { time: Date.UTC(2026, 0, 1) });
    rejectToolCall(wbRun, first.state, first.interruptions[0]!, {
      actor: 'approval-timer',
      timedOut: true,
      time: Date.UTC(2026, 0, 2),
    });
    const resumed = await run(agent, first.state);
    wbRun.end();
    expect(resumed.interruptions).toEqual([]);
    const { inProcess, receiver } = await paths.bundles(traceId);
    expect(receiver.integrity.sha256).toBe(inProcess.integrity.sha256);
    const { requested, resolved } = gates(inProcess);
    expect(requested.map((r) => r.time)).toEqual(['2026-01-01T00:00:00.000000Z']);
    expect(resolved.map((r) => [r.decision, r.actor, r.time])).toEqual([
      ['timed_out', 'approval-timer', '2026-01-02T00:00:00.000000Z'],
    ]);
    // The bundle commits to the arguments by hash even when the span carried them.
    expect(JSON.stringify(inProcess)).not.toContain('A-17');
  });

  it('lets an SDK error through unrecorded, and never throws on odd interruptions', () => {
    const wb = paths.workbench();
    const wbRun = wb.startRun({ name: 'odd' });
    expect(recordInterruptions(wbRun, [null, { type: 'tool_approval_item', rawItem: {} }])).toEqual(
      [],
    );
    expect(recordInterruptions(wbRun, { interruptions: 'nope' } as never)).toEqual([]);
    const refusing = {
      approve() {
        throw new Error('not an interruption of this run');
      },
      reject() {},
    };
    expect(() =>
      approveToolCall(wbRun, refusing, { rawItem: { callId: 'c' } }, { actor: 'a' }),
    ).toThrow('not an interruption of this run');
    wbRun.end();
  });
});
