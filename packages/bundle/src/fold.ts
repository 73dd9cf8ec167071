import { createHash } from 'node:crypto';
import * as sc from '@llm-workbench/semconv';
import { toBundleAttributes, utf8Length } from './attribute-values.js';
import { canonicalize } from './canonicalize.js';
import { durationMs, endMicros, MicrosFormatter, nanosToMicros } from './time.js';
import { wellFormedSpan } from './well-formed-span.js';
import { fingerprint, resolveVersions } from './span-disputes.js';
import {
  cutUtf8,
  EVENT_NAME_SUBJECT,
  identifierLimit,
  SPAN_NAME_SUBJECT,
} from './identifier-limits.js';
import { GEN_AI } from './vocabularies/gen-ai.js';
import {
  isModelCallSpan,
  readModelCall,
  readWith,
  type ContentCommitment,
  type ModelCallReading,
} from './vocabularies/read-model-call.js';
import {
  isToolCallSpan,
  readStep,
  readToolCall,
  type StepReading,
} from './vocabularies/read-tool-call.js';
import type { FieldReader } from './vocabularies/vocabulary.js';
import { oneReceiptPerCall, type ModelCallSpan } from './one-receipt-per-call.js';
import { modalityUsages } from './modality-usage.js';
import {
  toBundleDiagnostic,
  type ExpectedType,
  type FoldDiagnostic,
  type NonFiniteValue,
  type ValueKind,
} from './diagnostics.js';
import type { AttributeValue, Attributes, SpanRecord } from './span-record.js';
import { attachLogEvents, type LogEventRecord } from './log-event-record.js';
import {
  missingSegments,
  runSegmentOf,
  segmentNumberOf,
  segmentsComplete,
  type RunSegment,
} from './run-segments.js';
import { isValidSpanId, isValidTraceId } from './span-record.js';
import {
  BUNDLE_SCHEMA_VERSION,
  type BundleArtifact,
  type BundleDiagnostic,
  type BundleEvent,
  type BundleRun,
  type BundleSegment,
  type BundleStatus,
  type BundleStep,
  type ContentRef,
  type JsonValue,
  type ModelIoReceipt,
  type ReceiptSource,
  type SpanDispute,
  type UnsealedRunBundle,
  type WorkflowSnapshot,
} from './types.js';

/** Options of {@link foldRun}. */
export interface FoldOptions {
  /**
   * Set by an adapter that folds a trace before it was whole (idle timeout, time-to-live, caps):
   * the bundle then says `complete: false`. Default false.
   */
  truncated?: boolean;
  /**
   * Set by an adapter that kept at most `limit` spans of the trace and dropped `count` more (a
   * span cap): the bundle then says `complete: false` and holds a `spans_dropped` diagnostic with
   * the count, so a reader knows what was cut, not only that something was. A count of 0 is the
   * same as none, and so is undefined.
   */
  droppedSpans?: DroppedSpans | undefined;
  /**
   * Events recorded as log records (OTEP 4430), which {@link attachLogEvents} makes events of
   * their spans before anything else is read. Those whose span is not among the spans are flagged
   * (`log_event_without_span`), never made into a step, and the trace counts as folded early
   * (`complete: false`, `folded_early`): a span of it is missing. Default none; an empty list is
   * the same as none.
   */
  logEvents?: Iterable<LogEventRecord>;
}

/** Spans an adapter dropped at its per-trace cap (see {@link FoldOptions.droppedSpans}). */
export interface DroppedSpans {
  /** How many spans of the trace were dropped. */
  readonly count: number;
  /** The cap: how many spans of one trace the adapter keeps. */
  readonly limit: number;
}

/**
 * The spans dropped across the segments of one run, as one: the counts added, the largest cap.
 * Undefined when none were dropped.
 *
 * @example
 * sumDroppedSpans([{ count: 3, limit: 10 }, undefined]); // { count: 3, limit: 10 }
 */
export function sumDroppedSpans(
  parts: Iterable<DroppedSpans | undefined>,
): DroppedSpans | undefined {
  let count = 0;
  let limit = 0;
  for (const part of parts) {
    if (part === undefined || part.count <= 0) continue;
    count += part.count;
    limit = Math.max(limit, part.limit);
  }
  return count > 0 ? { count, limit } : undefined;
}

/**
 * The span end the events of a plain span sort by: none. A plain span's end is not in the bundle
 * (only its events are; nor is a receipt source's), so a replay cannot give it back, and ties
 * between events of one microsecond must not depend on it. The run span, steps, the spans of
 * receipts and tool calls keep their span's end, which the bundle holds.
 */
const PLAIN_SPAN_END = -1n;

/** How many `unknown` events a bundle keeps, in timeline order; the rest are counted. */
export const MAX_UNKNOWN_EVENTS = 1000;

const GATE_DECISIONS: ReadonlySet<string> = new Set(sc.GATE_DECISIONS);

/**
 * Where a span's events stand among entries of the same span at the same microsecond. Emission
 * order is not kept by every door (log records of one span arrive in any order; Zipkin sorts
 * annotations; backends keep microseconds), so the fold never reads it: same-time entries go by
 * this rank (step start 0, call and tool entries 1, then these, step end last), then by their
 * canonical text, so a run folds to one bundle whatever order its events came in.
 */
const SAME_TIME_RANK: Readonly<Record<BundleEvent['type'], number>> = {
  step_started: 0,
  tool_call: 1,
  workflow_snapshot: 2,
  model_io: 3,
  artifact: 4,
  human_gate_requested: 5,
  human_gate_resolved: 6,
  unknown: 7,
  step_ended: Number.MAX_SAFE_INTEGER,
};

interface Sortable {
  us: bigint;
  /** End of the span the entry belongs to: spans starting together are ordered by when they ended. */
  spanEnd: bigint;
  spanId: string;
  order: number;
  event: BundleEvent;
}

/**
 * Whether a trace deserves a bundle: it has a span carrying `workbench.run.id`, a workbench event,
 * or a GenAI span (`gen_ai.operation.name` or `gen_ai.usage.*`).
 *
 * @example
 * if (isRunTrace(spans)) sink.write(bundleRun(spans));
 */
export function isRunTrace(spans: Iterable<SpanRecord>): boolean {
  for (const span of spans) {
    if (span.attributes[sc.ATTR_RUN_ID] !== undefined) return true;
    if (isGenAiSpan(span)) return true;
    for (const e of span.events) if (e.name.startsWith(sc.EVENT_PREFIX)) return true;
  }
  return false;
}

function isGenAiSpan(span: SpanRecord): boolean {
  const r = new Reader(span.attributes, new Diagnostics(), span.spanId, null);
  return isModelCallSpan(r) || isToolCallSpan(r);
}

/**
 * The spans that are steps of a run with no workbench steps: agent, workflow, chain and task spans
 * of the other vocabularies, by span id. Empty when any span carries `workbench.step.id`: then the
 * workbench steps alone are the run's steps.
 */
