import type { LogEventRecord, SpanRecord } from '@llm-workbench/bundle';
import type { RejectedSpan } from './types.js';

/**
 * What a walk over an OTLP trace request (JSON or protobuf) tells, span by span. The walker owns
 * the wire format and every rule (ids, times, value types, nesting); a visitor only decides what
 * to keep. With `buildsRecords` false the walker checks names, attributes and events without
 * building them, and hands over ids only: what the receiver needs at its door.
 *
 * @example
 * const visitor: SpanVisitor = {
 *   buildsRecords: false,
 *   span: (traceId, spanId) => console.log(traceId, spanId),
 *   rejected: (r) => console.log(r.issues[0]?.message),
 * };
 */
export interface SpanVisitor {
  /** Whether the walk builds each valid span's record (else `record` is undefined). */
  readonly buildsRecords: boolean;
  /**
   * A valid span, in the order of the request: its lowercase hex ids, whether it is a root (no
   * parent, or an all-zero one), and its record when `buildsRecords`.
   */
  span(traceId: string, spanId: string, root: boolean, record: SpanRecord | undefined): void;
  /** A refused span, with every reason found. */
  rejected(span: RejectedSpan): void;
}

/**
 * What a walk over an OTLP logs request tells, record by record: workbench events (a log record
 * whose event name starts with `workbench.` and that has a trace and span id), refused records,
 * and records that are not ours.
 *
 * @example
 * const visitor: LogEventVisitor = {
 *   buildsRecords: true,
 *   event: (_t, _s, record) => events.push(record!),
 *   rejected: () => {},
 *   ignored: () => {},
 * };
 */
export interface LogEventVisitor {
  /** Whether the walk builds each valid event's record (else `record` is undefined). */
  readonly buildsRecords: boolean;
  event(traceId: string, spanId: string, record: LogEventRecord | undefined): void;
  rejected(record: RejectedSpan): void;
  /** A log record that is not a workbench event: neither kept nor refused. */
  ignored(): void;
}
