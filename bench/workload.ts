/**
 * The span workload shared by the processor benches: a run of 10 spans (a run span and 9 step
 * spans), 8 attributes and 2 events on each span, as an instrumented agent would record it.
 */
import { context, trace, type Tracer } from '@opentelemetry/api';
import * as sc from '@llm-workbench/semconv';

/** Spans recorded by one {@link recordRun}. */
export const SPANS_PER_RUN = 10;

/**
 * Records one run with the raw OpenTelemetry API: a run span with a workflow snapshot, nine step
 * spans each with a `workbench.model_io` event, and one application event per span.
 *
 * @example
 * recordRun(provider.getTracer('bench'), 0);
 */
export function recordRun(tracer: Tracer, i: number): void {
  const run = tracer.startSpan('run bench', {
    attributes: {
      [sc.ATTR_RUN_ID]: `run-${i}`,
      [sc.ATTR_RUN_NAME]: 'bench',
      'app.tenant': 'acme',
      'app.region': 'eu-west-1',
      'app.attempt': 1,
      'app.priority': 0.5,
      'app.flag': true,
      'app.user': 'user-42',
    },
  });
  run.addEvent(sc.EVENT_WORKFLOW_SNAPSHOT, {
    [sc.ATTR_WORKFLOW_ID]: 'bench',
    [sc.ATTR_WORKFLOW_REVISION]: '1',
    [sc.ATTR_WORKFLOW_DEFINITION]: '{"nodes":[{"id":"s0"},{"id":"s1"}],"edges":[["s0","s1"]]}',
  });
  run.addEvent('app.note', { 'app.message': 'started' });
  const ctx = trace.setSpan(context.active(), run);
  for (let s = 0; s < 9; s++) {
    const step = tracer.startSpan(
      `step s${s}`,
      {
        attributes: {
          [sc.ATTR_STEP_ID]: `s${s}`,
          [sc.ATTR_STEP_KIND]: 'llm',
          'app.tenant': 'acme',
          'app.region': 'eu-west-1',
          'app.attempt': s,
          'app.priority': 0.25,
          'app.flag': false,
          'app.user': 'user-42',
        },
      },
      ctx,
    );
    step.addEvent(sc.EVENT_MODEL_IO, {
      [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'fake',
      [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'fake-1',
      [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 100 + s,
      [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 20,
      [sc.ATTR_MODEL_IO_DURATION_MS]: 12.5,
      [sc.ATTR_MODEL_IO_COST_AMOUNT]: 0.001,
      [sc.ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
    });
    step.addEvent('app.note', { 'app.message': `step ${s}` });
    step.end();
  }
  run.end();
}
