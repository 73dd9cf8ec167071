import * as sc from '@llm-workbench/semconv';
import { EVENT_NAME_SUBJECT, identifierLimit, SPAN_NAME_SUBJECT } from './identifier-limits.js';
import type { BundleDiagnostic } from './types.js';

/** The type an attribute should have had, for a `wrong_type` diagnostic. */
export type ExpectedType = 'string' | 'integer' | 'number';

/** What a mistyped attribute value was: `typeof`, but for `bytes` and `array`. */
export type ValueKind = 'string' | 'number' | 'boolean' | 'bigint' | 'bytes' | 'array' | 'object';

/** A number that is not finite, as `String(value)` writes it. */
export type NonFiniteValue = 'NaN' | 'Infinity' | '-Infinity';

/** An attribute of a span, or of one of its events (`event`, the event's name as it arrived). */
interface AttributeAt {
  spanId: string;
  /** The attribute key. */
  subject: string;
  event: string | null;
}

/**
 * Codes the bundle holds with the message alone: their fields are rendered into it, and no reader
 * needs more than code, span and subject.
 */
export const TEXT_DIAGNOSTIC_CODES = [
  'bad_artifact_version',
  'bad_definition',
  'bad_definition_parts',
  'conflicting_duplicate_span',
  'content_hash_mismatch',
  'definition_hash_mismatch',
  'duplicate_artifact_version',
  'end_before_start',
  'extra_workflow_snapshot',
  'folded_early',
  'gate_resolved_again',
  'gate_resolved_without_request',
  'invalid_id',
  'log_event_without_span',
  'missing_parent_version',
  'missing_root',
  'mixed_traces',
  'parent_cycle',
  'run_not_ended',
  'segment_duplicate',
  'segment_missing',
  'self_parent',
  'span_id_collision',
  'time_out_of_range',
  'unknown_events_dropped',
  'unknown_gate_decision',
  'unknown_workbench_event',
] as const;

/** A code the bundle holds with the message alone. */
export type TextDiagnosticCode = (typeof TEXT_DIAGNOSTIC_CODES)[number];

/** Codes the fold records with structured fields, which the bundle keeps beside the message. */
export const STRUCTURED_DIAGNOSTIC_CODES = [
  'wrong_type',
  'out_of_range',
  'non_finite',
  'missing_field',
  'over_inline_limit',
  'identifier_truncated',
  'bad_hash',
  'missing_parent',
  'multiple_run_spans',
  'multiple_roots',
  'spans_dropped',
] as const satisfies ReadonlyArray<Exclude<FoldDiagnostic['code'], TextDiagnosticCode>>;

/**
 * A diagnostic as the fold records it: a code and the fields its message is rendered from (see
 * {@link renderDiagnostic}). The fields a reader of the bundle needs are kept in the bundle beside
 * the message (see {@link toBundleDiagnostic}), so that no reader has to parse the prose.
 *
 * @example
 * const d: FoldDiagnostic = {
 *   code: 'wrong_type', spanId: 'a1b2c3d4e5f60718', subject: 'gen_ai.usage.input_tokens',
 *   event: null, expected: 'integer', got: 'string',
 * };
 */
