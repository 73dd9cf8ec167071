import type { DecodeLogsResult, DecodeOptions, DecodeResult } from '../types.js';
import { LogEventRecordVisitor, SpanRecordVisitor } from '../record-visitors.js';
import {
  walkOtlpJsonLogs,
  walkOtlpJsonLogsValue,
  walkOtlpJsonTraces,
  walkOtlpJsonTracesValue,
} from './walk-otlp-json.js';

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` (or `TracesData`, the same shape) into span
 * records. Accepts everything producers write: ids as hex (any case) or base64, `kind` and
 * `status.code` as integers or enum names, 64-bit integers as strings or numbers (kept exact),
 * every AnyValue member including `"NaN"` and `"Infinity"` doubles and base64 bytes, snake_case
 * field names, the old `instrumentationLibrarySpans`; unknown fields are ignored.
 *
 * Spans with bad ids, times or attribute values are rejected one by one with their reasons; a body
 * that is not JSON of the right shape fails as a whole. Bytes that are not UTF-8 are read as
 * U+FFFD, as in protobuf, and flagged with `replacedInvalidUtf8`. The text is parsed once with
 * `JSON.parse`, again exactly only where a 64-bit integer is a bare number it may have rounded
 * (see `walkOtlpJsonTraces`, the walker it runs with a `SpanRecordVisitor`).
 *
 * @example
 * const result = decodeOtlpJson(body);
 * if (result.ok) for (const span of result.spans) console.log(span.name);
 */
export function decodeOtlpJson(
  input: string | Uint8Array,
  options: DecodeOptions = {},
): DecodeResult {
  const walked = walkOtlpJsonTraces(input, () => new SpanRecordVisitor(), options);
  return walked.ok ? walked.visitor.result(walked.replacedInvalidUtf8) : walked;
}

/**
 * Decodes an already parsed OTLP/JSON trace request. Prefer {@link decodeOtlpJson} on text (or
 * parse with `parseOtlpJson`): `JSON.parse` alone rounds 64-bit integers written as bare numbers.
 *
 * @example
 * const result = decodeOtlpJsonValue(parseOtlpJson(text));
 */
export function decodeOtlpJsonValue(value: unknown, options: DecodeOptions = {}): DecodeResult {
  const visitor = new SpanRecordVisitor();
  return walkOtlpJsonTracesValue(value, visitor, options) ?? visitor.result(false);
}

/**
 * Decodes an OTLP/JSON `ExportLogsServiceRequest` (or `LogsData`) into the workbench events it
 * holds as log records (OTEP 4430): each record with an `eventName` starting with `workbench.` and
 * a trace and span id becomes a {@link LogEventRecord} of that span, at its `timeUnixNano` (its
 * `observedTimeUnixNano` when that is unset). Reads what the trace decoder reads (hex or base64
 * ids, exact 64-bit integers, every AnyValue, snake_case names); the body is not read. Records
 * with bad ids, times or attributes are refused one by one; a body that is not JSON of the right
 * shape fails as a whole.
 *
 * @example
 * const result = decodeOtlpJsonLogs(body);
 * if (result.ok) for (const e of result.events) console.log(e.name, e.spanId);
 */
export function decodeOtlpJsonLogs(
  input: string | Uint8Array,
  options: DecodeOptions = {},
): DecodeLogsResult {
  const walked = walkOtlpJsonLogs(input, () => new LogEventRecordVisitor(), options);
  return walked.ok ? walked.visitor.result(walked.replacedInvalidUtf8) : walked;
}

/**
 * Decodes an already parsed OTLP/JSON logs request, as {@link decodeOtlpJsonLogs} does text
 * (parse with `parseOtlpJson`, which keeps 64-bit times exact).
 *
 * @example
 * const result = decodeOtlpJsonLogsValue(parseOtlpJson(line));
 */
export function decodeOtlpJsonLogsValue(
  value: unknown,
  options: DecodeOptions = {},
): DecodeLogsResult {
  const visitor = new LogEventRecordVisitor();
  return walkOtlpJsonLogsValue(value, visitor, options) ?? visitor.result(false);
}
