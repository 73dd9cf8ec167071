import type { Attributes, Context, HrTime, SpanContext } from '@opentelemetry/api';

// The few shapes of the OpenTelemetry JS SDK that the processor reads, declared here rather than
// imported from `@opentelemetry/sdk-trace-base` (2.x) or `@opentelemetry/sdk-trace` (3.x): both
// lines' spans have exactly these members, so one declaration types the processor for either SDK
// without making a user install the other line's package (which would pull a second
// `@opentelemetry/api` into their tree). The SDK's own `ReadableSpan`, `SpanProcessor` and
// `SpanExporter` are assignable to and from these.

/** A span event as the SDK keeps it (`TimedEvent` in the SDK). */
export interface TimedEvent {
  time: HrTime;
  name: string;
  attributes?: Attributes;
}

/** What the processor reads of a finished SDK span (`ReadableSpan` in the SDK, 2.x and 3.x). */
export interface ReadableSpan {
  readonly name: string;
  readonly kind: number;
  readonly spanContext: () => SpanContext;
  readonly parentSpanContext?: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: { readonly code: number; readonly message?: string | undefined };
  readonly attributes: Attributes;
  readonly events: readonly TimedEvent[];
  readonly resource: { readonly attributes: Attributes };
  readonly instrumentationScope: { readonly name: string; readonly version?: string | undefined };
  /** The span's links (read for a run's segments: the link to the previous segment). */
  readonly links?: ReadonlyArray<{
    readonly context: SpanContext;
    readonly attributes?: Attributes | undefined;
  }>;
}

/** What the processor reads of a started SDK span. */
export interface StartedSpan {
  spanContext(): SpanContext;
}

/** The SDK's `SpanProcessor`, as far as the processor implements it. */
export interface SpanProcessor {
  onStart(span: StartedSpan, parentContext: Context): void;
  onEnd(span: ReadableSpan): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The SDK's `ExportResult`: `ExportResultCode` from `@opentelemetry/core` is 0 for success and 1
 * for failure in 2.x and 3.x alike, so the numbers stand in for a runtime import of core.
 */
export interface ExportResult {
  code: 0 | 1;
  error?: Error;
}

/** `ExportResultCode.SUCCESS` of `@opentelemetry/core`. */
export const EXPORT_SUCCESS = 0;
/** `ExportResultCode.FAILED` of `@opentelemetry/core`. */
export const EXPORT_FAILED = 1;

/** The SDK's `SpanExporter`, as far as the processor implements it. */
export interface SpanExporter {
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** What the log processor reads of an SDK log record (`@opentelemetry/sdk-logs` 0.2xx). */
export interface EmittedLogRecord {
  readonly hrTime: HrTime;
  readonly spanContext?: SpanContext | undefined;
  readonly eventName?: string | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface LogRecordProcessor {
  onEmit(logRecord: EmittedLogRecord, context?: Context): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
