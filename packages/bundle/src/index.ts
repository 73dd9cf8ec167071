export type {
  AttributeValue,
  SpanLinkRecord,
  Attributes,
  KeyValueList,
  SpanEventRecord,
  SpanKindName,
  SpanRecord,
  StatusCodeName,
} from './span-record.js';
export { attributesFrom, isValidSpanId, isValidTraceId } from './span-record.js';
export type {
  ArtifactEvent,
  BundleArtifact,
  BundleAttributes,
  BundleDiagnostic,
  BundleEvent,
  BundleIntegrity,
  BundleRun,
  BundleSegment,
  BundleStatus,
  BundleStep,
  ContentRef,
  GateRequestedEvent,
  GateSubject,
  GateResolvedEvent,
  JsonValue,
  ModelCost,
  ModelIoEvent,
  ModelIoReceipt,
  ModelUsage,
  ReceiptSource,
  ReceiptVocabulary,
  Redaction,
  RedactionKind,
  RunBundle,
  SpanDispute,
  StepEndedEvent,
  ToolCallEvent,
  StepStartedEvent,
  UnknownEvent,
  UnsealedRunBundle,
  WorkflowSnapshot,
  WorkflowSnapshotEvent,
} from './types.js';
export { BUNDLE_SCHEMA_VERSION } from './types.js';
export { canonicalize } from './canonicalize.js';
export {
  attachLogEvents,
  type AttachedLogEvents,
  type LogEventRecord,
} from './log-event-record.js';
export {
  isRunSegmentTrace,
  missingSegments,
  runSegmentOf,
  segmentNumberOf,
  segmentsComplete,
  type RunSegment,
} from './run-segments.js';
export {
  decodeSegmentFile,
  encodeSegmentFile,
  OPEN_RUN_KEY,
  openRunKey,
  SEGMENT_FILE_NAME,
  SEGMENT_FILE_VERSION,
  segmentFileName,
  type SegmentFile,
} from './span-record-codec.js';
export {
  foldRun,
  isRunTrace,
  MAX_UNKNOWN_EVENTS,
  sumDroppedSpans,
  type DroppedSpans,
  type FoldOptions,
} from './fold.js';
export { bundleRun } from './bundle-run.js';
export {
  readDiagnostic,
  renderDiagnostic,
  STRUCTURED_DIAGNOSTIC_CODES,
  TEXT_DIAGNOSTIC_CODES,
  toBundleDiagnostic,
  type ExpectedType,
  type FoldDiagnostic,
  type FoldDiagnosticCode,
  type NonFiniteValue,
  type StructuredDiagnostic,
  type TextDiagnosticCode,
  type ValueKind,
} from './diagnostics.js';
export { computeIntegrity, sealBundle, serializeBundle } from './integrity.js';
export { integrityView } from './integrity-view.js';
export { contentMembers, REDACTION_KINDS, type ContentMember } from './content-members.js';
export { redactBundle, RedactionError, type RedactOptions } from './redact-bundle.js';
export { verifyBundle, type VerifyProblem, type VerifyResult } from './verify-bundle.js';
export { diffBundles, type BundleChange, type BundleDiff } from './diff-bundles.js';
export {
  emptySummary,
  summarizeBundle,
  type BundleSummary,
  type GateHistoryEntry,
  type GateState,
  type GateSummary,
  type ModelTotals,
  type ToolTotals,
} from './summarize-bundle.js';
export {
  anyRunBundleSchema,
  runBundleSchema,
  runBundleSchemaV1,
  runBundleSchemaV2,
} from './schema.js';
export { upgradeBundle, type RunBundleV1, type RunBundleV2 } from './upgrade-bundle.js';
export {
  VOCABULARIES,
  isModelCallSpan,
  readModelCall,
  type ContentCommitment,
  type ModelCallReading,
} from './vocabularies/read-model-call.js';
export { normalizeProvider } from './vocabularies/normalize-provider.js';
export type {
  ContentSource,
  FieldReader,
  FieldSource,
  ReceiptFields,
  Vocabulary,
  VocabularyName,
} from './vocabularies/vocabulary.js';
export { findDuplicateKeys } from './duplicate-keys.js';
export {
  cutUtf8,
  EVENT_NAME_SUBJECT,
  identifierLimit,
  SPAN_NAME_SUBJECT,
} from './identifier-limits.js';
export {
  fingerprint,
  MAX_DISPUTE_PATHS,
  MAX_DISPUTE_VARIANTS,
  resolveVersions,
  type SpanVersions,
} from './span-disputes.js';
export { modalityFields, modalityUsages } from './modality-usage.js';
export {
  durationMs,
  endMicros,
  formatMicros,
  formatNanos,
  nanosToMicros,
  parseBundleTime,
} from './time.js';
export { REDACTED, isSecretKey, looksLikeSecret, utf8Length } from './attribute-values.js';
export { splitUtf8 } from './split-utf8.js';