export type FoldDiagnostic =
  | (AttributeAt & { code: 'wrong_type'; expected: ExpectedType; got: ValueKind })
  | (AttributeAt & { code: 'out_of_range' })
  | (AttributeAt & { code: 'non_finite'; got: NonFiniteValue })
  | (AttributeAt & { code: 'missing_field' })
  | (AttributeAt & { code: 'over_inline_limit'; limit: number })
  /** `subject` is an attribute key, or `span.name` or `event.name` for a cut name (`event` null). */
  | (AttributeAt & { code: 'identifier_truncated'; limit: number })
  | { code: 'bad_hash'; spanId: string; subject: string }
  | { code: 'missing_parent'; spanId: string; parentSpanId: string }
  | { code: 'multiple_run_spans'; subject: string; count: number }
  | { code: 'multiple_roots'; count: number }
  /** `count` spans of the trace dropped by the door that kept at most `limit` of them. */
  | { code: 'spans_dropped'; count: number; limit: number }
  // Held with the message alone (TEXT_DIAGNOSTIC_CODES).
  | { code: 'end_before_start' | 'self_parent' | 'parent_cycle'; spanId: string }
  | { code: 'missing_root' | 'folded_early' }
  /** `subject`: the event's name, cut at the inline limit. */
  | {
      code: 'time_out_of_range' | 'extra_workflow_snapshot' | 'unknown_workbench_event';
      spanId: string;
      subject: string;
    }
  /** `subject`: the first log-record event's name, cut; `namedSpanId`, `namedTraceId`: as given. */
  | { code: 'log_event_without_span'; subject: string; namedSpanId: string; namedTraceId: string }
  | { code: 'conflicting_duplicate_span'; spanId: string; versions: number; facts: number }
  | { code: 'unknown_gate_decision'; spanId: string; decision: string }
  | { code: 'unknown_events_dropped'; count: number; limit: number }
  | { code: 'bad_definition_parts'; spanId: string; parts: number }
  | { code: 'bad_definition'; spanId: string; reason: string }
  | { code: 'definition_hash_mismatch'; spanId: string }
  /** `subject`: the content attribute; `hashKey`: its commitment, `declared` whether one was valid. */
  | {
      code: 'content_hash_mismatch';
      spanId: string;
      subject: string;
      hashKey: string;
      declared: boolean;
    }
  | { code: 'bad_artifact_version'; spanId: string; version: number }
  | { code: 'duplicate_artifact_version'; spanId: string; key: string; version: number }
  | {
      code: 'missing_parent_version';
      spanId: string;
      key: string;
      version: number | null;
      parentVersion: number;
    }
  /** `gateId`: null for a gate with no id. */
  | {
      code: 'gate_resolved_again' | 'gate_resolved_without_request';
      spanId: string;
      gateId: string | null;
    }
  /** The ids as given, not valid ones. */
  | { code: 'invalid_id'; givenTraceId: string; givenSpanId: string }
  /** `runId`: the run whose segments were folded, or null when one trace (`traceId`) was. */
  | { code: 'mixed_traces'; traces: number; folded: number; runId: string | null; traceId: string }
  | { code: 'span_id_collision'; spanId: string; traceId: string }
  | { code: 'segment_missing'; segment: number; present: number[] }
  | { code: 'segment_duplicate'; segment: number; traces: number }
  | { code: 'run_not_ended'; spanId: string; segment: number; suspended: boolean };

/** Every code the fold records. */
export type FoldDiagnosticCode = FoldDiagnostic['code'];

/** A diagnostic the bundle holds with structured members beside the message. */
export type StructuredDiagnostic = Extract<
  FoldDiagnostic,
  { code: (typeof STRUCTURED_DIAGNOSTIC_CODES)[number] }
>;

const ARTICLE: Record<ExpectedType, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
};

function where(d: AttributeAt): string {
  return d.event === null ? d.subject : `${d.subject} on event ${d.event}`;
}

/**
 * The message of a diagnostic, written from its fields: the one place the fold's prose is made.
 *
 * @example
 * renderDiagnostic({ code: 'multiple_roots', count: 2 }); // '2 root spans; the earliest is the run'
 */
