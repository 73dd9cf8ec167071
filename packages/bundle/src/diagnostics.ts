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

/** Codes the fold records with a message alone: no reader needs more than code, span and subject. */
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

/** A code the fold records with a message alone. */
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
  | { code: TextDiagnosticCode; spanId: string | null; subject: string | null; message: string };

/** Every code the fold records. */
export type FoldDiagnosticCode = FoldDiagnostic['code'];

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
    default:
      return d.message;
  }
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
    default:
      return { code: d.code, message, spanId: d.spanId, subject: d.subject };
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
const TEXT: ReadonlySet<string> = new Set(TEXT_DIAGNOSTIC_CODES);

/**
 * The fold's diagnostic a bundle diagnostic holds, read from its structured members: undefined
 * when the code is not the fold's, or when the members do not render the message exactly (a
 * bundle written before version 3 gained the members, which has the message alone). The message
 * is compared, never parsed.
 *
 * @example
 * const d = readDiagnostic(bundle.diagnostics[0]!);
 * if (d?.code === 'wrong_type') console.log(d.expected, d.got);
 */
export function readDiagnostic(d: BundleDiagnostic): FoldDiagnostic | undefined {
  const typed = typedFrom(d);
  return typed !== undefined && d.message === renderDiagnostic(typed) ? typed : undefined;
}

function typedFrom(d: BundleDiagnostic): FoldDiagnostic | undefined {
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
    default:
      if (!TEXT.has(d.code)) return undefined;
      return {
        code: d.code as TextDiagnosticCode,
        spanId,
        subject,
        message: d.message,
      };
  }
}
