import type { LogEventRecord, SpanRecord } from '@llm-workbench/bundle';

/** Why a span or a request was refused. Codes are stable; messages are for people. */
export type DecodeIssueCode =
  /** The body is not JSON, not UTF-8, or not protobuf; or its top level has the wrong shape. */
  | 'malformed_request'
  /** A span is not an object (JSON only). */
  | 'malformed_span'
  /** Trace id missing, of the wrong length, not hex or base64, or all zeros. */
  | 'invalid_trace_id'
  /** Span id missing, of the wrong length, not hex or base64, or all zeros. */
  | 'invalid_span_id'
  /** Parent span id present but of the wrong length or not hex or base64. */
  | 'invalid_parent_span_id'
  /** A start, end or event time is missing or zero. */
  | 'missing_time'
  /** A time is not an unsigned integer (negative, fractional, not a number). */
  | 'invalid_time'
  /** A time is above 2^64 − 1. */
  | 'time_out_of_range'
  /** An attribute value is malformed: two members, a member of the wrong type, a bad integer or base64. */
  | 'invalid_attribute'
  /** Arrays and key-value lists nested deeper than `maxValueDepth`. */
  | 'attribute_too_deep';

/** One problem found while decoding, as data. */
export interface DecodeIssue {
  readonly code: DecodeIssueCode;
  /** Where in the request, e.g. `resourceSpans[0].scopeSpans[1].spans[3].traceId`. */
  readonly path: string;
  readonly message: string;
}

/** A span that was refused, with every reason found. */
export interface RejectedSpan {
  /** Position of the span in the request, counting every span of every resource and scope. */
  readonly index: number;
  /** Lowercase hex trace id when it was readable, else null. */
  readonly traceId: string | null;
  /** Lowercase hex span id when it was readable, else null. */
  readonly spanId: string | null;
  readonly issues: readonly DecodeIssue[];
}

/**
 * The outcome of decoding one OTLP trace request. A request that decodes yields the valid spans and
 * the rejected ones (OTLP partial success); a request that does not decode yields issues only and
 * nothing of it should be kept.
 */
export type DecodeResult =
  | {
      readonly ok: true;
      readonly spans: SpanRecord[];
      readonly rejected: RejectedSpan[];
      /**
       * Present when bytes that are not UTF-8 were read as U+FFFD. Every door reads them so
       * (never a whole request refused for one bad byte), and says so where it can.
       */
      readonly replacedInvalidUtf8?: true;
    }
  | { readonly ok: false; readonly issues: readonly DecodeIssue[] };

/** Options shared by the JSON and protobuf decoders. */
export interface DecodeOptions {
  /**
   * How deep arrays and key-value lists may nest in one attribute value; a span with a deeper
   * value is rejected (`attribute_too_deep`). Default {@link DEFAULT_MAX_VALUE_DEPTH}.
   */
  maxValueDepth?: number;
}

/** Default of {@link DecodeOptions.maxValueDepth}: far beyond any real producer, far below the stack. */
export const DEFAULT_MAX_VALUE_DEPTH = 64;

/**
 * Most spans any door keeps of one trace (the receiver's `maxSpansPerTrace`, `workbench import`'s
 * `--max-spans-per-trace`): further spans are dropped, counted, and the bundle is folded as
 * incomplete. Far beyond an agent run, far below what a fold holds in memory.
 *
 * @example
 * if (spans.length >= DEFAULT_MAX_SPANS_PER_TRACE) truncated = true;
 */
export const DEFAULT_MAX_SPANS_PER_TRACE = 50_000;

/** The two OTLP/HTTP encodings. */
export type OtlpEncoding = 'json' | 'protobuf';

/** OTLP `ExportTracePartialSuccess`: what the server refused of an otherwise accepted request. */
export interface ExportPartialSuccess {
  /** Number of spans refused; 0 when all were accepted. */
  rejectedSpans: number;
  /** Why, for people; empty when all were accepted. */
  errorMessage: string;
}

/**
 * The outcome of decoding one OTLP logs request (`ExportLogsServiceRequest` or `LogsData`): the
 * workbench events it holds as log records, each with its span's ids, and the records refused.
 * Records that are not workbench events (no `eventName` starting with `workbench.`, or no span
 * context) are not ours: counted in `ignored`, neither kept nor refused.
 */
export type DecodeLogsResult =
  | {
      readonly ok: true;
      readonly events: LogEventRecord[];
      /** Refused records; `index` counts every log record of the request. */
      readonly rejected: RejectedSpan[];
      readonly ignored: number;
      readonly replacedInvalidUtf8?: true;
    }
  | { readonly ok: false; readonly issues: readonly DecodeIssue[] };

/** The prefix of the event names a logs decoder keeps: `EVENT_PREFIX` of @llm-workbench/semconv. */
export const WORKBENCH_EVENT_PREFIX = 'workbench.';