export function renderDiagnostic(d: FoldDiagnostic): string {
  switch (d.code) {
    case 'wrong_type':
      return `${where(d)} should be ${ARTICLE[d.expected]}, got ${d.got}`;
    case 'out_of_range':
      return `${where(d)} is beyond ±2^53`;
    case 'non_finite':
      return `${where(d)} is ${d.got}`;
    case 'missing_field':
      return `${where(d)} is required`;
    case 'over_inline_limit':
      return `${where(d)} is longer than ${d.limit} bytes and is not held inline`;
    case 'identifier_truncated': {
      const what =
        d.subject === SPAN_NAME_SUBJECT && d.event === null
          ? 'the span name'
          : d.subject === EVENT_NAME_SUBJECT && d.event === null
            ? 'an event name'
            : where(d);
      return `${what} is longer than ${d.limit} bytes; its first ${d.limit} bytes are kept`;
    }
    case 'bad_hash':
      return `${d.subject} is not a sha256 hex digest`;
    case 'missing_parent':
      return `parent ${d.parentSpanId} is not in the trace`;
    case 'multiple_run_spans':
      return `${d.count} spans carry ${d.subject}; the earliest is the run`;
    case 'multiple_roots':
      return `${d.count} root spans; the earliest is the run`;
    case 'spans_dropped':
      return `${d.count} spans of the trace were dropped at the cap of ${d.limit} spans per trace`;
    case 'end_before_start':
      return 'span ends before it starts';
    case 'self_parent':
      return 'span is its own parent';
    case 'parent_cycle':
      return 'span parents form a cycle';
    case 'missing_root':
      return 'no root span: the run span never arrived';
    case 'folded_early':
      return 'the trace was folded before all its spans had arrived or ended';
    case 'time_out_of_range':
      return 'the event time lies outside years 0001-9999, which a bundle time cannot write; kept as null';
    case 'extra_workflow_snapshot':
      return 'a workflow snapshot outside the run span, or a second one, is kept as an event only';
    case 'unknown_workbench_event':
      return `unknown workbench event ${JSON.stringify(d.subject)} kept as unknown`;
    case 'log_event_without_span':
      return `log-record events name span ${JSON.stringify(d.namedSpanId)} of trace ${JSON.stringify(d.namedTraceId)}, which never arrived; kept out of the fold`;
    case 'conflicting_duplicate_span':
      return `the span arrived in ${d.versions} versions that differ in ${d.facts} facts; what was folded from it is marked disputed, and disputes keeps every version's values`;
    case 'unknown_gate_decision':
      return `gate decision ${JSON.stringify(d.decision)} is not one of ${sc.GATE_DECISIONS.join(', ')}`;
    case 'unknown_events_dropped':
      return `${d.count} unknown events beyond the first ${d.limit} were dropped`;
    case 'bad_definition_parts':
      return `${sc.ATTR_WORKFLOW_DEFINITION_PARTS} is ${d.parts}`;
    case 'bad_definition':
      return `the workflow definition is not canonicalizable JSON: ${d.reason}`;
    case 'definition_hash_mismatch':
      return `${sc.ATTR_WORKFLOW_DEFINITION_SHA256} does not match the definition`;
    case 'content_hash_mismatch':
      return d.declared
        ? `${d.subject} does not match ${d.hashKey}; content not held`
        : `${d.subject} has no valid ${d.hashKey} to match; content not held`;
    case 'bad_artifact_version':
      return `${sc.ATTR_ARTIFACT_VERSION} is ${d.version}; versions start at 1`;
    case 'duplicate_artifact_version':
      return `artifact ${JSON.stringify(d.key)} has version ${d.version} more than once`;
    case 'missing_parent_version':
      return `artifact ${JSON.stringify(d.key)} v${d.version ?? '?'} names parent v${d.parentVersion}, which is not in the run`;
    case 'gate_resolved_again':
      return `gate ${gateName(d.gateId)} was resolved again with no new request; every decision is kept, in order`;
    case 'gate_resolved_without_request':
      return `gate ${gateName(d.gateId)} was resolved but never requested in this run`;
    case 'invalid_id':
      return `span with trace id ${JSON.stringify(d.givenTraceId)} and span id ${JSON.stringify(d.givenSpanId)} ignored`;
    case 'mixed_traces':
      return d.runId !== null
        ? `spans of ${d.traces} traces were given; only the ${d.folded} segments of run ${JSON.stringify(d.runId)} were folded`
        : `spans of ${d.traces} traces were given; only trace ${d.traceId} was folded`;
    case 'span_id_collision':
      return `span id ${d.spanId} of trace ${d.traceId} is also a span of an earlier segment; only that one was folded`;
    case 'segment_missing':
      return `segment ${d.segment} of the run is missing: the bundle holds segments ${d.present.join(', ')}`;
    case 'segment_duplicate':
      return `${d.traces} traces claim segment ${d.segment} of the run (a resume token used twice?); all are folded`;
    case 'run_not_ended':
      return `the run's last segment present, ${d.segment}, is ${d.suspended ? 'suspended' : 'not marked ended'}: the run has not ended`;
  }
}

