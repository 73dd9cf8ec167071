import { createHash } from 'node:crypto';
import {
  Annotation,
  END,
  interrupt,
  INTERRUPT,
  isInterrupted,
  MemorySaver,
  START,
  StateGraph,
  type Interrupt,
} from '@langchain/langgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateRequestedEvent, GateResolvedEvent, RunBundle } from '@llm-workbench/bundle';
import { interruptGateId, recordInterrupts, resumeInterrupts } from '../src/index.js';
import { startTwoPaths, type TwoPaths } from '../../gates-ai-sdk/test/two-paths.js';

const CALL = { name: 'deploy', args: { env: 'prod', version: '1.4.2' }, id: 'call_deploy_1' };

const State = Annotation.Root({
  outcome: Annotation<string>(),
});

/** A graph whose `review` node asks a person about a deploy, through interrupt(). */
function deployGraph(checkpointer: MemorySaver, deployed: unknown[]) {
  return new StateGraph(State)
    .addNode('review', () => {
      const answer = interrupt<typeof CALL, { approved: boolean }>(CALL);
      if (!answer.approved) return { outcome: 'not deployed' };
      deployed.push(CALL.args);
      return { outcome: 'deployed' };
    })
    .addEdge(START, 'review')
    .addEdge('review', END)
    .compile({ checkpointer });
}

function gates(bundle: RunBundle) {
  return {
    requested: bundle.events.filter(
      (e): e is GateRequestedEvent => e.type === 'human_gate_requested',
    ),
    resolved: bundle.events.filter((e): e is GateResolvedEvent => e.type === 'human_gate_resolved'),
  };
}

