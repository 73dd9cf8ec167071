import { foldRun, sealBundle, summarizeBundle, type RunBundle } from '@llm-workbench/bundle';
import { describe, expect, it } from 'vitest';
import { demoBundleText } from './fixtures/demo-bundle.js';
import { demoLikeBundle } from './fixtures/demo-like-bundle.js';
import { largeBundle } from './fixtures/large-bundle.js';
import { event, span } from './fixtures/spans.js';
import { pageModule } from './helpers/page-modules.js';

const { summarize, gateRequests } = await pageModule('summarize.ts');

/** A run whose gates are out of order, repeated, unnamed and unresolved. */
function awkwardGates(): RunBundle {
  const trace = 'aa'.repeat(16);
  return sealBundle(
    foldRun([
      span(trace, {
        spanId: '00000000000000a1',
        name: 'run',
        startMs: 0,
        endMs: 10_000,
        attributes: { 'workbench.run.id': 'r' },
        events: [
          event('workbench.gate.requested', 10, { 'workbench.gate.id': 'g' }),
          event('workbench.gate.requested', 20, { 'workbench.gate.id': 'g' }),
          event('workbench.gate.resolved', 1_000.5, {
            'workbench.gate.id': 'g',
            'workbench.gate.decision': 'rejected',
          }),
          event('workbench.gate.resolved', 2_000, {
            'workbench.gate.id': 'g',
            'workbench.gate.decision': 'approved',
            'workbench.gate.actor': 'x',
          }),
          event('workbench.gate.requested', 30, {}),
          event('workbench.gate.resolved', 40, {
            'workbench.gate.id': 'only-resolved',
            'workbench.gate.decision': 'approved',
          }),
          event('workbench.gate.requested', 50, { 'workbench.gate.id': 'pending' }),
        ],
      }),
    ]),
  );
}

/** A run whose review span arrived twice, with a forged decision: its gate is disputed. */
function disputedGate(): RunBundle {
  const trace = 'bb'.repeat(16);
  const review = (decision: string) =>
    span(trace, {
      spanId: '00000000000000b1',
      name: 'run',
      startMs: 0,
      endMs: 10_000,
      attributes: { 'workbench.run.id': 'r' },
      events: [
        event('workbench.gate.requested', 10, { 'workbench.gate.id': 'g' }),
        event('workbench.gate.resolved', 20, {
          'workbench.gate.id': 'g',
          'workbench.gate.decision': decision,
        }),
      ],
    });
  return sealBundle(foldRun([review('rejected'), review('approved')]));
}

describe('summarize and gateRequests (in the page)', () => {
  it('give exactly what summarizeBundle gives, on every kind of run', async () => {
    const bundles: RunBundle[] = [
      demoLikeBundle(),
      largeBundle(),
      awkwardGates(),
      disputedGate(),
      JSON.parse(await demoBundleText()) as RunBundle,
    ];
    for (const bundle of bundles) {
      const expected = summarizeBundle(bundle);
      const plain = JSON.parse(JSON.stringify(bundle)) as unknown as RunBundle;
      expect(summarize(plain)).toEqual(expected);
    }
  });

  it('reads what each gate was asked to approve from its first request', () => {
    const requests = gateRequests(demoLikeBundle().events);
    const noTool = { toolName: null, toolCallId: null, toolArgumentsSha256: null };
    expect(requests.get('editor-approval')).toEqual({
      policy: 'one-editor',
      artifactKey: 'draft.md',
      artifactVersion: 1,
      ...noTool,
    });
    expect(requests.get('legal-sign-off')).toEqual({
      policy: 'legal',
      artifactKey: 'draft.md',
      artifactVersion: 2,
      ...noTool,
    });
    const tool = sealBundle(
      foldRun([
        span('bb'.repeat(16), {
          spanId: '00000000000000b1',
          name: 'run',
          startMs: 0,
          endMs: 10,
          attributes: { 'workbench.run.id': 'r' },
          events: [
            event('workbench.gate.requested', 1, {
              'workbench.gate.id': 'tool-approval:a1',
              'workbench.gate.subject.tool.name': 'send_email',
              'workbench.gate.subject.tool.call_id': 'call_1',
              'workbench.gate.subject.tool.arguments.sha256': 'cd'.repeat(32),
            }),
          ],
        }),
      ]),
    );
    expect(gateRequests(tool.events).get('tool-approval:a1')).toEqual({
      policy: null,
      artifactKey: null,
      artifactVersion: null,
      toolName: 'send_email',
      toolCallId: 'call_1',
      toolArgumentsSha256: 'cd'.repeat(32),
    });
  });

  it('never throws on JSON that is not a bundle, and derives nothing from it', () => {
    const junkBundle = { ...(JSON.parse(JSON.stringify(demoLikeBundle())) as object), run: 7 };
    for (const junk of [
      null,
      1,
      'x',
      [null, 1, { type: 'human_gate_resolved', gateId: 7, time: 3 }],
      { length: 3 },
      { events: [{ type: 'human_gate_resolved', gateId: 7, time: 3 }], model_io: 5 },
      junkBundle,
    ]) {
      const summary = summarize(junk);
      expect(summary.gates.size).toBe(0);
      expect(summary.totals.calls).toBe(0);
      expect(() => gateRequests(junk)).not.toThrow();
    }
  });
});
