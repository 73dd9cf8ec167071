import * as sc from '@llm-workbench/semconv';
import { cutUtf8 } from './identifier-limits.js';
import { isValidSpanId, isValidTraceId, type SpanRecord } from './span-record.js';

/**
 * One trace of a run that spans several traces (a segment), as its run span describes it.
 * Read by {@link runSegmentOf}; the doors that assemble runs (processor, receiver, importers)
 * group traces by `runId` and fold a run once {@link segmentsComplete} says it is whole.
 */
export interface RunSegment {
  /** `workbench.run.id`, cut to the identifier limit as the bundle holds it. */
  readonly runId: string;
  /** `workbench.run.segment`, from 1. */
  readonly segment: number;
  /**
   * `workbench.run.segment.state`: `suspended` (more segments follow), `ended` (the run ended in
   * this segment), or null when absent or not one of those.
   */
  readonly state: 'suspended' | 'ended' | null;
  readonly traceId: string;
  /** The span id of the segment's run span. */
  readonly runSpanId: string;
  /**
   * The previous segment's run span, from the run span's `previous_segment` link; null for
   * segment 1, or when the door lost the link (Zipkin). Informative only: never in a bundle.
   */
  readonly previous: { readonly traceId: string; readonly spanId: string } | null;
}

const SEGMENT_TEXT = /^[1-9][0-9]{0,14}$/;

/**
 * The segment number an attribute value gives: a positive safe integer, as a number, a bigint, or
 * decimal text (Zipkin turns typed attributes into text); null for anything else.
 */
export function segmentNumberOf(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 1 ? value : null;
  }
  if (typeof value === 'bigint') {
    return value >= 1n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
  }
  if (typeof value === 'string' && SEGMENT_TEXT.test(value)) return Number(value);
  return null;
}

/** Whether a span is the run span of a segment: it carries a run id and a valid segment number. */
function isSegmentRunSpan(span: SpanRecord): boolean {
  return (
    typeof span.attributes[sc.ATTR_RUN_ID] === 'string' &&
    segmentNumberOf(span.attributes[sc.ATTR_RUN_SEGMENT]) !== null
  );
}

/**
 * Whether some span is the run span of a segment (it carries a run id and a segment number): a
 * cheap test, before reading the segment, of whether a trace must wait for the rest of its run.
 *
 * @example
 * if (isRunSegmentTrace(spans)) holdUntilTheRunEnds(spans); else fold(spans);
 */
export function isRunSegmentTrace(spans: Iterable<Pick<SpanRecord, 'attributes'>>): boolean {
  for (const span of spans) {
    if (
      span.attributes[sc.ATTR_RUN_SEGMENT] !== undefined &&
      span.attributes[sc.ATTR_RUN_ID] !== undefined
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Reads which segment of which run one trace is: null when no span of it is the run span of a
 * segment (a span carrying `workbench.run.id` and a valid `workbench.run.segment`), so the trace
 * is an ordinary run folded alone. When several spans qualify, the earliest (then lowest span id)
 * is the run span, as the fold decides. Pure and total.
 *
 * @example
 * const seg = runSegmentOf(spansOfOneTrace);
 * if (seg !== null && seg.state === 'suspended') holdUntilTheRunEnds(seg.runId, spansOfOneTrace);
 */
export function runSegmentOf(spans: Iterable<SpanRecord>): RunSegment | null {
  let best: SpanRecord | null = null;
  for (const span of spans) {
    if (!isSegmentRunSpan(span) || !isValidTraceId(span.traceId) || !isValidSpanId(span.spanId)) {
      continue;
    }
    if (
      best === null ||
      span.startTimeUnixNano < best.startTimeUnixNano ||
      (span.startTimeUnixNano === best.startTimeUnixNano && span.spanId < best.spanId)
    ) {
      best = span;
    }
  }
  if (best === null) return null;
  const stateValue = best.attributes[sc.ATTR_RUN_SEGMENT_STATE];
  let previous: RunSegment['previous'] = null;
  for (const link of best.links ?? []) {
    if (link.attributes[sc.ATTR_LINK_KIND] !== sc.LINK_KIND_PREVIOUS_SEGMENT) continue;
    if (!isValidTraceId(link.traceId) || !isValidSpanId(link.spanId)) continue;
    previous = { traceId: link.traceId, spanId: link.spanId };
    break;
  }
  return {
    runId: cutUtf8(best.attributes[sc.ATTR_RUN_ID] as string, sc.IDENTIFIER_LIMIT_BYTES),
    segment: segmentNumberOf(best.attributes[sc.ATTR_RUN_SEGMENT])!,
    state: stateValue === 'suspended' || stateValue === 'ended' ? stateValue : null,
    traceId: best.traceId,
    runSpanId: best.spanId,
    previous,
  };
}

/**
 * The segment numbers a run lacks: every number from 1 up to its last segment that no segment
 * has, lowest first; at most one more than the number of segments given (a bogus huge number
 * must not make a huge list).
 *
 * @example
 * missingSegments([{ segment: 1, ... }, { segment: 3, state: 'ended', ... }]); // [2]
 */
export function missingSegments(segments: readonly Pick<RunSegment, 'segment'>[]): number[] {
  const present = new Set(segments.map((s) => s.segment));
  let last = 0;
  for (const s of segments) last = Math.max(last, s.segment);
  const missing: number[] = [];
  for (let n = 1; n < last && missing.length <= segments.length; n++) {
    if (!present.has(n)) missing.push(n);
  }
  return missing;
}

/**
 * Whether a run's segments are all there: some segment `ended`, no segment has a higher number,
 * and every number from 1 to it is present. Duplicates (a token resumed twice) do not make a run
 * incomplete; the fold flags them.
 *
 * @example
 * if (segmentsComplete(held.concat(runSegmentOf(spans)!))) sink.write(bundleRun(all));
 */
export function segmentsComplete(segments: readonly RunSegment[]): boolean {
  let ended = 0;
  let last = 0;
  for (const s of segments) {
    last = Math.max(last, s.segment);
    if (s.state === 'ended') ended = Math.max(ended, s.segment);
  }
  if (ended === 0 || ended !== last) return false;
  const present = new Set(segments.map((s) => s.segment));
  if (ended > present.size) return false; // some number below it is missing (and no long loop)
  for (let n = 1; n <= ended; n++) if (!present.has(n)) return false;
  return true;
}
