import type {
  Attributes as OtelAttributes,
  AttributeValue as OtelAttributeValue,
  HrTime,
} from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from './sdk-types.js';
import type {
  AttributeValue,
  Attributes,
  LogEventRecord,
  SpanKindName,
  SpanRecord,
  StatusCodeName,
} from '@llm-workbench/bundle';

// SpanKind and SpanStatusCode numbers from @opentelemetry/api, mapped without a runtime import.
const KINDS: readonly SpanKindName[] = ['internal', 'server', 'client', 'producer', 'consumer'];
const STATUS: readonly StatusCodeName[] = ['unset', 'ok', 'error'];
const NS_PER_S = 1_000_000_000n;

/** HrTime to exact epoch nanoseconds, truncating as the OTLP exporters do. */
export function hrTimeToNanos(time: HrTime): bigint {
  return BigInt(Math.trunc(time[0])) * NS_PER_S + BigInt(Math.trunc(time[1]));
}

function convertValue(value: OtelAttributeValue | null | undefined): AttributeValue {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value))
    return (value as ReadonlyArray<unknown>).map((v) => convertValue(v as OtelAttributeValue));
  return value;
}

/** SDK attributes to span-record attributes (null prototype; undefined values dropped). */
export function convertAttributes(attributes: OtelAttributes | undefined): Attributes {
  // A null-prototype record, as attributesFrom makes: `__proto__` is stored as data.
  const out = Object.create(null) as Record<string, AttributeValue>;
  if (!attributes) return out;
  for (const key of Object.keys(attributes)) {
    const v = attributes[key];
    if (v !== undefined) out[key] = convertValue(v);
  }
  return out;
}

/**
 * The fields of a finished SDK span that a span record is made of, as plain data: what the
 * processor hands to its worker thread (structured clone keeps every attribute value exact), and
 * what the inline path reads straight off the span.
 */
export interface SpanFields {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startTime: HrTime;
  endTime: HrTime;
  statusCode: number;
  statusMessage: string | undefined;
  attributes: OtelAttributes;
  events: readonly TimedEvent[];
  scopeName: string;
  scopeVersion: string | undefined;
}

/**
 * A span record from span fields and already converted resource attributes: the one place both
 * the inline path and the worker make records, so that their bundles are the same bytes.
 */
export function spanRecordFromFields(f: SpanFields, resource: Attributes): SpanRecord {
  return {
    traceId: f.traceId,
    spanId: f.spanId,
    parentSpanId: f.parentSpanId,
    name: f.name,
    kind: KINDS[f.kind] ?? 'unspecified',
    startTimeUnixNano: hrTimeToNanos(f.startTime),
    endTimeUnixNano: hrTimeToNanos(f.endTime),
    status: { code: STATUS[f.statusCode] ?? 'unset', message: f.statusMessage },
    attributes: convertAttributes(f.attributes),
    events: f.events.map((e) => ({
      name: e.name,
      timeUnixNano: hrTimeToNanos(e.time),
      attributes: convertAttributes(e.attributes),
    })),
    resource,
    scope: { name: f.scopeName, version: f.scopeVersion },
  };
}

/**
 * A log-record event whose span never ended here, as the fold takes it (`logEvents`): its time and
 * attributes converted as a span event's are, so the fold flags it exactly as it flags the record
 * a backend delivered without its span.
 */
export function logEventRecord(traceId: string, spanId: string, event: TimedEvent): LogEventRecord {
  return {
    traceId,
    spanId,
    name: event.name,
    timeUnixNano: hrTimeToNanos(event.time),
    attributes: convertAttributes(event.attributes),
  };
}

/** The fields of an SDK span (no copies: the values are the span's own). */
export function spanFields(span: ReadableSpan): SpanFields {
  const ctx = span.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    startTime: span.startTime,
    endTime: span.endTime,
    statusCode: span.status.code,
    statusMessage: span.status.message,
    attributes: span.attributes,
    events: span.events,
    scopeName: span.instrumentationScope.name,
    scopeVersion: span.instrumentationScope.version,
  };
}

/**
 * The SDK adapter: a finished `ReadableSpan` as a span record. A span whose parent context is
 * remote keeps its parent id (the parent lives in another process).
 *
 * @example
 * const record = spanRecordFromReadableSpan(span);
 */
export function spanRecordFromReadableSpan(span: ReadableSpan): SpanRecord {
  const record = spanRecordFromFields(
    spanFields(span),
    convertAttributes(span.resource.attributes),
  );
  const links = span.links;
  if (links === undefined || links.length === 0) return record;
  // Links never reach a bundle; they are kept for runSegmentOf (the previous segment's run span).
  return {
    ...record,
    links: links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      attributes: convertAttributes(l.attributes),
    })),
  };
}