function otherSteps(byId: ReadonlyMap<string, SpanRecord>): Map<string, StepReading> {
  const found = new Map<string, StepReading>();
  const quiet = new Diagnostics();
  for (const span of byId.values()) {
    if (span.attributes[sc.ATTR_STEP_ID] !== undefined) return new Map();
    const step = readStep(new Reader(span.attributes, quiet, span.spanId, null));
    if (step !== null) found.set(span.spanId, step);
  }
  return found;
}

/**
 * Folds the spans of one run into a run bundle (without its integrity member: see
 * `sealBundle`): one trace, or every segment (trace) of a run that spans traces, which become one
 * bundle whose `run.segments` lists them. Pure and total: the same spans in any order, split or
 * duplicated, give the same bundle; odd input is recorded under `diagnostics`, never thrown.
 *
 * @example
 * const bundle = sealBundle(foldRun(spanRecords));
 */
export function foldRun(spans: Iterable<SpanRecord>, options: FoldOptions = {}): UnsealedRunBundle {
  const diags = new Diagnostics();
  const times = new MicrosFormatter();
  let foldedEarly = options.truncated === true;
  const { logEvents, droppedSpans } = options;
  if (droppedSpans !== undefined && droppedSpans.count > 0) {
    foldedEarly = true;
    diags.record({ code: 'spans_dropped', count: droppedSpans.count, limit: droppedSpans.limit });
  }
  // An empty list attaches nothing: the spans are taken as given, not copied.
  if (logEvents !== undefined && !(Array.isArray(logEvents) && logEvents.length === 0)) {
    const attached = attachLogEvents(spans, logEvents);
    spans = attached.spans;
    // A log event naming a span that is not here is a span of the trace missing from it: folded
    // before it was whole, whichever door saw it (in process the span never ended; through a
    // backend it never came), so every door gives the same bundle.
    if (attached.unattached.length > 0) foldedEarly = true;
    for (const e of attached.unattached) {
      diags.record({
        code: 'log_event_without_span',
        subject: cutUtf8(
          (e.name as unknown as { toWellFormed(): string }).toWellFormed(),
          sc.INLINE_LIMIT_BYTES,
        ),
        namedSpanId: e.spanId,
        namedTraceId: e.traceId,
      });
    }
  }
  const { spans: unique, disputes: allDisputes } = dedupe(spans, diags);
  const { traceId, traces, segments } = chooseTraces(unique, diags);
  const disputes = allDisputes
    .filter((d) => traces.has(d.traceId))
    .map((d) => d.dispute)
    .sort((a, b) => compareStr(a.spanId, b.spanId));
  for (const d of disputes) {
    diags.record({
      code: 'conflicting_duplicate_span',
      spanId: d.spanId,
      versions: d.variants.length + d.variantsOmitted,
      facts: d.paths.length + d.pathsOmitted,
    });
  }
  const byId =
    segments === null ? oneTrace(unique, traceId) : segmentSpans(unique, segments, diags);
  const starts = orderByStart(byId.values());
  const ordered = starts.map((s) => s.span);
  /** The run spans of the segments (empty for a one-trace run, whose run span is `root`). */
  const segmentRunSpans = new Set(segments?.map((g) => g.runSpanId));

  const derivedSteps = otherSteps(byId);
  /** The step a span itself opens: its `workbench.step.id`, or its own id for an agent span. */
  const stepIdOf = (span: SpanRecord): string | null => {
    if (derivedSteps.size > 0) return derivedSteps.has(span.spanId) ? span.spanId : null;
    const own = span.attributes[sc.ATTR_STEP_ID];
    // Cut as the span's reader cuts it (which flags it): every use of a step id agrees.
    return typeof own === 'string' ? cutUtf8(own, sc.IDENTIFIER_LIMIT_BYTES) : null;
  };
  /** A span's name as the bundle holds it: cut at the inline limit, and flagged when it was. */
  const nameOf = (span: SpanRecord): string => {
    const cut = cutUtf8(span.name, sc.INLINE_LIMIT_BYTES);
    if (cut !== span.name) {
      diags.record({
        code: 'identifier_truncated',
        spanId: span.spanId,
        subject: SPAN_NAME_SUBJECT,
        event: null,
        limit: sc.INLINE_LIMIT_BYTES,
      });
    }
    return cut;
  };
  const ancestry = new Ancestry(byId, diags, stepIdOf);
  const root =
    segments === null ? chooseRoot(ordered, diags) : (byId.get(segments[0]!.runSpanId) ?? null);

  const steps: BundleStep[] = [];
  const timeline: Sortable[] = [];
  const compareCanonical = canonicalComparator();
  const modelIo: Array<{
    us: bigint;
    spanEnd: bigint;
    spanId: string;
    order: number;
    receipt: ModelIoReceipt;
  }> = [];
  const artifacts: BundleArtifact[] = [];
  let snapshot: WorkflowSnapshot | null = null;
  let unknownDropped = 0;
  const callSpans = new Map<string, ModelCallSpan>();
  const toolSpans = new Set<string>();
  const eventsOfUnheldSpans = new Map<string, Array<{ spanEnd: bigint }>>();
  const callMeta: Array<{
    us: bigint;
    spanEnd: bigint;
    spanId: string;
    time: string | null;
    stepId: string | null;
    durationMs: number | null;
  }> = [];

  // Every object below is written with its members in RFC 8785 order (UTF-16 code units of the
  // keys), so that canonicalize finds them in order and copies nothing. A test walks fold output
  // to keep it so.
  for (const { span, us: startUs } of starts) {
    const spanId = span.spanId;
    const r = new Reader(span.attributes, diags, spanId, null);
    r.str(sc.ATTR_STEP_ID); // read for its diagnostic when mistyped
    const derivedStep = derivedSteps.get(spanId);
    const ownStep = stepIdOf(span);
    const enclosingStep = ancestry.stepOf(spanId);
    const endUs = endMicros(span.startTimeUnixNano, span.endTimeUnixNano);
    if (span.endTimeUnixNano < span.startTimeUnixNano) {
      diags.record({ code: 'end_before_start', spanId });
    }
    const status = statusOf(span);
    const startTime = times.format(startUs);

    if (ownStep !== null) {
      const parentStep =
        span.parentSpanId !== undefined ? ancestry.stepOf(span.parentSpanId) : null;
      const kind = derivedStep !== undefined ? derivedStep.kind : r.str(sc.ATTR_STEP_KIND);
      const endTime = times.format(endUs);
      const name = nameOf(span);
      steps.push({
        durationMs: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
        endTime,
        kind,
        name,
        parentSpanId: span.parentSpanId ?? null,
        parentStepId: parentStep,
        spanId,
        startTime,
        status,
        stepId: ownStep,
        vocabularies: derivedStep !== undefined ? derivedStep.vocabularies : ['workbench'],
      });
      timeline.push({
        us: startUs,
        spanEnd: endUs,
        spanId,
        order: 0,
        event: {
          kind,
          name,
          spanId,
          stepId: ownStep,
          time: startTime,
          type: 'step_started',
        },
      });
      timeline.push({
        us: endUs,
        spanEnd: endUs,
        spanId,
        order: Number.MAX_SAFE_INTEGER,
        event: {
          name,
          spanId,
          status,
          stepId: ownStep,
          time: endTime,
          type: 'step_ended',
        },
      });
    }

    let hasModelIoEvent = false;
    const eventItems: Array<{ spanEnd: bigint }> = [];
    const spanEvents = span.events;
    for (let index = 0; index < spanEvents.length; index++) {
      const event = spanEvents[index];
      if (event === undefined) continue; // a hole in a sparse array, as forEach would skip
      const us = nanosToMicros(event.timeUnixNano);
      const time = times.format(us);
      // The event's name as the bundle holds it (our own names are short: only others' are cut).
      const eventName = cutUtf8(event.name, sc.INLINE_LIMIT_BYTES);
      if (eventName !== event.name) {
        diags.record({
          code: 'identifier_truncated',
          spanId,
          subject: EVENT_NAME_SUBJECT,
          event: null,
          limit: sc.INLINE_LIMIT_BYTES,
        });
      }
      if (time === null) {
        diags.record({ code: 'time_out_of_range', spanId, subject: eventName });
      }
      const er = new Reader(event.attributes, diags, spanId, event.name);
      let kept: BundleEvent;
      switch (event.name) {
        case sc.EVENT_WORKFLOW_SNAPSHOT: {
          const snap = readSnapshot(er, diags, spanId);
          if (snapshot === null && (root === null || spanId === root.spanId)) {
            snapshot = snap;
          } else {
            diags.record({ code: 'extra_workflow_snapshot', spanId, subject: event.name });
          }
          kept = {
            revision: snap.revision,
            sha256: snap.sha256,
            spanId,
            stepId: enclosingStep,
            time,
            type: 'workflow_snapshot',
            workflowId: snap.id,
          };
          break;
        }
        case sc.EVENT_GATE_REQUESTED: {
          const key = er.str(sc.ATTR_GATE_SUBJECT_ARTIFACT_KEY);
          const version = er.int(sc.ATTR_GATE_SUBJECT_ARTIFACT_VERSION);
          const toolName = er.str(sc.ATTR_GATE_SUBJECT_TOOL_NAME);
          const callId = er.str(sc.ATTR_GATE_SUBJECT_TOOL_CALL_ID);
          const argumentsSha256 = readHash(
            er,
            sc.ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256,
            diags,
            spanId,
          );
          // The tool member is there only when the event names a tool call, so that bundles of
          // gates on artifacts alone keep the shape (and hash) they had.
          const tool =
            toolName === null && callId === null && argumentsSha256 === null
              ? null
              : { argumentsSha256, callId, name: toolName };
          kept = {
            gateId: er.required(er.str(sc.ATTR_GATE_ID), sc.ATTR_GATE_ID),
            policy: er.str(sc.ATTR_GATE_POLICY),
            spanId,
            stepId: enclosingStep,
            subject:
              key === null && version === null && tool === null
                ? null
                : tool === null
                  ? { artifactKey: key, artifactVersion: version }
                  : { artifactKey: key, artifactVersion: version, tool },
            time,
            type: 'human_gate_requested',
          };
          break;
        }
        case sc.EVENT_GATE_RESOLVED: {
          const decision = er.required(er.str(sc.ATTR_GATE_DECISION), sc.ATTR_GATE_DECISION);
          if (decision !== null && !GATE_DECISIONS.has(decision)) {
            diags.record({ code: 'unknown_gate_decision', spanId, decision });
          }
          kept = {
            actor: er.required(er.str(sc.ATTR_GATE_ACTOR), sc.ATTR_GATE_ACTOR),
            decision,
            gateId: er.required(er.str(sc.ATTR_GATE_ID), sc.ATTR_GATE_ID),
            reason: er.str(sc.ATTR_GATE_REASON),
            spanId,
            stepId: enclosingStep,
            time,
            type: 'human_gate_resolved',
          };
          break;
        }
        case sc.EVENT_MODEL_IO: {
          hasModelIoEvent = true;
          const call = readCall(er, readWith(er, EVENT_VOCABULARIES), 'event', status);
          const receipt = receiptOf(
            call,
            'event',
            [],
            time,
            enclosingStep,
            er.num(sc.ATTR_MODEL_IO_DURATION_MS),
          );
          er.required(receipt.provider, sc.ATTR_GEN_AI_PROVIDER_NAME);
          er.required(receipt.model, sc.ATTR_GEN_AI_REQUEST_MODEL);
          const item = { us, spanEnd: endUs, spanId, order: SAME_TIME_RANK.model_io, receipt };
          modelIo.push(item);
          eventItems.push(item);
          kept = modelIoEvent(receipt);
          break;
        }
        case sc.EVENT_ARTIFACT: {
          const artifact = readArtifact(er, time, enclosingStep, spanId);
          artifacts.push(artifact);
          kept = {
            key: artifact.key,
            sha256: artifact.sha256,
            spanId,
            stepId: enclosingStep,
            time,
            type: 'artifact',
            version: artifact.version,
          };
          break;
        }
        default: {
          if (event.name.startsWith(sc.EVENT_PREFIX)) {
            diags.record({ code: 'unknown_workbench_event', spanId, subject: eventName });
          }
          kept = {
            attributes: toBundleAttributes(event.attributes),
            name: eventName,
            spanId,
            stepId: enclosingStep,
            time,
            type: 'unknown',
          };
        }
      }
      const item = { us, spanEnd: endUs, spanId, order: SAME_TIME_RANK[kept.type], event: kept };
      timeline.push(item);
      eventItems.push(item);
    }

    const reading = hasModelIoEvent ? null : readModelCall(r);
    const tool = hasModelIoEvent || reading !== null ? null : readToolCall(r);
    if (
      eventItems.length > 0 &&
      ownStep === null &&
      spanId !== root?.spanId &&
      !segmentRunSpans.has(spanId) &&
      tool === null
    ) {
      // Held only if the span gets a receipt, which is known once the calls are merged.
      eventsOfUnheldSpans.set(spanId, eventItems);
    }
    if (tool !== null) {
      toolSpans.add(spanId);
      timeline.push({
        us: startUs,
        spanEnd: endUs,
        spanId,
        order: 1,
        event: {
          arguments: toolContent(
            r,
            tool.arguments,
            sc.ATTR_TOOL_CALL_ARGUMENTS_SHA256,
            diags,
            spanId,
          ),
          callId: tool.fields.callId,
          durationMs: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
          result: toolContent(r, tool.result, sc.ATTR_TOOL_CALL_RESULT_SHA256, diags, spanId),
          spanId,
          status,
          stepId: enclosingStep,
          time: startTime,
          toolName: tool.fields.toolName,
          toolType: tool.fields.toolType,
          type: 'tool_call',
          vocabularies: tool.vocabularies,
        },
      });
    }
    if (reading !== null) {
      callSpans.set(spanId, readCall(r, reading, 'span', status));
      callMeta.push({
        us: startUs,
        spanEnd: endUs,
        spanId,
        time: startTime,
        stepId: enclosingStep,
        durationMs: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
      });
    }
  }

  // One receipt per model call: the spans wrapping a call's innermost span are its sources.
  const merged = oneReceiptPerCall(
    callSpans,
    byId,
    (s) =>
      s.attributes[sc.ATTR_STEP_ID] !== undefined ||
      derivedSteps.has(s.spanId) ||
      toolSpans.has(s.spanId),
    (id) => ancestry.stepOf(id),
  );
  for (const m of callMeta) {
    const call = merged.get(m.spanId);
    if (call === undefined) continue;
    const receipt = receiptOf(call.call, 'span', call.sources, m.time, m.stepId, m.durationMs);
    modelIo.push({ us: m.us, spanEnd: m.spanEnd, spanId: m.spanId, order: 1, receipt });
    timeline.push({
      us: m.us,
      spanEnd: m.spanEnd,
      spanId: m.spanId,
      order: 1,
      event: modelIoEvent(receipt),
    });
  }

  for (const [spanId, items] of eventsOfUnheldSpans) {
    if (merged.has(spanId)) continue;
    for (const item of items) item.spanEnd = PLAIN_SPAN_END;
  }
  timeline.sort((a, b) => compareSortable(a, b) || compareCanonical(a.event, b.event));
  const events: BundleEvent[] = [];
  let unknownKept = 0;
  for (const t of timeline) {
    if (t.event.type === 'unknown') {
      if (unknownKept >= MAX_UNKNOWN_EVENTS) {
        unknownDropped++;
        continue;
      }
      unknownKept++;
    }
    events.push(t.event);
  }
  if (unknownDropped > 0) {
    diags.record({
      code: 'unknown_events_dropped',
      count: unknownDropped,
      limit: MAX_UNKNOWN_EVENTS,
    });
  }
  modelIo.sort((a, b) => compareSortable(a, b) || compareCanonical(a.receipt, b.receipt));
  steps.sort(
    (a, b) =>
      compareTimes(a.startTime, b.startTime) ||
      compareTimes(a.endTime, b.endTime) ||
      compareStr(a.spanId, b.spanId),
  );
  artifacts.sort(
    (a, b) =>
      compareStr(a.key, b.key) ||
      (a.version ?? Number.MAX_SAFE_INTEGER) - (b.version ?? Number.MAX_SAFE_INTEGER) ||
      compareTimes(a.time, b.time) ||
      compareStr(a.spanId, b.spanId) ||
      compareCanonical(a, b),
  );
  checkArtifactVersions(artifacts, diags);
  checkGates(events, diags);

  const rootReader = root ? new Reader(root.attributes, diags, root.spanId, null) : null;
  const serviceValue = root?.resource[sc.ATTR_SERVICE_NAME];
  const complete =
    !foldedEarly &&
    root !== null &&
    ancestry.whole &&
    (segments === null || segmentsComplete(segments));
  if (foldedEarly) {
    diags.record({ code: 'folded_early' });
  }
  // Read before the diagnostics are listed: reading the root's attributes may add some.
  // A run in segments lasts from its first segment's start to its last segment's end.
  const spanned = segments === null ? null : spanSegments(segments, byId, times, diags);
  const run: BundleRun = {
    complete,
    durationMs: spanned
      ? spanned.durationMs
      : root
        ? durationMs(root.startTimeUnixNano, root.endTimeUnixNano)
        : null,
    endTime: spanned
      ? spanned.endTime
      : root
        ? times.format(endMicros(root.startTimeUnixNano, root.endTimeUnixNano))
        : null,
    name: rootReader?.str(sc.ATTR_RUN_NAME) ?? (root ? nameOf(root) : ''),
    rootSpanId: root?.spanId ?? null,
    runId: rootReader?.str(sc.ATTR_RUN_ID) ?? null,
    // Only a run in segments has the member, so a one-trace run keeps its bytes and hash.
    ...(spanned ? { segments: spanned.segments } : {}),
    service: typeof serviceValue === 'string' ? serviceValue : null,
    spanCount: ordered.length,
    startTime: root ? times.format(nanosToMicros(root.startTimeUnixNano)) : null,
    status: spanned ? spanned.status : root ? statusOf(root) : { code: 'unset', message: null },
    traceId,
    workflowSnapshot: snapshot,
  };

  const receipts = modelIo.map((m) => m.receipt);
  if (disputes.length === 0) {
    return {
      artifacts,
      diagnostics: diags.sorted(),
      events,
      model_io: receipts,
      run,
      schemaVersion: BUNDLE_SCHEMA_VERSION,
      steps,
    };
  }
  // What was folded from a span that came in differing versions says so, where it stands.
  const disputed = new Set(disputes.map((d) => d.spanId));
  const disputedReceipts = new Set<string>();
  for (const m of receipts) {
    if (disputed.has(m.spanId) || m.sources.some((x) => disputed.has(x.spanId))) {
      disputedReceipts.add(m.spanId);
    }
  }
  return {
    artifacts: markDisputed(artifacts, (a) => disputed.has(a.spanId)),
    diagnostics: diags.sorted(),
    disputes,
    events: markDisputed(
      events,
      (e) => disputed.has(e.spanId) || (e.type === 'model_io' && disputedReceipts.has(e.spanId)),
    ),
    model_io: markDisputed(receipts, (m) => disputedReceipts.has(m.spanId)),
    run,
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    steps: markDisputed(steps, (s) => disputed.has(s.spanId)),
  };
}

