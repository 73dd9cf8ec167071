import { fingerprint } from './span-disputes.js';
import type { Attributes, SpanEventRecord, SpanRecord } from './span-record.js';

/**
 * An event recorded as an OpenTelemetry log record (OTEP 4430: a Logs API record with an
 * `eventName`, correlated to the span that was active), normalized. Adapters (the SDK's log
 * records, OTLP logs in JSON or protobuf) produce these; {@link attachLogEvents} turns each into
 * an event of its span, so nothing after it knows whether an event came as a span event or a log
 * record.
 */
export interface LogEventRecord {
  /** 32 lowercase hex digits: the trace of the span that was active. */
  readonly traceId: string;
  /** 16 lowercase hex digits: the span that was active. */
  readonly spanId: string;
  /** The record's `eventName`: the event's name, as a span event would carry it. */
  readonly name: string;
  /** Nanoseconds since the Unix epoch, exact: the record's time (its observed time when unset). */
  readonly timeUnixNano: bigint;
  readonly attributes: Attributes;
}

/** What {@link attachLogEvents} gives back. */
export interface AttachedLogEvents {
  /** The spans, those with log events as new records with the events merged in. */
  readonly spans: SpanRecord[];
  /** Log events whose span is not among the spans, each once, in a stable order. */
  readonly unattached: LogEventRecord[];
}

/**
 * Turns log-record events into span events of the span they name (trace id and span id), before
 * the fold. A span's own events keep their order; its log events, sorted by time, then name, then
 * content (never arrival order: the records of one span may come in any order, in any number of
 * requests), are merged in by time, a span event first where times tie. The fold orders same-time
 * events itself, so where they stand here does not reach the bundle. The same log record given
 * twice is kept once (receiving is idempotent). Log events whose span is absent are returned
 * apart, in that order, never made into a span.
 *
 * @example
 * const { spans, unattached } = attachLogEvents(spanRecords, logEvents);
 */
export function attachLogEvents(
  spans: Iterable<SpanRecord>,
  logEvents: Iterable<LogEventRecord>,
): AttachedLogEvents {
  const bySpan = new Map<string, LogEventRecord[]>();
  const seen = new Set<string>();
  const fingerprints = new Map<LogEventRecord, string>();
  for (const e of logEvents) {
    const fp = fingerprint(e as unknown as SpanRecord);
    if (seen.has(fp)) continue;
    seen.add(fp);
    fingerprints.set(e, fp);
    const key = `${e.traceId}/${e.spanId}`;
    const list = bySpan.get(key);
    if (list === undefined) bySpan.set(key, [e]);
    else list.push(e);
  }
  const sortByTime = (logs: readonly LogEventRecord[]): LogEventRecord[] =>
    [...logs].sort(
      (a, b) =>
        compare(a.timeUnixNano, b.timeUnixNano) ||
        compare(a.name, b.name) ||
        compare(fingerprints.get(a)!, fingerprints.get(b)!),
    );
  const out: SpanRecord[] = [];
  const used = new Set<string>();
  for (const span of spans) {
    const key = `${span.traceId}/${span.spanId}`;
    const logs = bySpan.get(key);
    if (logs === undefined) {
      out.push(span);
      continue;
    }
    used.add(key);
    out.push({ ...span, events: mergeByTime(span.events, sortByTime(logs)) });
  }
  const unattached: LogEventRecord[] = [];
  for (const [key, logs] of [...bySpan.entries()].sort(([a], [b]) => compare(a, b)))
    if (!used.has(key)) unattached.push(...sortByTime(logs));
  return { spans: out, unattached };
}

function compare<T extends bigint | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mergeByTime(
  own: readonly SpanEventRecord[],
  sorted: readonly LogEventRecord[],
): SpanEventRecord[] {
  const merged: SpanEventRecord[] = [];
  let j = 0;
  for (const event of own) {
    if (event === undefined) continue; // a hole in a sparse array
    while (j < sorted.length && sorted[j]!.timeUnixNano < event.timeUnixNano) {
      merged.push(asSpanEvent(sorted[j++]!));
    }
    merged.push(event);
  }
  while (j < sorted.length) merged.push(asSpanEvent(sorted[j++]!));
  return merged;
}

function asSpanEvent(e: LogEventRecord): SpanEventRecord {
  return { name: e.name, timeUnixNano: e.timeUnixNano, attributes: e.attributes };
}
