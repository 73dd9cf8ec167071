import {
  attributesFrom,
  type AttributeValue,
  type Attributes,
  type LogEventRecord,
  type RunSegment,
  type SpanRecord,
} from '@llm-workbench/bundle';

/**
 * What a held segment's file says: the segment as its run span describes it, when the receiver
 * first held it (wall clock, so that a run's age survives restarts), and every span and log event
 * of its trace, exact (64-bit times and integers as decimal text, bytes as base64, links kept).
 */
export interface SegmentFile {
  readonly segment: RunSegment;
  /** Milliseconds since the Unix epoch when this segment was first held. */
  readonly heldAt: number;
  /** The trace was folded early or lost spans: the run's bundle is folded as incomplete. */
  readonly truncated: boolean;
  readonly spans: readonly SpanRecord[];
  readonly logEvents: readonly LogEventRecord[];
}

const VERSION = 1;

/** Serializes a held segment as JSON text. */
export function encodeSegmentFile(file: SegmentFile): string {
  return JSON.stringify({
    v: VERSION,
    segment: file.segment,
    heldAt: file.heldAt,
    truncated: file.truncated,
    spans: file.spans.map(spanToJson),
    logEvents: file.logEvents.map((e) => ({
      traceId: e.traceId,
      spanId: e.spanId,
      name: e.name,
      time: e.timeUnixNano.toString(),
      attributes: attributesToJson(e.attributes),
    })),
  });
}

/** Reads a held segment's file back; throws with a reason when the text is not one. */
export function decodeSegmentFile(text: string): SegmentFile {
  const o = JSON.parse(text) as Record<string, unknown>;
  if (o.v !== VERSION) throw new Error(`unknown segment file version ${JSON.stringify(o.v)}`);
  const segment = o.segment as RunSegment;
  if (typeof segment?.runId !== 'string' || typeof segment.segment !== 'number')
    throw new Error('a segment file without its segment');
  return {
    segment,
    heldAt: Number(o.heldAt),
    truncated: o.truncated === true,
    spans: (o.spans as unknown[]).map(spanFromJson),
    logEvents: (o.logEvents as Array<Record<string, unknown>>).map((e) => ({
      traceId: String(e.traceId),
      spanId: String(e.spanId),
      name: String(e.name),
      timeUnixNano: BigInt(e.time as string),
      attributes: attributesFromJson(e.attributes),
    })),
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function spanToJson(s: SpanRecord): Json {
  const out: Record<string, Json> = {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    kind: s.kind,
    start: s.startTimeUnixNano.toString(),
    end: s.endTimeUnixNano.toString(),
    status:
      s.status.message === undefined
        ? { code: s.status.code }
        : { code: s.status.code, message: s.status.message },
    attributes: attributesToJson(s.attributes),
    events: s.events.map((e) => ({
      name: e.name,
      time: e.timeUnixNano.toString(),
      attributes: attributesToJson(e.attributes),
    })),
    resource: attributesToJson(s.resource),
    scope: s.scope.version === undefined ? { name: s.scope.name } : { ...s.scope },
  } as Record<string, Json>;
  if (s.parentSpanId !== undefined) out.parentSpanId = s.parentSpanId;
  if (s.links !== undefined)
    out.links = s.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      attributes: attributesToJson(l.attributes),
    }));
  return out;
}

function spanFromJson(value: unknown): SpanRecord {
  const o = value as Record<string, unknown>;
  const status = o.status as { code: SpanRecord['status']['code']; message?: string };
  const scope = o.scope as { name: string; version?: string };
  const span: SpanRecord = {
    traceId: String(o.traceId),
    spanId: String(o.spanId),
    ...(typeof o.parentSpanId === 'string' ? { parentSpanId: o.parentSpanId } : {}),
    name: String(o.name),
    kind: o.kind as SpanRecord['kind'],
    startTimeUnixNano: BigInt(o.start as string),
    endTimeUnixNano: BigInt(o.end as string),
    status:
      status.message === undefined
        ? { code: status.code }
        : { code: status.code, message: status.message },
    attributes: attributesFromJson(o.attributes),
    events: (o.events as Array<Record<string, unknown>>).map((e) => ({
      name: String(e.name),
      timeUnixNano: BigInt(e.time as string),
      attributes: attributesFromJson(e.attributes),
    })),
    resource: attributesFromJson(o.resource),
    scope:
      scope.version === undefined
        ? { name: scope.name }
        : { name: scope.name, version: scope.version },
    ...(Array.isArray(o.links)
      ? {
          links: (o.links as Array<Record<string, unknown>>).map((l) => ({
            traceId: String(l.traceId),
            spanId: String(l.spanId),
            attributes: attributesFromJson(l.attributes),
          })),
        }
      : {}),
  };
  return span;
}

/** Attributes as `[key, value]` pairs: keys such as `__proto__` stay data on the way back. */
function attributesToJson(attrs: Attributes): Json {
  return Object.keys(attrs).map((k) => [k, valueToJson(attrs[k] as AttributeValue)]);
}

function attributesFromJson(value: unknown): Attributes {
  return attributesFrom(
    (value as Array<[string, unknown]>).map(([k, v]) => [k, valueFromJson(v)] as const),
  );
}

/** One member, named by type: a value's type is never guessed from its JSON form. */
function valueToJson(v: AttributeValue): Json {
  if (v === null) return null;
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'number')
    // JSON has no NaN, Infinity or -0: those travel as text.
    return { n: Number.isFinite(v) && !Object.is(v, -0) ? v : String(Object.is(v, -0) ? '-0' : v) };
  if (typeof v === 'bigint') return { i: v.toString() };
  if (v instanceof Uint8Array) return { x: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { a: (v as readonly AttributeValue[]).map(valueToJson) };
  return { k: attributesToJson((v as { kvlist: Attributes }).kvlist) };
}

function valueFromJson(j: unknown): AttributeValue {
  if (j === null || typeof j !== 'object') return null;
  const o = j as Record<string, unknown>;
  if ('s' in o) return String(o.s);
  if ('b' in o) return o.b === true;
  if ('n' in o) return typeof o.n === 'number' ? o.n : Number(o.n);
  if ('i' in o) return BigInt(o.i as string);
  if ('x' in o) return new Uint8Array(Buffer.from(o.x as string, 'base64'));
  if ('a' in o) return (o.a as unknown[]).map(valueFromJson);
  if ('k' in o) return { kvlist: attributesFromJson(o.k) };
  return null;
}