/** The items with `disputed: true` added to those `isDisputed` picks, members kept in RFC 8785 order. */
function markDisputed<T extends object>(items: T[], isDisputed: (item: T) => boolean): T[] {
  return items.map((item) => {
    if (!isDisputed(item)) return item;
    const entries: Array<[string, unknown]> = [...Object.entries(item), ['disputed', true]];
    entries.sort(([a], [b]) => compareStr(a, b));
    return Object.fromEntries(entries) as T;
  });
}

// ---------------------------------------------------------------------------------------------

class Diagnostics {
  private readonly seen = new Map<string, BundleDiagnostic>();

  /** Records a diagnostic; its message is rendered from its fields, which determine it. */
  record(diagnostic: FoldDiagnostic): void {
    const d = toBundleDiagnostic(diagnostic);
    const key = `${d.code}\u0000${d.spanId ?? ''}\u0000${d.subject ?? ''}\u0000${d.message}`;
    if (!this.seen.has(key)) this.seen.set(key, d);
  }

  sorted(): BundleDiagnostic[] {
    return [...this.seen.entries()].sort(([a], [b]) => compareStr(a, b)).map(([, d]) => d);
  }
}

/** Typed reads of attributes; a value of the wrong type is flagged and read as null. */
class Reader implements FieldReader {
  constructor(
    private readonly attrs: Attributes,
    readonly diags: Diagnostics,
    readonly spanId: string,
    private readonly eventName: string | null,
  ) {}

