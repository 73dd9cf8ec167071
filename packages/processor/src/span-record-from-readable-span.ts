import type {
  Attributes as OtelAttributes,
  AttributeValue as OtelAttributeValue,
  HrTime,
} from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  attributesFrom,
  type AttributeValue,
  type Attributes,
  type SpanKindName,
  type SpanRecord,
  type StatusCodeName,
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
  if (!attributes) return attributesFrom([]);
  const entries: Array<[string, AttributeValue]> = [];
  for (const key of Object.keys(attributes)) {
    const v = attributes[key];
    if (v !== undefined) entries.push([key, convertValue(v)]);
  }
  return attributesFrom(entries);
}

/**
 * The SDK adapter: a finished `ReadableSpan` as a span record. A span whose parent context is
 * remote keeps its parent id (the parent lives in another process).
 *
 * @example
 * const record = spanRecordFromReadableSpan(span);
 */
export function spanRecordFromReadableSpan(span: ReadableSpan): SpanRecord {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: parent?.spanId,
    name: span.name,
    kind: KINDS[span.kind] ?? 'unspecified',
    startTimeUnixNano: hrTimeToNanos(span.startTime),
    endTimeUnixNano: hrTimeToNanos(span.endTime),
    status: { code: STATUS[span.status.code] ?? 'unset', message: span.status.message },
    attributes: convertAttributes(span.attributes),
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: hrTimeToNanos(e.time),
      attributes: convertAttributes(e.attributes),
    })),
    resource: convertAttributes(span.resource.attributes),
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version },
  };
}