describe('gates-langgraph', () => {
  let paths: TwoPaths;
  beforeAll(async () => {
    paths = await startTwoPaths('gates-langgraph-test');
  });
  afterAll(async () => {
    await paths.close();
  });

  for (const approved of [true, false]) {
    it(`records an interrupt as a pending gate (never an error) and Command({ resume }) as its ${approved ? 'approval' : 'rejection'}, the same on both paths`, async () => {
      const deployed: unknown[] = [];
      const checkpointer = new MemorySaver();
      const config = { configurable: { thread_id: `thread-${String(approved)}` } };
      const wb = paths.workbench();
      const run = wb.startRun({ name: 'deploy', runId: `langgraph-${String(approved)}` });
      const traceId = run.span.spanContext().traceId;

      const ask = run.startStep('ask', { kind: 'agent' });
      const first = await deployGraph(checkpointer, deployed).invoke({ outcome: '' }, config);
      const askedAt = new Date();
      const pending = isInterrupted<typeof CALL>(first) ? first[INTERRUPT] : undefined;
      expect(pending).toHaveLength(1);
      const ids = recordInterrupts(ask, first, {
        policy: 'ops-approves-deploys',
        time: askedAt,
      });
      ask.end();
      expect(ids).toEqual([interruptGateId(pending![0]!)]);
      expect(deployed).toEqual([]);

      // The interrupt as text (as an app hands it to a UI), read back; the graph recompiled on
      // the same checkpointer, as a later request would.
      const [restored] = JSON.parse(JSON.stringify(pending)) as Interrupt[];
      const decide = run.startStep('decide', { kind: 'human' });
      const decidedAt = new Date();
      const command = resumeInterrupts(decide, [
        {
          time: decidedAt,
          interrupt: restored!,
          resume: { approved },
          decision: approved ? 'approved' : 'rejected',
          actor: 'ops@example.com',
          reason: approved ? 'Change window open.' : 'Freeze in effect.',
        },
      ]);
      const second = await deployGraph(checkpointer, deployed).invoke(command, config);
      decide.end();
      run.end();
      expect(second.outcome).toBe(approved ? 'deployed' : 'not deployed');
      expect(isInterrupted(second)).toBe(false);
      expect(deployed).toEqual(approved ? [CALL.args] : []);

      const { inProcess, receiver } = await paths.bundles(traceId);
      expect(receiver.integrity.sha256).toBe(inProcess.integrity.sha256);
      const { requested, resolved } = gates(inProcess);
      expect(requested).toHaveLength(1);
      expect(resolved).toHaveLength(1);
      expect(requested[0]).toMatchObject({
        gateId: `interrupt:${restored!.id!}`,
        policy: 'ops-approves-deploys',
        stepId: 'ask',
        subject: {
          tool: {
            name: 'deploy',
            callId: 'call_deploy_1',
            argumentsSha256: createHash('sha256').update(JSON.stringify(CALL.args)).digest('hex'),
          },
        },
      });
      expect(resolved[0]).toMatchObject({
        gateId: `interrupt:${restored!.id!}`,
        decision: approved ? 'approved' : 'rejected',
        actor: 'ops@example.com',
        stepId: 'decide',
      });
      // The times the app gave, in order (to the microsecond, as a bundle holds them).
      expect(requested[0]!.time).toBe(askedAt.toISOString().replace('Z', '000Z'));
      expect(resolved[0]!.time).toBe(decidedAt.toISOString().replace('Z', '000Z'));
      expect(requested[0]!.time! <= resolved[0]!.time!).toBe(true);
      // An interrupt is a pause, not a failure: no step or run is in error.
      expect(inProcess.run.status.code).not.toBe('error');
      expect(inProcess.steps.every((s) => s.status.code !== 'error')).toBe(true);
    });
  }

  it('leaves an unanswered interrupt pending, and reads interrupts from getState', async () => {
    const checkpointer = new MemorySaver();
    const config = { configurable: { thread_id: 'pending' } };
    const graph = deployGraph(checkpointer, []);
    const wb = paths.workbench();
    const run = wb.startRun({ name: 'pending', runId: 'langgraph-pending' });
    const traceId = run.span.spanContext().traceId;
    await graph.invoke({ outcome: '' }, config);
    const snapshot = await graph.getState(config);
    const ids = recordInterrupts(run, snapshot, { subject: () => undefined });
    run.end();
    expect(ids).toHaveLength(1);
    const { inProcess, receiver } = await paths.bundles(traceId);
    expect(receiver.integrity.sha256).toBe(inProcess.integrity.sha256);
    const { requested, resolved } = gates(inProcess);
    expect(requested.map((r) => [r.gateId, r.subject])).toEqual([[ids[0], null]]);
    expect(resolved).toEqual([]);
  });

  it('resumes several interrupts at once with one Command, each gate resolved by its own answer', async () => {
    const checkpointer = new MemorySaver();
    const config = { configurable: { thread_id: 'two' } };
    const Two = Annotation.Root({
      done: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
    });
    const node = (name: string) => () => {
      const answer = interrupt<{ name: string; args: object }, { approved: boolean }>({
        name,
        args: { target: name },
      });
      return { done: [`${name}:${String(answer.approved)}`] };
    };
    const graph = new StateGraph(Two)
      .addNode('a', node('deploy_a'))
      .addNode('b', node('deploy_b'))
      .addEdge(START, 'a')
      .addEdge(START, 'b')
      .addEdge('a', END)
      .addEdge('b', END)
      .compile({ checkpointer });
    const wb = paths.workbench();
    const run = wb.startRun({ name: 'two', runId: 'langgraph-two' });
    const traceId = run.span.spanContext().traceId;
    const first = await graph.invoke({ done: [] }, config);
    const pending = isInterrupted<{ name: string }>(first) ? first[INTERRUPT] : [];
    expect(pending).toHaveLength(2);
    const ids = recordInterrupts(run, first, { time: Date.UTC(2026, 0, 1) });
    const answers = pending.map((i) => ({
      interrupt: i,
      resume: { approved: i.value?.name === 'deploy_a' },
      decision: i.value?.name === 'deploy_a' ? ('approved' as const) : ('rejected' as const),
      actor: 'ops@example.com',
      time: Date.UTC(2026, 0, 2),
    }));
    const second = await graph.invoke(resumeInterrupts(run, answers), config);
    run.end();
    expect([...second.done].sort()).toEqual(['deploy_a:true', 'deploy_b:false']);
    const { inProcess, receiver } = await paths.bundles(traceId);
    expect(receiver.integrity.sha256).toBe(inProcess.integrity.sha256);
    const { requested, resolved } = gates(inProcess);
    expect(requested.map((r) => r.gateId).sort()).toEqual([...ids].sort());
    const byGate = new Map(resolved.map((r) => [r.gateId, r.decision]));
    for (const i of pending)
      expect(byGate.get(interruptGateId(i)!)).toBe(
        i.value?.name === 'deploy_a' ? 'approved' : 'rejected',
      );
  });

  it('never throws on input that holds no interrupts', () => {
    const wb = paths.workbench();
    const run = wb.startRun({ name: 'odd' });
    expect(recordInterrupts(run, null)).toEqual([]);
    expect(recordInterrupts(run, { __interrupt__: [null, {}] })).toEqual([]);
    expect(recordInterrupts(run, 'text')).toEqual([]);
    run.end();
  });
});
