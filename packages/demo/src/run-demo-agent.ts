import { Workbench, type WorkbenchStep } from '@llm-workbench/instrumentation';
import { DEMO_ARTIFACT_KEY, DEMO_GATE_ID, DEMO_WORKFLOW } from './demo-workflow.js';
import { DEMO_MODELS, DEMO_PROVIDER, fakeModel } from './fake-model.js';
import type { DemoAgentResult, RunDemoAgentOptions } from './types.js';

const DEFAULT_TOPIC = 'OpenTelemetry span events';

/**
 * Runs the demo agent once and records it: a run `demo-newsletter` with the workflow snapshot,
 * then the steps `plan` (a model call), `draft` (a model call and `draft.md` v1), `review` (a
 * human gate, requested and then approved by `editor@example.com`) and `publish` (`draft.md` v2,
 * with a patch from v1). Calls no model and never waits: everything but ids and clock times is
 * the same on every run.
 *
 * @example
 * const { traceId, runId } = await runDemoAgent({ tracerProvider: provider });
 */
export async function runDemoAgent(options: RunDemoAgentOptions = {}): Promise<DemoAgentResult> {
  const workbench =
    options.workbench ??
    new Workbench({
      captureContent: true,
      ...(options.tracer !== undefined ? { tracer: options.tracer } : {}),
      ...(options.tracerProvider !== undefined ? { tracerProvider: options.tracerProvider } : {}),
    });
  const topic = options.topic ?? DEFAULT_TOPIC;
  const runOptions = {
    name: 'demo-newsletter',
    workflow: DEMO_WORKFLOW,
    ...(options.runId !== undefined ? { runId: options.runId } : {}),
  };

  return workbench.run(runOptions, async (run) => {
    const outline = await run.step('plan', { kind: 'llm' }, (step) =>
      callModel(
        step,
        DEMO_MODELS.planner,
        `Plan a short newsletter about ${topic}. Reply with three numbered sections.`,
      ),
    );

    const draft = await run.step('draft', { kind: 'llm' }, (step) => {
      const text = callModel(
        step,
        DEMO_MODELS.writer,
        `Write a draft following this plan:\n${outline}`,
      );
      const ref = step.recordArtifact({
        key: DEMO_ARTIFACT_KEY,
        content: text,
        mediaType: 'text/markdown',
      });
      return { text, version: ref?.version ?? 1 };
    });

    await run.step('review', { kind: 'human' }, (step) => {
      step.requestGate({
        gateId: DEMO_GATE_ID,
        policy: 'one-editor',
        subject: { artifactKey: DEMO_ARTIFACT_KEY, artifactVersion: draft.version },
      });
      // The editor answers at once. Both events take the span's own clock, so the decision is
      // never stamped before the request nor after the step ends.
      step.resolveGate({
        gateId: DEMO_GATE_ID,
        decision: 'approved',
        actor: 'editor@example.com',
        reason: 'Accurate and short. Tighten the title, then ship it.',
      });
    });

    await run.step('publish', { kind: 'task' }, (step) => {
      step.recordArtifact({
        key: DEMO_ARTIFACT_KEY,
        content: publishEdits(draft.text),
        mediaType: 'text/markdown',
      });
    });

    return { traceId: run.traceId, runId: run.runId };
  });
}

function callModel(step: WorkbenchStep, model: string, prompt: string): string {
  const response = fakeModel({ model, prompt });
  step.recordModelIo({
    operation: 'chat',
    provider: DEMO_PROVIDER,
    model,
    responseModel: `${model}-2026-11`,
    inputTokens: response.inputTokens,
    outputTokens: response.outputTokens,
    durationMs: response.durationMs,
    cost: response.cost,
    input: prompt,
    output: response.output,
  });
  return response.output;
}

/** The editor's requested change and the sign-off: what publishing adds to the draft. */
function publishEdits(text: string): string {
  return `${text.replace(/^# This week: /, '# ')}\n---\nPublished by the demo agent after review.\n`;
}