  private wrongType(key: string, expected: ExpectedType, value: AttributeValue): null {
    const got =
      value instanceof Uint8Array
        ? 'bytes'
        : Array.isArray(value)
          ? 'array'
          : (typeof value as ValueKind);
    this.diags.record({ code: 'wrong_type', ...this.at(key), expected, got });
    return null;
  }

  /** Where an attribute diagnostic points: this span, and the event being read, if any. */
  private at(key: string): { spanId: string; subject: string; event: string | null } {
    // An empty event name is written as none, as the message always did.
    return { spanId: this.spanId, subject: key, event: this.eventName || null };
  }

  has(key: string): boolean {
    return this.attrs[key] !== undefined;
  }

  keys(): Iterable<string> {
    return Object.keys(this.attrs);
  }

  raw(key: string): AttributeValue | undefined {
    return this.attrs[key];
  }

  str(key: string): string | null {
    const v = this.attrs[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') return this.wrongType(key, 'string', v);
    const limit = identifierLimit(key);
    if (limit === undefined) return v;
    const cut = cutUtf8(v, limit);
    if (cut !== v) this.diags.record({ code: 'identifier_truncated', ...this.at(key), limit });
    return cut;
  }

  /** Reads a string that is held inline only when within the inline limit. */
  boundedStr(key: string): string | null {
    const v = this.str(key);
    if (v !== null && utf8Length(v) > sc.INLINE_LIMIT_BYTES) {
      this.diags.record({
        code: 'over_inline_limit',
        ...this.at(key),
        limit: sc.INLINE_LIMIT_BYTES,
      });
      return null;
    }
    return v;
  }

  int(key: string): number | null {
    const v = this.attrs[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
      if (
        typeof v === 'bigint' &&
        v >= BigInt(Number.MIN_SAFE_INTEGER) &&
        v <= BigInt(Number.MAX_SAFE_INTEGER)
      )
        return Number(v);
      this.diags.record({ code: 'out_of_range', ...this.at(key) });
      return null;
    }
    return this.wrongType(key, 'integer', v);
  }

  num(key: string): number | null {
    const v = this.attrs[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return v;
      this.diags.record({ code: 'non_finite', ...this.at(key), got: String(v) as NonFiniteValue });
      return null;
    }
    if (typeof v === 'bigint') return this.int(key);
    return this.wrongType(key, 'number', v);
  }

  required<T>(value: T | null, key: string): T | null {
    if (value === null && !this.has(key)) {
      this.diags.record({ code: 'missing_field', ...this.at(key) });
    }
    return value;
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function readHash(r: Reader, key: string, diags: Diagnostics, spanId: string): string | null {
  const v = r.str(key);
  if (v === null) return null;
  const lower = v.toLowerCase();
  if (!SHA256_HEX.test(lower)) {
    diags.record({ code: 'bad_hash', spanId, subject: key });
    return null;
  }
  return lower;
}

function readSnapshot(r: Reader, diags: Diagnostics, spanId: string): WorkflowSnapshot {
  const id = r.required(r.str(sc.ATTR_WORKFLOW_ID), sc.ATTR_WORKFLOW_ID);
  const revision = r.required(r.str(sc.ATTR_WORKFLOW_REVISION), sc.ATTR_WORKFLOW_REVISION);
  const declared = readHash(r, sc.ATTR_WORKFLOW_DEFINITION_SHA256, diags, spanId);
  let text: string | null = null;
  const parts = r.int(sc.ATTR_WORKFLOW_DEFINITION_PARTS);
  if (parts !== null) {
    if (parts < 1 || parts > 4096) {
      diags.record({ code: 'bad_definition_parts', spanId, parts });
    } else {
      const chunks: string[] = [];
      for (let i = 0; i < parts; i++) {
        const key = `${sc.ATTR_WORKFLOW_DEFINITION_PART_PREFIX}${i}`;
        const chunk = r.boundedStr(key);
        if (chunk === null) {
          r.required(null, key);
          break;
        }
        chunks.push(chunk);
      }
      if (chunks.length === parts) text = chunks.join('');
    }
  } else {
    text = r.required(r.boundedStr(sc.ATTR_WORKFLOW_DEFINITION), sc.ATTR_WORKFLOW_DEFINITION);
  }
  let definition: JsonValue | null = null;
  let sha256: string | null = null;
  if (text !== null) {
    try {
      const canonical = canonicalize(JSON.parse(text));
      sha256 = sha256Hex(canonical);
      // Parsed again from its canonical form: the same value, with its members in order.
      definition = JSON.parse(canonical) as JsonValue;
    } catch (err) {
      definition = null;
      sha256 = null;
      diags.record({ code: 'bad_definition', spanId, reason: (err as Error).message });
    }
  }
  if (declared !== null && sha256 !== null && declared !== sha256) {
    diags.record({ code: 'definition_hash_mismatch', spanId });
  }
  return { definition, id, revision, sha256: sha256 ?? declared };
}

function readContent(
  r: Reader,
  contentKey: string,
  hashKey: string,
  diags: Diagnostics,
  spanId: string,
): ContentRef {
  const declared = readHash(r, hashKey, diags, spanId);
  return commitContent(r, contentKey, hashKey, declared, false, spanId);
}

/**
 * Inline content beside its commitment: schema version 3 seals the commitment, not the content,
 * so content is held only with a sha256 it matches. Held when within the inline limit and equal
 * to the declared sha256; with none declared, under its own sha256 unless the hash is `required`
 * or was given malformed (then not held, as a mismatch: nothing valid vouches for it, and a
 * replay of the bundle without the content could not give both the malformed value and the
 * commitment back).
 */
function commitContent(
  r: Reader,
  contentKey: string,
  hashKey: string,
  declared: string | null,
  required: boolean,
  spanId: string,
): ContentRef {
  const raw = r.str(contentKey);
  if (raw === null) return { content: null, omitted: null, sha256: declared };
  if (utf8Length(raw) > sc.INLINE_LIMIT_BYTES) {
    return { content: null, omitted: 'over_inline_limit', sha256: declared };
  }
  const actual = sha256Hex(raw);
  if (declared === null && !required && !r.has(hashKey)) {
    return { content: raw, omitted: null, sha256: actual };
  }
  if (declared !== actual) {
    r.diags.record({
      code: 'content_hash_mismatch',
      spanId,
      subject: contentKey,
      hashKey,
      declared: declared !== null,
    });
    return { content: null, omitted: 'hash_mismatch', sha256: declared };
  }
  return { content: raw, omitted: null, sha256: declared };
}

/** The GenAI names a `workbench.model_io` event carries its fields under. */
const EVENT_VOCABULARIES = [GEN_AI];

/** What an event or span says of one model call: fields, cost and content commitments. */
function readCall(
  r: Reader,
  reading: ModelCallReading,
  source: 'event' | 'span',
  status: BundleStatus,
): ModelCallSpan {
  const diags = r.diags;
  const spanId = r.spanId;
  const f = reading.fields;
  // On an event the workbench names come first; on a span (where only a replay writes them) the
  // vocabularies do, so that a receipt read back from replayed spans lists the same vocabularies.
  const ownAmount = r.num(sc.ATTR_MODEL_IO_COST_AMOUNT);
  const ownCost =
    ownAmount === null
      ? null
      : { amount: ownAmount, currency: r.str(sc.ATTR_MODEL_IO_COST_CURRENCY) };
  const readCost =
    f.costAmount === null ? null : { amount: f.costAmount, currency: f.costCurrency };
  return {
    cost: source === 'event' ? (ownCost ?? readCost) : (readCost ?? ownCost),
    fields: f,
    input: spanContent(
      r,
      reading.input,
      sc.ATTR_MODEL_IO_INPUT,
      sc.ATTR_MODEL_IO_INPUT_SHA256,
      diags,
      spanId,
    ),
    output: spanContent(
      r,
      reading.output,
      sc.ATTR_MODEL_IO_OUTPUT,
      sc.ATTR_MODEL_IO_OUTPUT_SHA256,
      diags,
      spanId,
    ),
    providerRaw: reading.providerRaw,
    spanId,
    status,
    vocabularies: source === 'event' ? ['workbench'] : reading.vocabularies,
  };
}

/** The receipt of a call, its members in RFC 8785 order. */
function receiptOf(
  call: ModelCallSpan,
  source: 'event' | 'span',
  sources: ReceiptSource[],
  time: string | null,
  stepId: string | null,
  duration: number | null,
): ModelIoReceipt {
  const f = call.fields;
  return {
    cost: call.cost,
    durationMs: duration,
    input: call.input,
    model: f.model ?? f.responseModel,
    operation: f.operation,
    output: call.output,
    provider: f.provider,
    providerRaw: call.providerRaw,
    responseModel: f.responseModel,
    source,
    sources,
    spanId: call.spanId,
    status: source === 'event' ? null : call.status,
    stepId,
    time,
    usage: {
      cacheReadInputTokens: f.cacheReadInputTokens,
      cacheWriteInputTokens: f.cacheWriteInputTokens,
      inputTokens: f.inputTokens,
      ...modalityUsages(f),
      outputTokens: f.outputTokens,
      reasoningOutputTokens: f.reasoningOutputTokens,
    },
    vocabularies: call.vocabularies,
  };
}

/**
 * Content of a receipt: the workbench names when present (the event's own, or a replay's), else
 * the commitment to what the span's vocabulary carried, never the content itself.
 */
function spanContent(
  r: Reader,
  commitment: ContentCommitment | null,
  contentKey: string,
  hashKey: string,
  diags: Diagnostics,
  spanId: string,
): ContentRef {
  if (commitment === null || r.has(contentKey) || r.has(hashKey)) {
    return readContent(r, contentKey, hashKey, diags, spanId);
  }
  return { content: null, omitted: commitment.omitted, sha256: commitment.sha256 };
}

/**
 * A tool call's arguments or result: the commitment a replay wrote back when there is one, else
 * the commitment to what the span carried; the content itself is never held.
 */
function toolContent(
  r: Reader,
  commitment: ContentCommitment | null,
  hashKey: string,
  diags: Diagnostics,
  spanId: string,
): ContentRef {
  const declared = readHash(r, hashKey, diags, spanId);
  if (declared !== null) return { content: null, omitted: null, sha256: declared };
  return {
    content: null,
    omitted: commitment?.omitted ?? null,
    sha256: commitment?.sha256 ?? null,
  };
}

function modelIoEvent(m: ModelIoReceipt): BundleEvent {
  return {
    durationMs: m.durationMs,
    inputTokens: m.usage.inputTokens,
    model: m.model,
    outputTokens: m.usage.outputTokens,
    provider: m.provider,
    spanId: m.spanId,
    stepId: m.stepId,
    time: m.time,
    type: 'model_io',
  };
}

function readArtifact(
  r: Reader,
  time: string | null,
  stepId: string | null,
  spanId: string,
): BundleArtifact {
  const diags = r.diags;
  const sha256 = r.required(
    readHash(r, sc.ATTR_ARTIFACT_SHA256, diags, spanId),
    sc.ATTR_ARTIFACT_SHA256,
  );
  const version = r.required(r.int(sc.ATTR_ARTIFACT_VERSION), sc.ATTR_ARTIFACT_VERSION);
  if (version !== null && version < 1) {
    diags.record({ code: 'bad_artifact_version', spanId, version });
  }
  // The content's sha256 is required: content without a valid one is not held. The patch's is
  // optional: a patch without one is held under its own.
  const content = commitContent(
    r,
    sc.ATTR_ARTIFACT_CONTENT,
    sc.ATTR_ARTIFACT_SHA256,
    sha256,
    true,
    spanId,
  );
  const patch = commitContent(
    r,
    sc.ATTR_ARTIFACT_PATCH,
    sc.ATTR_ARTIFACT_PATCH_SHA256,
    readHash(r, sc.ATTR_ARTIFACT_PATCH_SHA256, diags, spanId),
    false,
    spanId,
  );
  return {
    content: content.content,
    key: r.required(r.str(sc.ATTR_ARTIFACT_KEY), sc.ATTR_ARTIFACT_KEY) ?? '',
    mediaType: r.required(r.str(sc.ATTR_ARTIFACT_MEDIA_TYPE), sc.ATTR_ARTIFACT_MEDIA_TYPE),
    omitted: { content: content.omitted, patch: patch.omitted },
    parentVersion: r.int(sc.ATTR_ARTIFACT_PARENT_VERSION),
    patch: patch.content,
    patchSha256: patch.sha256,
    sha256,
    size: r.required(r.int(sc.ATTR_ARTIFACT_SIZE), sc.ATTR_ARTIFACT_SIZE),
    spanId,
    stepId,
    time,
    version,
  };
}

function checkArtifactVersions(artifacts: readonly BundleArtifact[], diags: Diagnostics): void {
  const versions = new Map<string, Set<number>>();
  for (const a of artifacts) {
    if (a.version === null) continue;
    let set = versions.get(a.key);
    if (!set) versions.set(a.key, (set = new Set()));
    if (set.has(a.version)) {
      diags.record({
        code: 'duplicate_artifact_version',
        spanId: a.spanId,
        key: a.key,
        version: a.version,
      });
    }
    set.add(a.version);
  }
  for (const a of artifacts) {
    if (a.parentVersion !== null && !versions.get(a.key)?.has(a.parentVersion)) {
      diags.record({
        code: 'missing_parent_version',
        spanId: a.spanId,
        key: a.key,
        version: a.version,
        parentVersion: a.parentVersion,
      });
    }
  }
}

/**
 * Flags resolutions that answer no request: a gate resolved though never requested, and a gate
 * resolved again with no request in between (both decisions stay in the timeline, in order).
 */
function checkGates(events: readonly BundleEvent[], diags: Diagnostics): void {
  // Gates are told apart as summarizeBundle tells them: a gate with no id is '(unnamed)'.
  const open = new Set<string>();
  const resolved = new Set<string>();
  for (const e of events) {
    if (e.type === 'human_gate_requested') open.add(e.gateId ?? '(unnamed)');
    if (e.type !== 'human_gate_resolved') continue;
    const id = e.gateId ?? '(unnamed)';
    if (open.delete(id)) {
      // answers the open request
    } else if (resolved.has(id)) {
      diags.record({ code: 'gate_resolved_again', spanId: e.spanId, gateId: e.gateId });
    } else {
      diags.record({
        code: 'gate_resolved_without_request',
        spanId: e.spanId,
        gateId: e.gateId,
      });
    }
    resolved.add(id);
  }
}

function statusOf(span: SpanRecord): BundleStatus {
  const message = span.status.message;
  return {
    code: span.status.code,
    message: message === undefined || message === '' ? null : message,
  };
}

// ---------------------------------------------------------------------------------------------
// Span set: duplicates, trace choice, root, ancestry.

/** The spans with one version per span id, and the disputes of ids that came in differing versions. */
function dedupe(
  spans: Iterable<SpanRecord>,
  diags: Diagnostics,
): { spans: SpanRecord[]; disputes: Array<{ traceId: string; dispute: SpanDispute }> } {
  const byKey = new Map<string, SpanRecord>();
  /** Every distinct version of an id that came in more than one, by fingerprint. */
  const versions = new Map<string, Map<string, SpanRecord>>();
  for (const given of spans) {
    const s = wellFormedSpan(given);
    if (!isValidTraceId(s.traceId) || !isValidSpanId(s.spanId)) {
      diags.record({ code: 'invalid_id', givenTraceId: s.traceId, givenSpanId: s.spanId });
      continue;
    }
    const key = `${s.traceId}/${s.spanId}`;
    const prev = byKey.get(key);
    if (prev === undefined) {
      byKey.set(key, s);
      continue;
    }
    if (prev === s) continue;
    let seen = versions.get(key);
    if (seen === undefined) {
      seen = new Map([[fingerprint(prev), prev]]);
      versions.set(key, seen);
    }
    const fp = fingerprint(s);
    if (!seen.has(fp)) seen.set(fp, s);
  }
  const disputes: Array<{ traceId: string; dispute: SpanDispute }> = [];
  for (const [key, seen] of versions) {
    if (seen.size < 2) continue; // an honest duplicate: the same span delivered again
    const { kept, dispute } = resolveVersions([...seen.values()], [...seen.keys()]);
    byKey.set(key, kept);
    if (dispute !== null) disputes.push({ traceId: kept.traceId, dispute });
  }
  return { spans: [...byKey.values()], disputes };
}

/**
 * The traces to fold: one trace (the lowest id with a run span, as before segments), or, when a
 * trace is a segment of a run, every trace that is a segment of that run (the run of the
 * lowest-numbered segment, then lowest trace id). `traceId` is the run's: segment 1's (see
 * {@link runTraceId}). Spans of other traces are left out and flagged `mixed_traces`.
 */
function chooseTraces(
  spans: readonly SpanRecord[],
  diags: Diagnostics,
): { traceId: string; traces: Set<string>; segments: RunSegment[] | null } {
  const byTrace = new Map<string, SpanRecord[]>();
  let runTrace: string | null = null;
  let segmented = false;
  for (const s of spans) {
    let list = byTrace.get(s.traceId);
    if (list === undefined) byTrace.set(s.traceId, (list = []));
    list.push(s);
    const runId = s.attributes[sc.ATTR_RUN_ID];
    if (runId === undefined) continue;
    if (runTrace === null || s.traceId < runTrace) runTrace = s.traceId;
    if (typeof runId === 'string' && segmentNumberOf(s.attributes[sc.ATTR_RUN_SEGMENT]) !== null) {
      segmented = true;
    }
  }
  if (byTrace.size === 0) return { traceId: '0'.repeat(32), traces: new Set(), segments: null };
  let segments: RunSegment[] | null = null;
  if (segmented) {
    const all: RunSegment[] = [];
    for (const list of byTrace.values()) {
      const seg = runSegmentOf(list);
      if (seg !== null) all.push(seg);
    }
    all.sort(compareSegments);
    const runId = all[0]!.runId;
    segments = all.filter((g) => g.runId === runId);
  }
  const traceId =
    segments !== null ? runTraceId(segments) : (runTrace ?? [...byTrace.keys()].sort()[0]!);
  const traces = new Set(segments !== null ? segments.map((g) => g.traceId) : [traceId]);
  if (byTrace.size > traces.size) {
    diags.record({
      code: 'mixed_traces',
      traces: byTrace.size,
      folded: traces.size,
      runId: segments !== null ? segments[0]!.runId : null,
      traceId,
    });
  }
  return { traceId, traces, segments };
}

function compareSegments(a: RunSegment, b: RunSegment): number {
  return a.segment - b.segment || compareStr(a.traceId, b.traceId);
}

/**
 * The trace id of a run in segments, which names its bundle: segment 1's (the lowest trace id
 * when two traces claim it); when segment 1 is missing, the trace a segment 2 links to as its
 * previous segment, else the lowest-numbered segment's.
 */
function runTraceId(segments: readonly RunSegment[]): string {
  const first = segments[0]!;
  if (first.segment === 1) return first.traceId;
  for (const g of segments) if (g.segment === 2 && g.previous !== null) return g.previous.traceId;
  return first.traceId;
}

/** The spans of one trace, by span id. */
function oneTrace(spans: readonly SpanRecord[], traceId: string): Map<string, SpanRecord> {
  const byId = new Map<string, SpanRecord>();
  for (const s of spans) if (s.traceId === traceId) byId.set(s.spanId, s);
  return byId;
}

/**
 * The spans of a run's segments, by span id. Span ids are unique within a trace only: where two
 * segments share one (odds of 2^-64 per pair, or a forged trace), the span of the earlier segment
 * is kept and the other flagged, so the fold stays order-independent.
 */
function segmentSpans(
  spans: readonly SpanRecord[],
  segments: readonly RunSegment[],
  diags: Diagnostics,
): Map<string, SpanRecord> {
  const rank = new Map(segments.map((g, i) => [g.traceId, i] as const));
  const mine = spans.filter((s) => rank.has(s.traceId));
  mine.sort(
    (a, b) => rank.get(a.traceId)! - rank.get(b.traceId)! || compareStr(a.spanId, b.spanId),
  );
  const byId = new Map<string, SpanRecord>();
  for (const s of mine) {
    if (byId.has(s.spanId)) {
      diags.record({ code: 'span_id_collision', spanId: s.spanId, traceId: s.traceId });
      continue;
    }
    byId.set(s.spanId, s);
  }
  return byId;
}

/**
 * A segmented run's end, duration, status and `segments`, with its missing, duplicated and
 * unended segments flagged: the run starts when its first segment starts, ends when its last segment
 * ends, and has the status of its last segment (the `ended` one, whose status is the run's).
 */
function spanSegments(
  segments: readonly RunSegment[],
  byId: ReadonlyMap<string, SpanRecord>,
  times: MicrosFormatter,
  diags: Diagnostics,
): {
  segments: BundleSegment[];
  endTime: string | null;
  durationMs: number | null;
  status: BundleStatus;
} {
  const list: BundleSegment[] = [];
  const counts = new Map<number, number>();
  for (const g of segments) {
    counts.set(g.segment, (counts.get(g.segment) ?? 0) + 1);
    const span = byId.get(g.runSpanId);
    list.push({
      endTime: span ? times.format(endMicros(span.startTimeUnixNano, span.endTimeUnixNano)) : null,
      runSpanId: g.runSpanId,
      segment: g.segment,
      startTime: span ? times.format(nanosToMicros(span.startTimeUnixNano)) : null,
      state: g.state,
      traceId: g.traceId,
    });
  }
  for (const n of missingSegments(segments)) {
    diags.record({ code: 'segment_missing', segment: n, present: [...counts.keys()] });
  }
  for (const [n, count] of counts) {
    if (count < 2) continue;
    diags.record({ code: 'segment_duplicate', segment: n, traces: count });
  }
  const first = byId.get(segments[0]!.runSpanId);
  const lastSegment = segments[segments.length - 1]!;
  const last = byId.get(lastSegment.runSpanId);
  if (lastSegment.state !== 'ended') {
    diags.record({
      code: 'run_not_ended',
      spanId: lastSegment.runSpanId,
      segment: lastSegment.segment,
      suspended: lastSegment.state === 'suspended',
    });
  }
  return {
    segments: list,
    endTime: last ? times.format(endMicros(last.startTimeUnixNano, last.endTimeUnixNano)) : null,
    durationMs: first && last ? durationMs(first.startTimeUnixNano, last.endTimeUnixNano) : null,
    status: last ? statusOf(last) : { code: 'unset', message: null },
  };
}

function chooseRoot(ordered: readonly SpanRecord[], diags: Diagnostics): SpanRecord | null {
  const runSpans = ordered.filter((s) => s.attributes[sc.ATTR_RUN_ID] !== undefined);
  if (runSpans.length > 1) {
    diags.record({ code: 'multiple_run_spans', subject: sc.ATTR_RUN_ID, count: runSpans.length });
  }
  if (runSpans[0]) return runSpans[0];
  const roots = ordered.filter((s) => s.parentSpanId === undefined);
  if (roots.length > 1) diags.record({ code: 'multiple_roots', count: roots.length });
  if (roots[0]) return roots[0];
  diags.record({ code: 'missing_root' });
  return null;
}

/** Parent links with cycle and orphan detection; nearest enclosing step per span, memoized. */
class Ancestry {
  /** False when some span's parent is missing or parents form a cycle. */
  whole = true;
  private readonly steps = new Map<string, string | null>();

  constructor(
    private readonly byId: ReadonlyMap<string, SpanRecord>,
    diags: Diagnostics,
    /** The step id a span itself opens, if any. */
    private readonly ownStep: (span: SpanRecord) => string | null,
  ) {
    const ids = [...byId.keys()].sort();
    for (const id of ids) {
      const span = byId.get(id)!;
      if (span.parentSpanId === undefined) continue;
      if (span.parentSpanId === id) {
        diags.record({ code: 'self_parent', spanId: id });
        this.whole = false;
      } else if (!byId.has(span.parentSpanId)) {
        diags.record({ code: 'missing_parent', spanId: id, parentSpanId: span.parentSpanId });
        this.whole = false;
      }
    }
    // Cycle detection: walk up from each span, marking the spans of each walk with the walk's
    // number (on the path of this walk: a cycle), then as clean (-1) once the walk ends.
    const marks = new Map<string, number>();
    const path: string[] = [];
    for (let walk = 0; walk < ids.length; walk++) {
      let cur: string | undefined = ids[walk];
      path.length = 0;
      for (;;) {
        const mark = cur === undefined ? -1 : marks.get(cur);
        if (cur === undefined || mark === -1) break;
        if (mark === walk) {
          diags.record({ code: 'parent_cycle', spanId: cur });
          this.whole = false;
          break;
        }
        marks.set(cur, walk);
        path.push(cur);
        const parent: string | undefined = byId.get(cur)?.parentSpanId;
        cur = parent !== undefined && parent !== cur && byId.has(parent) ? parent : undefined;
      }
      for (const p of path) marks.set(p, -1);
    }
  }

  /** The step id of the span itself or its nearest ancestor; cycles end the walk. */
  stepOf(spanId: string): string | null {
    const memo = this.steps.get(spanId);
    if (memo !== undefined) return memo;
    const chain: string[] = [];
    let seen: Set<string> | undefined; // only for long chains: short ones are searched
    let cur: string | undefined = spanId;
    let found: string | null = null;
    while (cur !== undefined && !(seen ? seen.has(cur) : chain.includes(cur))) {
      const known = this.steps.get(cur);
      if (known !== undefined) {
        found = known;
        break;
      }
      chain.push(cur);
      if (seen) seen.add(cur);
      else if (chain.length > 16) seen = new Set(chain);
      const span = this.byId.get(cur);
      if (!span) break;
      const step = this.ownStep(span);
      if (step !== null) {
        found = step;
        break;
      }
      cur = span.parentSpanId;
    }
    for (const id of chain) {
      const span = this.byId.get(id);
      this.steps.set(id, (span !== undefined ? this.ownStep(span) : null) ?? found);
    }
    return this.steps.get(spanId) ?? found;
  }
}

// ---------------------------------------------------------------------------------------------
// Ordering: by microsecond time, then span id, then position within the span. Never by arrival.

function compareStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Spans by start time (in microseconds, as bundles keep it), then end time, then span id; never by
 * arrival. The end breaks ties between spans started in the same microsecond (the JS SDK stamps
 * span starts in whole milliseconds) in the order people expect: the one that finished first.
 */
function orderByStart(
  spans: Iterable<SpanRecord>,
): Array<{ span: SpanRecord; us: bigint; end: bigint }> {
  const starts: Array<{ span: SpanRecord; us: bigint; end: bigint }> = [];
  for (const span of spans) {
    starts.push({
      span,
      us: nanosToMicros(span.startTimeUnixNano),
      end: endMicros(span.startTimeUnixNano, span.endTimeUnixNano),
    });
  }
  return starts.sort(
    (a, b) =>
      compareBig(a.us, b.us) ||
      compareBig(a.end, b.end) ||
      compareStr(a.span.spanId, b.span.spanId),
  );
}

function compareSortable(
  a: { us: bigint; spanEnd: bigint; spanId: string; order: number },
  b: { us: bigint; spanEnd: bigint; spanId: string; order: number },
): number {
  return (
    compareBig(a.us, b.us) ||
    compareBig(a.spanEnd, b.spanEnd) ||
    compareStr(a.spanId, b.spanId) ||
    a.order - b.order
  );
}

/**
 * Orders bundle entries by their canonical text: the last word on entries that tie on all else.
 * Ties are rare, so each entry's text is made only when it is first compared, then kept.
 */
function canonicalComparator(): (a: object, b: object) => number {
  const texts = new Map<object, string>();
  const textOf = (value: object): string => {
    let text = texts.get(value);
    if (text === undefined) {
      text = canonicalize(value);
      texts.set(value, text);
    }
    return text;
  };
  return (a, b) => compareStr(textOf(a), textOf(b));
}

function compareTimes(a: string | null, b: string | null): number {
  return compareStr(a ?? '\uffff', b ?? '\uffff');
}
