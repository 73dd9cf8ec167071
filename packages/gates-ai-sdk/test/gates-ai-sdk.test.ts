import { createHash } from 'node:crypto';
import { generateText, streamText, tool, type ModelMessage } from 'ai';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { GateRequestedEvent, GateResolvedEvent, RunBundle } from '@llm-workbench/bundle';
import {
  recordToolApprovalRequests,
  recordToolApprovalResponses,
  respondToToolApproval,
  toolApprovalGateId,
} from '../src/index.js';
import { startTwoPaths, type TwoPaths } from './two-paths.js';

const ARGS = { to: 'ops@example.com', body: 'The build is green.' };
const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/** A scripted model: first a call of send_email, then a closing text. */
function scriptedModel() {
  return new MockLanguageModelV3({
    doGenerate: [
      {
        content: [
          {
            type: 'tool-call',
            toolCallId: 'call_send_1',
            toolName: 'send_email',
            input: JSON.stringify(ARGS),
          },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      },
      {
        content: [{ type: 'text', text: 'Done.' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage,
        warnings: [],
      },
    ],
  });
}

function gates(bundle: RunBundle) {
  return {
    requested: bundle.events.filter(
      (e): e is GateRequestedEvent => e.type === 'human_gate_requested',
    ),
    resolved: bundle.events.filter((e): e is GateResolvedEvent => e.type === 'human_gate_resolved'),
  };
}

describe('gates-ai-sdk', () => {
  let paths: TwoPaths;
  beforeAll(async () => {
    paths = await startTwoPaths('gates-ai-sdk-test');
  });
  afterAll(async () => {
    await paths.close();
  });

  for (const approved of [true, false]) {
    it(`records the approval request and the app's ${approved ? 'approval' : 'rejection'} through pause and resume from serialized messages, the same on both paths`, async () => {
      const sent: unknown[] = [];
      const tools = {
        send_email: tool({
          description: 'Sends an email',
          inputSchema: z.object({ to: z.string(), body: z.string() }),
          needsApproval: true,
          execute: async (input) => {
            sent.push(input);
            return 'sent';
          },
        }),
      };
      const model = scriptedModel();
      const wb = paths.workbench();
      const run = wb.startRun({ name: 'email', runId: `ai-sdk-${String(approved)}` });
      const traceId = run.span.spanContext().traceId;

      // First turn: the model asks for send_email, which needs approval; the SDK pauses.
      const ask = run.startStep('ask', { kind: 'llm' });
      const messages: ModelMessage[] = [{ role: 'user', content: 'Tell ops the build is green.' }];
      const first = await generateText({ model, tools, messages });
      const askedAt = new Date();
      const ids = recordToolApprovalRequests(ask, first, {
        policy: 'ops-approves-email',
        time: askedAt,
      });
      ask.end();
      const request = first.content.find((p) => p.type === 'tool-approval-request');
      expect(request).toBeDefined();
      expect(ids).toEqual([toolApprovalGateId(request!.approvalId)]);
      expect(sent).toEqual([]);

      // The conversation is all the state: saved as text while the human decides.
      const saved = JSON.stringify([...messages, ...first.response.messages]);

      // Resume from the saved text: the app answers, and the SDK runs (or skips) the tool.
      const resume = run.startStep('resume', { kind: 'human' });
      const restored = JSON.parse(saved) as ModelMessage[];
      const decidedAt = new Date();
      const answer = respondToToolApproval(resume, {
        time: decidedAt,
        approvalId: request!.approvalId,
        approved,
        actor: 'ops@example.com',
        reason: approved ? 'Recipient checked.' : 'Not to ops.',
      });
      restored.push({ role: 'tool', content: [answer] });
      const second = await generateText({ model, tools, messages: restored });
      resume.end();
      run.end();
      expect(second.text).toBe('Done.');
      expect(sent).toEqual(approved ? [ARGS] : []);

      const { inProcess, receiver } = await paths.bundles(traceId);
      expect(receiver.integrity.sha256).toBe(inProcess.integrity.sha256);
      const { requested, resolved } = gates(inProcess);
      expect(requested).toHaveLength(1);
      expect(resolved).toHaveLength(1);
      expect(requested[0]).toMatchObject({
        gateId: `tool-approval:${request!.approvalId}`,
        policy: 'ops-approves-email',
        stepId: 'ask',
        subject: {
          artifactKey: null,
          artifactVersion: null,
          tool: {
            name: 'send_email',
            callId: 'call_send_1',
            argumentsSha256: createHash('sha256').update(JSON.stringify(ARGS)).digest('hex'),
          },
        },
      });
      expect(resolved[0]).toMatchObject({
        gateId: `tool-approval:${request!.approvalId}`,
        decision: approved ? 'approved' : 'rejected',
        actor: 'ops@example.com',
        reason: approved ? 'Recipient checked.' : 'Not to ops.',
        stepId: 'resume',
      });
      // The times the app gave, in order (to the microsecond, as a bundle holds them).
      expect(requested[0]!.time).toBe(askedAt.toISOString().replace('Z', '000Z'));
      expect(resolved[0]!.time).toBe(decidedAt.toISOString().replace('Z', '000Z'));
      expect(requested[0]!.time! <= resolved[0]!.time!).toBe(true);
      // Capture is off: the arguments' text is nowhere in the bundle.
      expect(JSON.stringify(inProcess)).not.toContain('The build is green.');
      expect(inProcess.diagnostics.filter((d) => d.code.includes('gate'))).toEqual([]);
    });
  }

  it('records the approval requests of streamText from its awaited content', async () => {
    const model = new MockLanguageModelV3({
      doStream: {
        stream: simulateReadableStream({
          chunks: [
            {
              type: 'tool-call',
              toolCallId: 'call_stream_1',
              toolName: 'send_email',
              input: JSON.stringify(ARGS),
            },
            { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage },
          ],
        }),
      },
    });
    const tools = {
      send_email: tool({
        inputSchema: z.object({ to: z.string(), body: z.string() }),
        needsApproval: true,
        execute: async () => 'sent',
      }),
    };
    const wb = paths.workbench();
    const run = wb.startRun({ name: 'stream', runId: 'ai-sdk-stream' });
    const traceId = run.span.spanContext().traceId;
    const result = streamText({ model, tools, prompt: 'Tell ops.' });
    const ids = recordToolApprovalRequests(run, await result.content);
    run.end();
    expect(ids).toHaveLength(1);
    const { inProcess, receiver } = await paths.bundles(traceId);
    expect(receiver.integrity.sha256).toBe(inProcess.integrity.sha256);
    expect(gates(inProcess).requested[0]?.subject?.tool).toEqual({
      name: 'send_email',
      callId: 'call_stream_1',
      argumentsSha256: createHash('sha256').update(JSON.stringify(ARGS)).digest('hex'),
    });
  });

  it('records timed_out only when the app says so, and responses given as parts', async () => {
    const wb = paths.workbench();
    const run = wb.startRun({ name: 'parts', runId: 'ai-sdk-parts' });
    const traceId = run.span.spanContext().traceId;
    const parts = [
      {
        type: 'tool-approval-request',
        approvalId: 'a1',
        toolCall: { toolName: 'deploy', toolCallId: 'c1', input: { env: 'prod' } },
      },
      {
        type: 'tool-approval-request',
        approvalId: 'a2',
        toolCall: { toolName: 'deploy', toolCallId: 'c2', input: { env: 'dev' } },
      },
      { type: 'text', text: 'not an approval' },
    ];
    expect(recordToolApprovalRequests(run, parts, { time: Date.UTC(2026, 0, 1) })).toEqual([
      'tool-approval:a1',
      'tool-approval:a2',
    ]);
    respondToToolApproval(run, {
      approvalId: 'a1',
      approved: false,
      timedOut: true,
      actor: 'approval-timer',
      time: Date.UTC(2026, 0, 2),
    });
    const n = recordToolApprovalResponses(
      run,
      { content: [{ type: 'tool-approval-response', approvalId: 'a2', approved: true }] },
      { actor: 'dev@example.com', time: Date.UTC(2026, 0, 3) },
    );
    expect(n).toBe(1);
    run.end();
    const { inProcess, receiver } = await paths.bundles(traceId);
    expect(receiver.integrity.sha256).toBe(inProcess.integrity.sha256);
    const { resolved } = gates(inProcess);
    expect(resolved.map((r) => [r.gateId, r.decision, r.actor, r.time])).toEqual([
      ['tool-approval:a1', 'timed_out', 'approval-timer', '2026-01-02T00:00:00.000000Z'],
      ['tool-approval:a2', 'approved', 'dev@example.com', '2026-01-03T00:00:00.000000Z'],
    ]);
  });

  it('never throws into the app on parts that are not what it expects', () => {
    const wb = paths.workbench();
    const run = wb.startRun({ name: 'odd' });
    expect(recordToolApprovalRequests(run, [null, 1, { type: 'tool-approval-request' }])).toEqual(
      [],
    );
    expect(recordToolApprovalRequests(run, { content: 'nope' } as never)).toEqual([]);
    expect(recordToolApprovalResponses(run, undefined, { actor: 'a' })).toBe(0);
    run.end();
  });
});
