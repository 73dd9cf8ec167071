import { runSegmentOf, type SpanRecord } from '@llm-workbench/bundle';
import { ATTR_RUN_ID } from '@llm-workbench/semconv';

/**
 * The run id a trace belongs to: its segment's run id when it is a segment of a run that spans
 * traces (`runSegmentOf`), else the `workbench.run.id` of its earliest span carrying one; null
 * for a trace of no run.
 *
 * @example
 * runIdOfTrace(spans); // 'run-42'
 */
export function runIdOfTrace(spans: readonly SpanRecord[]): string | null {
  const segment = runSegmentOf(spans);
  if (segment !== null) return segment.runId;
  let best: SpanRecord | null = null;
  for (const s of spans) {
    if (typeof s.attributes[ATTR_RUN_ID] !== 'string') continue;
    if (best === null || s.startTimeUnixNano < best.startTimeUnixNano) best = s;
  }
  return best === null ? null : (best.attributes[ATTR_RUN_ID] as string);
}

/**
 * Whether a trace belongs to the run `runId`: a span of it carries that `workbench.run.id` (or
 * its segment's run id, cut to the identifier limit as bundles hold it, is that). A backend's
 * tag search may match loosely; this is the check applied after it.
 *
 * @example
 * const mine = traces.filter((t) => isTraceOfRun(t.spans, 'run-42'));
 */
export function isTraceOfRun(spans: readonly SpanRecord[], runId: string): boolean {
  for (const s of spans) if (s.attributes[ATTR_RUN_ID] === runId) return true;
  return runSegmentOf(spans)?.runId === runId;
}
