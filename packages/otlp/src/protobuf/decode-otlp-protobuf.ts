import { LogEventRecordVisitor, SpanRecordVisitor } from '../record-visitors.js';
import type { DecodeLogsResult, DecodeOptions, DecodeResult } from '../types.js';
import { walkOtlpProtobufLogs, walkOtlpProtobufTraces } from './walk-otlp-protobuf.js';

/**
 * Decodes an OTLP/protobuf `ExportTraceServiceRequest` (or `TracesData`: the same wire shape)
 * into span records, with a hand-written wire-format reader: times (fixed64) and int64 attribute
 * values are read exactly, ids go straight from bytes to lowercase hex, unknown fields are skipped,
 * and the deprecated `instrumentation_library_spans` (field 1000) is read when `scope_spans` is
 * absent.
 *
 * Spans with bad ids or times, or values nested too deep, are rejected one by one with reasons;
 * bytes that are not a protobuf message fail the request as a whole.
 *
 * @example
 * const result = decodeOtlpProtobuf(new Uint8Array(body));
 * if (!result.ok) console.error(result.issues[0].message);
 */
export function decodeOtlpProtobuf(input: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const visitor = new SpanRecordVisitor();
  const walked = walkOtlpProtobufTraces(input, visitor, options);
  return walked.ok ? visitor.result(walked.replacedInvalidUtf8) : walked;
}

/**
 * Decodes an OTLP/protobuf `ExportLogsServiceRequest` (or `LogsData`) into the workbench events
 * it holds as log records (OTEP 4430), as {@link decodeOtlpJsonLogs} does for JSON: a record with
 * an `event_name` starting with `workbench.` and a trace and span id becomes an event of that
 * span at its `time_unix_nano` (its `observed_time_unix_nano` when unset); the body is not read;
 * other records are counted as ignored.
 *
 * @example
 * const result = decodeOtlpProtobufLogs(new Uint8Array(body));
 * if (result.ok) console.log(result.events.length, 'events');
 */
export function decodeOtlpProtobufLogs(
  input: Uint8Array,
  options: DecodeOptions = {},
): DecodeLogsResult {
  const visitor = new LogEventRecordVisitor();
  const walked = walkOtlpProtobufLogs(input, visitor, options);
  return walked.ok ? visitor.result(walked.replacedInvalidUtf8) : walked;
}
