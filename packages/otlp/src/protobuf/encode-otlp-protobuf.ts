import type { AttributeValue, Attributes, SpanRecord } from '@llm-workbench/bundle';
import { groupSpans } from '../group-spans.js';
import { SPAN_KINDS, STATUS_CODES } from '../span-fields.js';
import type { ExportPartialSuccess } from '../types.js';
import { ProtoWriter } from './proto-writer.js';

/**
 * Encodes span records as an OTLP/protobuf `ExportTraceServiceRequest`, grouped by resource and
 * scope. Decoding the result with `decodeOtlpProtobuf` gives the same span records back.
 *
 * @example
 * await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: encodeOtlpProtobuf(spans) });
 */
export function encodeOtlpProtobuf(spans: Iterable<SpanRecord>): Uint8Array {
  const w = new ProtoWriter();
  for (const group of groupSpans(spans)) {
    w.fork();
    w.fork();
    writeAttributes(w, 1, group.resource);
    w.ldelim(1);
    for (const sg of group.scopes) {
      w.fork();
      w.fork();
      if (sg.scope.name !== '') w.string(1, sg.scope.name);
      if (sg.scope.version !== undefined && sg.scope.version !== '') w.string(2, sg.scope.version);
      w.ldelim(1);
      for (const span of sg.spans) {
        w.fork();
        writeSpan(w, span);
        w.ldelim(2);
      }
      w.ldelim(2);
    }
    w.ldelim(1);
  }
  return w.finish();
}

function writeSpan(w: ProtoWriter, span: SpanRecord): void {
  w.hex(1, span.traceId);
  w.hex(2, span.spanId);
  if (span.parentSpanId !== undefined) w.hex(4, span.parentSpanId);
  if (span.name !== '') w.string(5, span.name);
  const kind = SPAN_KINDS.indexOf(span.kind);
  if (kind > 0) w.uint(6, kind);
  w.fixed64(7, span.startTimeUnixNano);
  w.fixed64(8, span.endTimeUnixNano);
  writeAttributes(w, 9, span.attributes);
  for (const event of span.events) {
    w.fork();
    w.fixed64(1, event.timeUnixNano);
    if (event.name !== '') w.string(2, event.name);
    writeAttributes(w, 3, event.attributes);
    w.ldelim(11);
  }
  const code = STATUS_CODES.indexOf(span.status.code);
  if (code > 0 || (span.status.message !== undefined && span.status.message !== '')) {
    w.fork();
    if (span.status.message !== undefined && span.status.message !== '')
      w.string(2, span.status.message);
    if (code > 0) w.uint(3, code);
    w.ldelim(15);
  }
}

function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes): void {
  for (const key in attributes) {
    w.fork();
    w.string(1, key);
    w.fork();
    writeAnyValue(w, attributes[key] as AttributeValue);
    w.ldelim(2);
    w.ldelim(field);
  }
}

function writeAnyValue(w: ProtoWriter, v: AttributeValue): void {
  if (v === null) return;
  switch (typeof v) {
    case 'string':
      w.string(1, v);
      return;
    case 'boolean':
      w.uint(2, v ? 1 : 0);
      return;
    case 'number':
      if (Number.isSafeInteger(v)) w.int64(3, v);
      else w.double(4, v);
      return;
    case 'bigint':
      w.int64(3, v);
      return;
    default:
      break;
  }
  if (v instanceof Uint8Array) {
    w.bytes(7, v);
  } else if (Array.isArray(v)) {
    w.fork();
    for (const item of v as readonly AttributeValue[]) {
      w.fork();
      writeAnyValue(w, item);
      w.ldelim(1);
    }
    w.ldelim(5);
  } else {
    w.fork();
    writeAttributes(w, 1, (v as { kvlist: Attributes }).kvlist);
    w.ldelim(6);
  }
}

/**
 * Encodes an OTLP `ExportTraceServiceResponse`: empty on full success, else with its partial
 * success (`rejected_spans`, `error_message`).
 *
 * @example
 * res.end(encodeExportResponseProtobuf({ rejectedSpans: 0, errorMessage: '' }));
 */
export function encodeExportResponseProtobuf(partial: ExportPartialSuccess): Uint8Array {
  const w = new ProtoWriter();
  if (partial.rejectedSpans > 0 || partial.errorMessage !== '') {
    w.fork();
    if (partial.rejectedSpans > 0) w.int64(1, partial.rejectedSpans);
    if (partial.errorMessage !== '') w.string(2, partial.errorMessage);
    w.ldelim(1);
  }
  return w.finish();
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * Encodes a `google.rpc.Status` (the body of an OTLP/HTTP error answer, or the
 * `grpc-status-details-bin` trailer of an OTLP/gRPC one) as protobuf. With `retryDelaySeconds`,
 * its details hold one `google.rpc.RetryInfo` with that delay (whole seconds, at least 0): what
 * OTLP clients read to know that, and when, to retry.
 *
 * @example
 * res.end(encodeRpcStatusProtobuf(3, 'body is not protobuf'));
 * metadata.set('grpc-status-details-bin', Buffer.from(encodeRpcStatusProtobuf(14, 'shutting down', 5)));
 */
export function encodeRpcStatusProtobuf(
  code: number,
  message: string,
  retryDelaySeconds?: number,
): Uint8Array {
  const w = new ProtoWriter();
  if (code !== 0) w.uint(1, code);
  if (message !== '') w.string(2, message);
  if (retryDelaySeconds !== undefined) {
    const seconds = Math.max(0, Math.floor(retryDelaySeconds));
    w.fork(); // details: one Any
    w.string(1, RETRY_INFO_TYPE); // Any.type_url
    w.fork(); // Any.value: RetryInfo
    w.fork(); // RetryInfo.retry_delay: a Duration, empty for zero
    if (seconds > 0) w.uint(1, seconds); // Duration.seconds
    w.ldelim(1);
    w.ldelim(2);
    w.ldelim(3);
  }
  return w.finish();
}
