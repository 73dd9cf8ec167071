export type {
  DecodeIssue,
  DecodeIssueCode,
  DecodeLogsResult,
  DecodeOptions,
  DecodeResult,
  ExportPartialSuccess,
  OtlpEncoding,
  RejectedSpan,
} from './types.js';
export {
  DEFAULT_MAX_SPANS_PER_TRACE,
  DEFAULT_MAX_VALUE_DEPTH,
  WORKBENCH_EVENT_PREFIX,
} from './types.js';
export type {
  OtlpJsonAnyValue,
  OtlpJsonEvent,
  OtlpJsonKeyValue,
  OtlpJsonSpan,
  OtlpJsonTraceRequest,
} from './json/otlp-json-types.js';
export {
  decodeOtlpJson,
  decodeOtlpJsonLogs,
  decodeOtlpJsonLogsValue,
  decodeOtlpJsonValue,
} from './json/decode-otlp-json.js';
export { parseOtlpJson } from './json/parse-otlp-json.js';
export {
  encodeExportLogsResponseJson,
  encodeExportResponseJson,
  encodeOtlpJson,
  encodeRpcStatusJson,
} from './json/encode-otlp-json.js';
export { decodeOtlpProtobuf, decodeOtlpProtobufLogs } from './protobuf/decode-otlp-protobuf.js';
export {
  encodeExportResponseProtobuf,
  encodeOtlpProtobuf,
  encodeRpcStatusProtobuf,
} from './protobuf/encode-otlp-protobuf.js';
export { summarizeRejections } from './summarize-rejections.js';
export type { LogEventVisitor, SpanVisitor } from './visitor.js';
export { LogEventRecordVisitor, SpanRecordVisitor } from './record-visitors.js';
export { SpanIdsVisitor, type SpanIds } from './span-ids-visitor.js';
export { readOtlpSpanIds, type SpanIdsResult } from './read-otlp-span-ids.js';
export {
  walkOtlpJsonLogs,
  walkOtlpJsonLogsValue,
  walkOtlpJsonTraces,
  walkOtlpJsonTracesValue,
  type JsonWalkFailure,
  type JsonWalkResult,
} from './json/walk-otlp-json.js';
export {
  walkOtlpProtobufLogs,
  walkOtlpProtobufTraces,
  type ProtobufWalkResult,
} from './protobuf/walk-otlp-protobuf.js';
