import type { Attributes as OtelAttributes, HrTime } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { Attributes, SpanRecord } from '@llm-workbench/bundle';
import { convertAttributes, spanRecordFromFields } from './span-record-from-readable-span.js';

/**
 * Finished traces as plain data for the worker thread, in one flat array: per trace its
 * `truncated` flag and span count, then per span the fields below. Structured clone keeps every
 * attribute value exact (NaN, -0, large integers as doubles); values are the span's own, not
 * copies, so the only work on the application's thread is the clone itself. Resources are sent
 * once per batch.
 */
export interface EncodedBatch {
  readonly traces: number;
  readonly data: unknown[];
  readonly resources: OtelAttributes[];
}

/** A trace handed to the pipeline: its SDK spans and whether it was folded early. */
export interface TraceItem {
  readonly spans: readonly ReadableSpan[];
  readonly truncated: boolean;
}

/** A decoded trace, ready for the fold. */
export interface DecodedTrace {
  readonly records: SpanRecord[];
  readonly truncated: boolean;
}

/** Fields per span in {@link EncodedBatch.data}. */
const FIELDS = 16;

/** Encodes finished traces for postMessage. */
export function encodeBatch(items: readonly TraceItem[]): EncodedBatch {
  const data: unknown[] = [];
  const resources: OtelAttributes[] = [];
  const resourceIndex = new Map<OtelAttributes, number>();
  for (const item of items) {
    data.push(item.truncated, item.spans.length);
    for (const span of item.spans) {
      const ctx = span.spanContext();
      const start = span.startTime;
      const end = span.endTime;
      const resource = span.resource.attributes;
      let index = resourceIndex.get(resource);
      if (index === undefined) {
        index = resources.push(resource) - 1;
        resourceIndex.set(resource, index);
      }
      data.push(
        ctx.traceId,
        ctx.spanId,
        span.parentSpanContext?.spanId,
        span.name,
        span.kind,
        start[0],
        start[1],
        end[0],
        end[1],
        span.status.code,
        span.status.message,
        span.attributes,
        span.events,
        index,
        span.instrumentationScope.name,
        span.instrumentationScope.version,
      );
    }
  }
  return { traces: items.length, data, resources };
}

/**
 * Decodes a batch back into span records, exactly as `spanRecordFromReadableSpan` would have
 * made them from the spans: the same function builds both. Objects arrive with
 * `Object.prototype`; attributes are re-wrapped into null-prototype records there.
 */
export function decodeBatch(batch: EncodedBatch): DecodedTrace[] {
  const resources: Attributes[] = batch.resources.map((r) => convertAttributes(r));
  const d = batch.data;
  const out: DecodedTrace[] = [];
  let at = 0;
  for (let t = 0; t < batch.traces; t++) {
    const truncated = d[at++] === true;
    const count = d[at++] as number;
    const records: SpanRecord[] = [];
    for (let i = 0; i < count; i++, at += FIELDS) {
      records.push(
        spanRecordFromFields(
          {
            traceId: d[at] as string,
            spanId: d[at + 1] as string,
            parentSpanId: d[at + 2] as string | undefined,
            name: d[at + 3] as string,
            kind: d[at + 4] as number,
            startTime: [d[at + 5], d[at + 6]] as HrTime,
            endTime: [d[at + 7], d[at + 8]] as HrTime,
            statusCode: d[at + 9] as number,
            statusMessage: d[at + 10] as string | undefined,
            attributes: d[at + 11] as OtelAttributes,
            events: d[at + 12] as TimedEvent[],
            scopeName: d[at + 14] as string,
            scopeVersion: d[at + 15] as string | undefined,
          },
          resources[d[at + 13] as number]!,
        ),
      );
    }
    out.push({ records, truncated });
  }
  return out;
}