function gateName(gateId: string | null): string {
  return gateId === null ? 'with no id' : JSON.stringify(gateId);
}

/**
 * A diagnostic as the bundle holds it: code, rendered message, span and subject, and the
 * structured members a reader needs (`event`, `expected`, `got`, `parentSpanId`, `count`), each
 * present only for the codes that have it.
 *
 * @example
 * toBundleDiagnostic({ code: 'missing_parent', spanId: 'a1b2c3d4e5f60718', parentSpanId: '0102030405060708' });
 * // { code: 'missing_parent', message: 'parent 0102030405060708 is not in the trace',
 * //   parentSpanId: '0102030405060708', spanId: 'a1b2c3d4e5f60718', subject: null }
 */
export function toBundleDiagnostic(d: FoldDiagnostic): BundleDiagnostic {
  const message = renderDiagnostic(d);
  // Members in canonical (sorted) order, as the fold writes every object.
  switch (d.code) {
    case 'wrong_type':
      return {
        code: d.code,
        ...onEvent(d),
        expected: d.expected,
        got: d.got,
        message,
        spanId: d.spanId,
        subject: d.subject,
      };
    case 'non_finite':
      return {
        code: d.code,
        ...onEvent(d),
        got: d.got,
        message,
        spanId: d.spanId,
        subject: d.subject,
      };
    case 'out_of_range':
    case 'missing_field':
    case 'over_inline_limit':
    case 'identifier_truncated':
      return { code: d.code, ...onEvent(d), message, spanId: d.spanId, subject: d.subject };
    case 'bad_hash':
      return { code: d.code, message, spanId: d.spanId, subject: d.subject };
    case 'missing_parent':
      return {
        code: d.code,
        message,
        parentSpanId: d.parentSpanId,
        spanId: d.spanId,
        subject: null,
      };
    case 'multiple_run_spans':
      return { code: d.code, count: d.count, message, spanId: null, subject: d.subject };
    case 'multiple_roots':
      return { code: d.code, count: d.count, message, spanId: null, subject: null };
    case 'spans_dropped':
      return {
        code: d.code,
        count: d.count,
        limit: d.limit,
        message,
        spanId: null,
        subject: null,
      };
    default: {
      const [spanId, subject] = heldAt(d);
      return { code: d.code, message, spanId, subject };
    }
  }
}

/** The span and subject a diagnostic held as its message alone names, as the bundle keeps them. */
function heldAt(d: Exclude<FoldDiagnostic, StructuredDiagnostic>): [string | null, string | null] {
  switch (d.code) {
    case 'missing_root':
    case 'folded_early':
    case 'invalid_id':
    case 'mixed_traces':
    case 'unknown_events_dropped':
      return [null, null];
    case 'end_before_start':
    case 'self_parent':
    case 'parent_cycle':
    case 'conflicting_duplicate_span':
    case 'span_id_collision':
      return [d.spanId, null];
    case 'time_out_of_range':
    case 'extra_workflow_snapshot':
    case 'unknown_workbench_event':
    case 'content_hash_mismatch':
      return [d.spanId, d.subject];
    case 'log_event_without_span':
      return [null, d.subject];
    case 'unknown_gate_decision':
      return [d.spanId, sc.ATTR_GATE_DECISION];
    case 'bad_definition_parts':
      return [d.spanId, sc.ATTR_WORKFLOW_DEFINITION_PARTS];
    case 'bad_definition':
      return [d.spanId, sc.ATTR_WORKFLOW_DEFINITION];
    case 'definition_hash_mismatch':
      return [d.spanId, sc.ATTR_WORKFLOW_DEFINITION_SHA256];
    case 'bad_artifact_version':
    case 'duplicate_artifact_version':
      return [d.spanId, sc.ATTR_ARTIFACT_VERSION];
    case 'missing_parent_version':
      return [d.spanId, sc.ATTR_ARTIFACT_PARENT_VERSION];
    case 'gate_resolved_again':
      return [d.spanId, sc.ATTR_GATE_DECISION];
    case 'gate_resolved_without_request':
      return [d.spanId, sc.ATTR_GATE_ID];
    case 'segment_missing':
    case 'segment_duplicate':
      return [null, sc.ATTR_RUN_SEGMENT];
    case 'run_not_ended':
      return [d.spanId, sc.ATTR_RUN_SEGMENT_STATE];
  }
}

