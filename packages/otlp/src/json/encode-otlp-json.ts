import type { AttributeValue, Attributes, SpanRecord } from '@llm-workbench/bundle';
import { groupSpans } from '../group-spans.js';
import { SPAN_KINDS, STATUS_CODES } from '../span-fields.js';
import type {
  OtlpJsonAnyValue,
  OtlpJsonKeyValue,
  OtlpJsonSpan,
  OtlpJsonTraceRequest,
} from './otlp-json-types.js';
import type { ExportPartialSuccess } from '../types.js';

/**
 * Encodes span records as an OTLP/JSON `ExportTraceServiceRequest` object, grouped by resource
 * and scope: ids as lowercase hex, times and integers as decimal strings (exact), enums as
 * integers, non-finite doubles as `"NaN"` / `"Infinity"` / `"-Infinity"`, bytes as base64.
 * `decodeOtlpJson(JSON.stringify(result))` gives the same span records back.
 *
 * @example
 * const body = JSON.stringify(encodeOtlpJson(spans));
 */
export function encodeOtlpJson(spans: Iterable<SpanRecord>): OtlpJsonTraceRequest {
  return {
    resourceSpans: groupSpans(spans).map((group) => ({
      resource: { attributes: keyValues(group.resource) },
      scopeSpans: group.scopes.map((sg) => ({
        scope:
          sg.scope.version === undefined
            ? { name: sg.scope.name }
            : { name: sg.scope.name, version: sg.scope.version },
        spans: sg.spans.map(spanToJson),
      })),
    })),
  };
}

function spanToJson(span: SpanRecord): OtlpJsonSpan {
  const out: OtlpJsonSpan = {
    traceId: span.traceId,
    spanId: span.spanId,
    name: span.name,
    kind: SPAN_KINDS.indexOf(span.kind),
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    attributes: keyValues(span.attributes),
    events: span.events.map((e) => ({
      timeUnixNano: e.timeUnixNano.toString(),
      name: e.name,
      attributes: keyValues(e.attributes),
    })),
    status:
      span.status.message === undefined
        ? { code: STATUS_CODES.indexOf(span.status.code) }
        : { code: STATUS_CODES.indexOf(span.status.code), message: span.status.message },
  };
  if (span.parentSpanId !== undefined) out.parentSpanId = span.parentSpanId;
  return out;
}

function keyValues(attributes: Attributes): OtlpJsonKeyValue[] {
  const out: OtlpJsonKeyValue[] = [];
  for (const key in attributes)
    out.push({ key, value: anyValue(attributes[key] as AttributeValue) });
  return out;
}

function anyValue(v: AttributeValue): OtlpJsonAnyValue {
  if (v === null) return {};
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      if (Number.isSafeInteger(v)) return { intValue: String(v) };
      return { doubleValue: Number.isFinite(v) ? v : String(v) };
    case 'bigint':
      return { intValue: v.toString() };
    default:
      break;
  }
  if (v instanceof Uint8Array)
    return { bytesValue: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v))
    return { arrayValue: { values: (v as readonly AttributeValue[]).map(anyValue) } };
  return { kvlistValue: { values: keyValues((v as { kvlist: Attributes }).kvlist) } };
}

/**
 * Encodes an OTLP `ExportTraceServiceResponse` as JSON text: `{"partialSuccess":{}}` on full
 * success, else with `rejectedSpans` (an int64, so a string) and `errorMessage`.
 *
 * @example
 * res.end(encodeExportResponseJson({ rejectedSpans: 2, errorMessage: 'bad span id' }));
 */
export function encodeExportResponseJson(partial: ExportPartialSuccess): string {
  return partialSuccessJson(partial, 'rejectedSpans');
}

/**
 * Encodes an `ExportLogsServiceResponse` as JSON text: the logs twin of
 * {@link encodeExportResponseJson}, whose count is named `rejectedLogRecords`. (In protobuf the
 * two answers are the same bytes: use `encodeExportResponseProtobuf`.)
 *
 * @example
 * res.end(encodeExportLogsResponseJson({ rejectedSpans: 1, errorMessage: 'bad time' }));
 */
export function encodeExportLogsResponseJson(partial: ExportPartialSuccess): string {
  return partialSuccessJson(partial, 'rejectedLogRecords');
}

/** An export answer's `partialSuccess`, its count (an int64, so a string) named `count`. */
function partialSuccessJson(
  partial: ExportPartialSuccess,
  count: 'rejectedSpans' | 'rejectedLogRecords',
): string {
  if (partial.rejectedSpans === 0 && partial.errorMessage === '') return '{"partialSuccess":{}}';
  return JSON.stringify({
    partialSuccess: { [count]: String(partial.rejectedSpans), errorMessage: partial.errorMessage },
  });
}

/**
 * Encodes a `google.rpc.Status` (the body of an OTLP/HTTP error answer) as JSON text.
 *
 * @example
 * res.end(encodeRpcStatusJson(3, 'body is not JSON'));
 */
export function encodeRpcStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}
