import type { WorkflowInfo } from '@llm-workbench/instrumentation';
import { DEMO_MODELS } from './fake-model.js';

/** Id of the demo's human gate. */
export const DEMO_GATE_ID = 'review';

/** Key of the artifact the demo drafts and publishes. */
export const DEMO_ARTIFACT_KEY = 'draft.md';

/**
 * The demo's workflow: plan → draft → review (a human gate on `draft.md`) → publish.
 *
 * @example
 * wb.startRun({ name: 'demo-newsletter', workflow: DEMO_WORKFLOW });
 */
export const DEMO_WORKFLOW: WorkflowInfo = {
  id: 'demo-newsletter',
  revision: '2026-11-26.1',
  definition: {
    nodes: [
      { id: 'plan', kind: 'llm', model: DEMO_MODELS.planner },
      { id: 'draft', kind: 'llm', model: DEMO_MODELS.writer, produces: [DEMO_ARTIFACT_KEY] },
      { id: 'review', kind: 'human', gate: DEMO_GATE_ID },
      { id: 'publish', kind: 'task', produces: [DEMO_ARTIFACT_KEY] },
    ],
    edges: [
      { from: 'plan', to: 'draft' },
      { from: 'draft', to: 'review' },
      { from: 'review', to: 'publish', when: 'approved' },
    ],
    gates: [
      {
        id: DEMO_GATE_ID,
        node: 'review',
        policy: 'one-editor',
        subject: { artifactKey: DEMO_ARTIFACT_KEY },
        decisions: ['approved', 'rejected', 'changes_requested', 'timed_out'],
      },
    ],
  },
};
