export { ImportError, type ImportErrorCode } from './import-error.js';
/** The receiver's cap on spans per trace, which `readOtlpFile` applies by default. */
export { DEFAULT_MAX_SPANS_PER_TRACE } from '@llm-workbench/otlp';
export type {
  BackendClientOptions,
  FetchedTrace,
  ProgressCallback,
  RunSearch,
  TraceSearch,
} from './types.js';
export { isTraceOfRun, runIdOfTrace } from './run-traces.js';
export {
  decodeTraceDocument,
  decodeTraceDocumentValue,
  unwrapTraceDocument,
  type TraceDocumentKind,
  type TraceDocumentResult,
} from './decode-trace-document.js';
export {
  addToLogEventGroups,
  addToTraceGroups,
  foldTraceGroups,
  type FoldedTrace,
  type FoldTraceGroupsOptions,
  type FoldTraceGroupsResult,
  type SpanCap,
  type LogEventGroups,
  type TraceGroups,
} from './fold-traces.js';
export {
  readOtlpFile,
  type LineIssue,
  type ReadOtlpFileOptions,
  type ReadOtlpFileResult,
} from './read-otlp-file.js';
export { JaegerClient } from './jaeger-client.js';
export { parseGoTime, undoJaegerSanitizers } from './undo-jaeger-sanitizers.js';
export { TempoClient } from './tempo-client.js';
export { ZipkinClient, type ZipkinTrace } from './zipkin-client.js';
export {
  fromZipkinSpans,
  toZipkinSpans,
  withDiagnostics,
  type FromZipkinResult,
  type ZipkinSpan,
} from './zipkin-spans.js';
export { normalizeTraceId } from './resolve-client-options.js';
export { parseDuration } from './parse-duration.js';
export {
  PLACEHOLDER_SPAN_NAME,
  REPLAY_SCOPE_NAME,
  UNNAMED_SPAN_NAME,
  spanRecordsFromBundle,
} from './span-records-from-bundle.js';
export {
  replayBundle,
  sendSpans,
  tracesUrl,
  type ReplayOptions,
  type ReplayResult,
} from './replay-bundle.js';
