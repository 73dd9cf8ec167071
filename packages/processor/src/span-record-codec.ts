import {
  attributesFrom,
  type AttributeValue,
  type Attributes,
  type LogEventRecord,
  type SpanKindName,
  type SpanRecord,
  type StatusCodeName,
} from '@llm-workbench/bundle';

/**
 * JSON text for span records, exact: what the processor persists of a suspended segment so that a
 * later process folds the same bundle. Every attribute value keeps its type (integers beyond 2^53
 * as bigint text, bytes as base64, non-finite doubles by name, nested lists), times stay exact
 * nanoseconds as decimal text, and keys such as `__proto__` stay data.
 */

type Encoded =
  | { s: string }
  | { b: boolean }
  | { d: number | 'NaN' | 'Infinity' | '-Infinity' }
  | { i: string }
  | { y: string }
  | { a: Encoded[] }
  | { k: Array<[string, Encoded]> }
  | null;

function encodeValue(v: AttributeValue): Encoded {
  if (v === null) return null;
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'number') return { d: Number.isFinite(v) ? v : (String(v) as 'NaN') };
  if (typeof v === 'bigint') return { i: v.toString() };
  if (v instanceof Uint8Array) return { y: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { a: (v as readonly AttributeValue[]).map(encodeValue) };
  return { k: encodeAttributes((v as { kvlist: Attributes }).kvlist) };
}

function encodeAttributes(a: Attributes): Array<[string, Encoded]> {
  return Object.keys(a).map((k) => [k, encodeValue(a[k]!)]);
}

function decodeValue(e: unknown): AttributeValue {
  if (e === null) return null;
  const o = e as Record<string, unknown>;
  if (typeof o['s'] === 'string') return o['s'];
  if (typeof o['b'] === 'boolean') return o['b'];
  if ('d' in o) {
    const d = o['d'];
    if (typeof d === 'number') return d;
    if (d === 'NaN') return Number.NaN;
    if (d === 'Infinity') return Number.POSITIVE_INFINITY;
    if (d === '-Infinity') return Number.NEGATIVE_INFINITY;
  }
  if (typeof o['i'] === 'string') return BigInt(o['i']);
  if (typeof o['y'] === 'string') return new Uint8Array(Buffer.from(o['y'], 'base64'));
  if (Array.isArray(o['a'])) return o['a'].map(decodeValue);
  if (Array.isArray(o['k'])) return { kvlist: decodeAttributes(o['k']) };
  throw new Error('an attribute value of no known type');
}

function decodeAttributes(entries: unknown): Attributes {
  if (!Array.isArray(entries)) throw new Error('attributes are not a list');
  return attributesFrom(
    entries.map((entry) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new Error('bad attribute');
      return [entry[0], decodeValue(entry[1])] as const;
    }),
  );
}

/** What a persisted segment file holds. */
export interface PersistedSegment {
  /** Epoch milliseconds when it was persisted: the open run's age counts from its oldest segment. */
  persistedAt: number;
  /** The segment trace was folded before it was whole (idle timeout): so is the run's bundle. */
  truncated: boolean;
  spans: SpanRecord[];
  logEvents: LogEventRecord[];
}

/**
 * The JSON text of a persisted segment.
 *
 * @example
 * await writeFile(path, encodeSegment({ persistedAt: Date.now(), truncated: false, spans, logEvents: [] }));
 */
export function encodeSegment(p: PersistedSegment): string {
  return JSON.stringify({
    v: 1,
    persistedAt: p.persistedAt,
    truncated: p.truncated,
    spans: p.spans.map((s) => ({
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId ?? null,
      name: s.name,
      kind: s.kind,
      start: s.startTimeUnixNano.toString(),
      end: s.endTimeUnixNano.toString(),
      status: [s.status.code, s.status.message ?? null],
      attributes: encodeAttributes(s.attributes),
      events: s.events.map((e) => [
        e.name,
        e.timeUnixNano.toString(),
        encodeAttributes(e.attributes),
      ]),
      resource: encodeAttributes(s.resource),
      scope: [s.scope.name, s.scope.version ?? null],
      links: (s.links ?? []).map((l) => [l.traceId, l.spanId, encodeAttributes(l.attributes)]),
    })),
    logEvents: p.logEvents.map((l) => [
      l.traceId,
      l.spanId,
      l.name,
      l.timeUnixNano.toString(),
      encodeAttributes(l.attributes),
    ]),
  });
}

const str = (v: unknown): string => {
  if (typeof v !== 'string') throw new Error('a string member is not a string');
  return v;
};
const nanos = (v: unknown): bigint => {
  if (typeof v !== 'string' || !/^-?[0-9]+$/.test(v)) throw new Error('a time is not an integer');
  return BigInt(v);
};

/**
 * A persisted segment read back; throws an Error (with a reason) when the text is not one.
 *
 * @example
 * const { spans } = decodeSegment(await readFile(path, 'utf8'));
 */
export function decodeSegment(text: string): PersistedSegment {
  const o = JSON.parse(text) as Record<string, unknown>;
  if (o === null || typeof o !== 'object' || o['v'] !== 1) throw new Error('not a segment file');
  if (!Array.isArray(o['spans']) || !Array.isArray(o['logEvents'])) throw new Error('no spans');
  const spans = (o['spans'] as Array<Record<string, unknown>>).map((s): SpanRecord => {
    const status = s['status'] as [unknown, unknown];
    const scope = s['scope'] as [unknown, unknown];
    const links = s['links'] as Array<[unknown, unknown, unknown]>;
    const record: SpanRecord = {
      traceId: str(s['traceId']),
      spanId: str(s['spanId']),
      parentSpanId: s['parentSpanId'] === null ? undefined : str(s['parentSpanId']),
      name: str(s['name']),
      kind: str(s['kind']) as SpanKindName,
      startTimeUnixNano: nanos(s['start']),
      endTimeUnixNano: nanos(s['end']),
      status: {
        code: str(status[0]) as StatusCodeName,
        message: status[1] === null ? undefined : str(status[1]),
      },
      attributes: decodeAttributes(s['attributes']),
      events: (s['events'] as Array<[unknown, unknown, unknown]>).map(([name, time, attrs]) => ({
        name: str(name),
        timeUnixNano: nanos(time),
        attributes: decodeAttributes(attrs),
      })),
      resource: decodeAttributes(s['resource']),
      scope: { name: str(scope[0]), version: scope[1] === null ? undefined : str(scope[1]) },
    };
    if (!Array.isArray(links) || links.length === 0) return record;
    return {
      ...record,
      links: links.map(([traceId, spanId, attrs]) => ({
        traceId: str(traceId),
        spanId: str(spanId),
        attributes: decodeAttributes(attrs),
      })),
    };
  });
  const logEvents = (o['logEvents'] as Array<[unknown, unknown, unknown, unknown, unknown]>).map(
    ([traceId, spanId, name, time, attrs]): LogEventRecord => ({
      traceId: str(traceId),
      spanId: str(spanId),
      name: str(name),
      timeUnixNano: nanos(time),
      attributes: decodeAttributes(attrs),
    }),
  );
  const persistedAt = typeof o['persistedAt'] === 'number' ? o['persistedAt'] : 0;
  return { persistedAt, truncated: o['truncated'] === true, spans, logEvents };
}