function onEvent(d: AttributeAt): { event?: string } {
  return d.event === null ? {} : { event: d.event };
}

const EXPECTED: ReadonlySet<string> = new Set<ExpectedType>(['string', 'integer', 'number']);
const KINDS: ReadonlySet<string> = new Set<ValueKind>([
  'string',
  'number',
  'boolean',
  'bigint',
  'bytes',
  'array',
  'object',
]);
const NON_FINITE: ReadonlySet<string> = new Set<NonFiniteValue>(['NaN', 'Infinity', '-Infinity']);

/**
 * The fold's diagnostic a bundle diagnostic holds, read from its structured members, for the codes
 * the bundle keeps members of (`STRUCTURED_DIAGNOSTIC_CODES`): undefined for any other code, and
 * when the members do not render the message exactly (a bundle written before version 3 gained
 * the members has the message alone). The message is compared, never parsed.
 *
 * @example
 * const d = readDiagnostic(bundle.diagnostics[0]!);
 * if (d?.code === 'wrong_type') console.log(d.expected, d.got);
 */
export function readDiagnostic(d: BundleDiagnostic): StructuredDiagnostic | undefined {
  const typed = typedFrom(d);
  return typed !== undefined && d.message === renderDiagnostic(typed) ? typed : undefined;
}

function typedFrom(d: BundleDiagnostic): StructuredDiagnostic | undefined {
  const { spanId, subject } = d;
  const event = d.event ?? null;
  switch (d.code) {
    case 'wrong_type':
      if (spanId === null || subject === null) return undefined;
      if (d.expected === undefined || !EXPECTED.has(d.expected)) return undefined;
      if (d.got === undefined || !KINDS.has(d.got)) return undefined;
      return {
        code: d.code,
        spanId,
        subject,
        event,
        expected: d.expected,
        got: d.got as ValueKind,
      };
    case 'non_finite':
      if (spanId === null || subject === null) return undefined;
      if (d.got === undefined || !NON_FINITE.has(d.got)) return undefined;
      return { code: d.code, spanId, subject, event, got: d.got as NonFiniteValue };
    case 'out_of_range':
    case 'missing_field':
      if (spanId === null || subject === null) return undefined;
      return { code: d.code, spanId, subject, event };
    case 'over_inline_limit':
    case 'identifier_truncated': {
      if (spanId === null || subject === null) return undefined;
      // The limit is not held: it is the subject's own, which the message states.
      const limit =
        d.code === 'over_inline_limit' ? sc.INLINE_LIMIT_BYTES : identifierLimit(subject);
      if (limit === undefined) return undefined;
      return { code: d.code, spanId, subject, event, limit };
    }
    case 'bad_hash':
      if (spanId === null || subject === null) return undefined;
      return { code: d.code, spanId, subject };
    case 'missing_parent':
      if (spanId === null || d.parentSpanId === undefined) return undefined;
      return { code: d.code, spanId, parentSpanId: d.parentSpanId };
    case 'multiple_run_spans':
      if (subject === null || d.count === undefined) return undefined;
      return { code: d.code, subject, count: d.count };
    case 'multiple_roots':
      if (d.count === undefined) return undefined;
      return { code: d.code, count: d.count };
    case 'spans_dropped':
      if (d.count === undefined || d.limit === undefined) return undefined;
      return { code: d.code, count: d.count, limit: d.limit };
    default:
      return undefined;
  }
}
