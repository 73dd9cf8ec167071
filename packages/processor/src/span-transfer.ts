import type { Attributes as OtelAttributes, HrTime } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from './sdk-types.js';
import type { Attributes, DroppedSpans, LogEventRecord, SpanRecord } from '@llm-workbench/bundle';
import {
  convertAttributes,
  logEventRecord,
  spanRecordFromFields,
} from './span-record-from-readable-span.js';

/**
 * Finished traces as plain data for the worker thread, in one flat array: per trace its
 * `truncated` flag, the count and cap of its spans dropped at the cap (0 and 0 for none) and its
 * span count; per span its fields and event count; per event its name, time
 * and attributes; then the count of its stray log events, and per one its span id, name, time and
 * attributes. Structured clone keeps every attribute value exact (NaN, -0, large integers as
 * doubles); attribute records are the span's own, not copies, so the work on the application's
 * thread is mostly the clone itself. Flat, because the clone writes every object's keys again:
 * events as objects cost 40% more to send. Resources are sent once per batch.
 */
export interface EncodedBatch {
  readonly traces: number;
  readonly data: unknown[];
  readonly resources: OtelAttributes[];
}

/** An event that came as a log record for a span that never ended here. */
export interface StrayLogEvent {
  readonly traceId: string;
  readonly spanId: string;
  readonly event: TimedEvent;
}

/**
 * A trace handed to the pipeline: its SDK spans, whether it was folded early, and its log-record
 * events whose span never ended (folded as the `logEvents` the fold flags, as every door does).
 */
export interface TraceItem {
  readonly spans: readonly ReadableSpan[];
  readonly truncated: boolean;
  readonly strayLogs?: readonly StrayLogEvent[] | undefined;
  /** Spans dropped at `maxSpansPerTrace`, when some were. */
  readonly droppedSpans?: DroppedSpans | undefined;
}

/** A decoded trace, ready for the fold. */
export interface DecodedTrace {
  readonly records: SpanRecord[];
  readonly truncated: boolean;
  readonly droppedSpans: DroppedSpans | undefined;
  readonly logEvents: LogEventRecord[];
}

/** Encodes finished traces for postMessage. */
export function encodeBatch(items: readonly TraceItem[]): EncodedBatch {
  const data: unknown[] = [];
  const resources: OtelAttributes[] = [];
  const resourceIndex = new Map<OtelAttributes, number>();
  for (const item of items) {
    data.push(
      item.truncated,
      item.droppedSpans?.count ?? 0,
      item.droppedSpans?.limit ?? 0,
      item.spans.length,
    );
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
        index,
        span.instrumentationScope.name,
        span.instrumentationScope.version,
        span.events.length,
      );
      for (const event of span.events) {
        data.push(event.name, event.time[0], event.time[1], event.attributes);
      }
    }
    const strayLogs = item.strayLogs ?? [];
    data.push(strayLogs.length);
    for (const { traceId, spanId, event } of strayLogs) {
      data.push(traceId, spanId, event.name, event.time[0], event.time[1], event.attributes);
    }
  }
  return { traces: items.length, data, resources };
}

/**
 * Decodes a batch back into span records, trace by trace (so each trace's records can be
 * collected once it is folded), exactly as `spanRecordFromReadableSpan` would have made them
 * from the spans: the same function builds both. Objects arrive with `Object.prototype`;
 * attributes are re-wrapped into null-prototype records there.
 */
export function* decodeBatch(batch: EncodedBatch): Generator<DecodedTrace> {
  const resources: Attributes[] = batch.resources.map((r) => convertAttributes(r));
  const d = batch.data;
  let at = 0;
  for (let t = 0; t < batch.traces; t++) {
    const truncated = d[at++] === true;
    const droppedCount = d[at++] as number;
    const droppedLimit = d[at++] as number;
    const droppedSpans =
      droppedCount > 0 ? { count: droppedCount, limit: droppedLimit } : undefined;
    const count = d[at++] as number;
    const records: SpanRecord[] = [];
    for (let i = 0; i < count; i++) {
      const fields = at;
      const eventCount = d[at + 15] as number;
      at += 16;
      const events: TimedEvent[] = [];
      for (let e = 0; e < eventCount; e++, at += 4) {
        const attributes = d[at + 3] as OtelAttributes | undefined;
        const time: HrTime = [d[at + 1] as number, d[at + 2] as number];
        events.push(
          attributes === undefined
            ? { name: d[at] as string, time }
            : { name: d[at] as string, time, attributes },
        );
      }
      records.push(
        spanRecordFromFields(
          {
            traceId: d[fields] as string,
            spanId: d[fields + 1] as string,
            parentSpanId: d[fields + 2] as string | undefined,
            name: d[fields + 3] as string,
            kind: d[fields + 4] as number,
            startTime: [d[fields + 5], d[fields + 6]] as HrTime,
            endTime: [d[fields + 7], d[fields + 8]] as HrTime,
            statusCode: d[fields + 9] as number,
            statusMessage: d[fields + 10] as string | undefined,
            attributes: d[fields + 11] as OtelAttributes,
            events,
            scopeName: d[fields + 13] as string,
            scopeVersion: d[fields + 14] as string | undefined,
          },
          resources[d[fields + 12] as number]!,
        ),
      );
    }
    const logCount = d[at++] as number;
    const logEvents: LogEventRecord[] = [];
    for (let l = 0; l < logCount; l++, at += 6) {
      const attributes = d[at + 5] as OtelAttributes | undefined;
      const time: HrTime = [d[at + 3] as number, d[at + 4] as number];
      const event: TimedEvent =
        attributes === undefined
          ? { name: d[at + 2] as string, time }
          : { name: d[at + 2] as string, time, attributes };
      logEvents.push(logEventRecord(d[at] as string, d[at + 1] as string, event));
    }
    yield { records, truncated, droppedSpans, logEvents };
  }
}
