import { createHash } from 'node:crypto';
import { runSegmentOf, type RunSegment } from './run-segments.js';
import type { DroppedSpans } from './fold.js';
import type { LogEventRecord } from './log-event-record.js';
import {
  attributesFrom,
  type AttributeValue,
  type Attributes,
  type SpanKindName,
  type SpanRecord,
  type StatusCodeName,
} from './span-record.js';

/**
 * One held segment of an open run, as the processor's open runs and the receiver's run assembler
 * keep it on disk until the run is whole: the segment as its run span describes it, when it was
 * first held (wall clock, so that a run's age survives restarts), and every span and log event of
 * its trace, exact (64-bit times and integers as decimal text, bytes as base64, links kept).
 */
export interface SegmentFile {
  readonly segment: RunSegment;
  /** Milliseconds since the Unix epoch when this segment was first held. */
  readonly heldAt: number;
  /** The trace was folded before it was whole (or lost spans): the run's bundle is incomplete. */
  readonly truncated: boolean;
  /** Spans of the trace dropped at a span cap; absent when none were. */
  readonly droppedSpans?: DroppedSpans | undefined;
  readonly spans: readonly SpanRecord[];
  readonly logEvents: readonly LogEventRecord[];
}

/**
 * The version written. Version 1 had two layouts, one per door (named members from the receiver,
 * tuples from the processor); both still load.
 */
export const SEGMENT_FILE_VERSION = 2;

/**
 * The name of an open run's folder: the sha256 of its run id, so any id is one safe path component.
 *
 * @example
 * join(openRunsDir, openRunKey('run-42')); // …/<64 hex digits>
 */
export function openRunKey(runId: string): string {
  return createHash('sha256').update(runId, 'utf8').digest('hex');
}

/** Whether a folder name is an {@link openRunKey}. */
export const OPEN_RUN_KEY = /^[0-9a-f]{64}$/;

/**
 * The file name of a held segment in its run's folder: its number and trace id, so that the same
 * number twice (a resume token used twice) is two files.
 *
 * @example
 * segmentFileName(segment); // 'segment-2-4bf92f3577b34da6a3ce929d0e0e4736.json'
 */
export function segmentFileName(segment: Pick<RunSegment, 'segment' | 'traceId'>): string {
  return `segment-${segment.segment}-${segment.traceId}.json`;
}

/** Whether a file name is a {@link segmentFileName}. */
export const SEGMENT_FILE_NAME = /^segment-[0-9]{1,15}-[0-9a-f]{32}\.json$/;

/**
 * A held segment as JSON text (the current version): named members, attribute values tagged with
 * their type (`s` text, `b` boolean, `n` double, with NaN, ±Infinity and -0 as text, `i` integer as
 * decimal text, `x` bytes as base64, `a` list, `k` key-value list), attributes as `[key, value]`
 * pairs so that keys such as `__proto__` stay data.
 *
 * @example
 * await writeFile(path, encodeSegmentFile({ segment, heldAt: Date.now(), truncated: false, spans, logEvents: [] }));
 */
export function encodeSegmentFile(file: SegmentFile): string {
  return JSON.stringify({
    v: SEGMENT_FILE_VERSION,
    segment: file.segment,
    heldAt: file.heldAt,
    truncated: file.truncated,
    // Written only when spans were dropped: other files keep their bytes.
    ...(file.droppedSpans !== undefined && file.droppedSpans.count > 0
      ? { droppedSpans: { count: file.droppedSpans.count, limit: file.droppedSpans.limit } }
      : {}),
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

/**
 * A held segment's file read back, of any version written; throws an Error with a reason when the
 * text is not one.
 *
 * @example
 * const { segment, spans, logEvents } = decodeSegmentFile(await readFile(path, 'utf8'));
 */
export function decodeSegmentFile(text: string): SegmentFile {
  const o = JSON.parse(text) as unknown;
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new Error('not a segment file');
  const file = o as Record<string, unknown>;
  const v = file['v'];
  if (v !== 1 && v !== SEGMENT_FILE_VERSION)
    throw new Error(`unknown segment file version ${JSON.stringify(v)}`);
  if (!Array.isArray(file['spans']) || !Array.isArray(file['logEvents']))
    throw new Error('a segment file without its spans');
  // Version 1 as the processor wrote it: no segment member (read from the spans), tuples.
  const tuples = v === 1 && !('segment' in file);
  const spans = file['spans'].map(tuples ? spanFromTuples : spanFromJson);
  const logEvents = file['logEvents'].map(tuples ? logEventFromTuple : logEventFromJson);
  const segment = tuples ? runSegmentOf(spans) : segmentFromJson(file['segment']);
  if (segment === null) throw new Error('a segment file without its segment');
  const heldAt = tuples ? file['persistedAt'] : file['heldAt'];
  return {
    segment,
    heldAt: typeof heldAt === 'number' && Number.isFinite(heldAt) ? heldAt : 0,
    truncated: file['truncated'] === true,
    droppedSpans: droppedSpansFromJson(file['droppedSpans']),
    spans,
    logEvents,
  };
}

/** A segment file's `droppedSpans`: absent, or a count and a cap, each a whole number. */
function droppedSpansFromJson(value: unknown): DroppedSpans | undefined {
  if (value === undefined) return undefined;
  const o = value as Record<string, unknown> | null;
  const count = o?.['count'];
  const limit = o?.['limit'];
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(limit) || (count as number) < 0)
    throw new Error('a segment file whose droppedSpans is not a count and a cap');
  return { count: count as number, limit: limit as number };
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
    scope:
      s.scope.version === undefined
        ? { name: s.scope.name }
        : { name: s.scope.name, version: s.scope.version },
  };
  if (s.parentSpanId !== undefined) out['parentSpanId'] = s.parentSpanId;
  if (s.links !== undefined)
    out['links'] = s.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      attributes: attributesToJson(l.attributes),
    }));
  return out;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}

function str(value: unknown): string {
  if (typeof value !== 'string') throw new Error('a string member is not a string');
  return value;
}

function optionalStr(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : str(value);
}

function nanos(value: unknown): bigint {
  if (typeof value !== 'string' || !/^-?[0-9]+$/.test(value))
    throw new Error('a time is not an integer');
  return BigInt(value);
}

function segmentFromJson(value: unknown): RunSegment {
  const s = record(value, 'the segment');
  if (typeof s['runId'] !== 'string' || typeof s['segment'] !== 'number')
    throw new Error('a segment file without its segment');
  const previous = s['previous'] === null ? null : record(s['previous'], 'the previous segment');
  const state = s['state'];
  return {
    runId: s['runId'],
    segment: s['segment'],
    state: state === 'suspended' || state === 'ended' ? state : null,
    traceId: str(s['traceId']),
    runSpanId: str(s['runSpanId']),
    previous:
      previous === null
        ? null
        : { traceId: str(previous['traceId']), spanId: str(previous['spanId']) },
  };
}

function spanFromJson(value: unknown): SpanRecord {
  const o = record(value, 'a span');
  const status = record(o['status'], 'a status');
  const scope = record(o['scope'], 'a scope');
  return spanOf(
    o,
    [status['code'], status['message']],
    [scope['name'], scope['version']],
    list(o['events'], 'events').map((value) => {
      const e = record(value, 'an event');
      return {
        name: str(e['name']),
        timeUnixNano: nanos(e['time']),
        attributes: attributesFromJson(e['attributes']),
      };
    }),
    o['links'] === undefined
      ? undefined
      : list(o['links'], 'links').map((value) => {
          const l = record(value, 'a link');
          return {
            traceId: str(l['traceId']),
            spanId: str(l['spanId']),
            attributes: attributesFromJson(l['attributes']),
          };
        }),
  );
}

/**
 * A span from the members both layouts write alike, with its status and scope as `[code,
 * message]` and `[name, version]`, its events, and its links (none when undefined).
 */
function spanOf(
  s: Record<string, unknown>,
  status: readonly [code: unknown, message: unknown],
  scope: readonly [name: unknown, version: unknown],
  events: SpanRecord['events'],
  links: SpanRecord['links'],
): SpanRecord {
  const message = optionalStr(status[1]);
  const version = optionalStr(scope[1]);
  const parentSpanId = optionalStr(s['parentSpanId']);
  const span: SpanRecord = {
    traceId: str(s['traceId']),
    spanId: str(s['spanId']),
    ...(parentSpanId === undefined ? {} : { parentSpanId }),
    name: str(s['name']),
    kind: str(s['kind']) as SpanKindName,
    startTimeUnixNano: nanos(s['start']),
    endTimeUnixNano: nanos(s['end']),
    status:
      message === undefined
        ? { code: str(status[0]) as StatusCodeName }
        : { code: str(status[0]) as StatusCodeName, message },
    attributes: attributesFromJson(s['attributes']),
    events,
    resource: attributesFromJson(s['resource']),
    scope: version === undefined ? { name: str(scope[0]) } : { name: str(scope[0]), version },
  };
  return links === undefined ? span : { ...span, links };
}

function logEventFromJson(value: unknown): LogEventRecord {
  const e = record(value, 'a log event');
  return {
    traceId: str(e['traceId']),
    spanId: str(e['spanId']),
    name: str(e['name']),
    timeUnixNano: nanos(e['time']),
    attributes: attributesFromJson(e['attributes']),
  };
}

/** A span as version 1 of the processor wrote it: status, scope, events and links as tuples. */
function spanFromTuples(value: unknown): SpanRecord {
  const s = record(value, 'a span');
  const status = list(s['status'], 'a status');
  const scope = list(s['scope'], 'a scope');
  const links = list(s['links'] ?? [], 'links');
  return spanOf(
    s,
    [status[0], status[1]],
    [scope[0], scope[1]],
    list(s['events'], 'events').map((value) => {
      const [name, time, attrs] = list(value, 'an event');
      return {
        name: str(name),
        timeUnixNano: nanos(time),
        attributes: attributesFromJson(attrs),
      };
    }),
    // That layout wrote no links as an empty list: read back as none, as they were given.
    links.length === 0
      ? undefined
      : links.map((value) => {
          const [traceId, spanId, attrs] = list(value, 'a link');
          return {
            traceId: str(traceId),
            spanId: str(spanId),
            attributes: attributesFromJson(attrs),
          };
        }),
  );
}

function logEventFromTuple(value: unknown): LogEventRecord {
  const [traceId, spanId, name, time, attrs] = list(value, 'a log event');
  return {
    traceId: str(traceId),
    spanId: str(spanId),
    name: str(name),
    timeUnixNano: nanos(time),
    attributes: attributesFromJson(attrs),
  };
}

/** Attributes as `[key, value]` pairs: keys such as `__proto__` stay data on the way back. */
function attributesToJson(attrs: Attributes): Json {
  return Object.keys(attrs).map((k) => [k, valueToJson(attrs[k] as AttributeValue)]);
}

function attributesFromJson(value: unknown): Attributes {
  return attributesFrom(
    list(value, 'attributes').map((entry) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string')
        throw new Error('an attribute is not a [key, value] pair');
      return [entry[0], valueFromJson(entry[1])] as const;
    }),
  );
}

/** One member, named by type: a value's type is never guessed from its JSON form. */
function valueToJson(v: AttributeValue): Json {
  if (v === null) return null;
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'number')
    // JSON has no NaN, Infinity or -0: those travel as text.
    return { n: Object.is(v, -0) ? '-0' : Number.isFinite(v) ? v : String(v) };
  if (typeof v === 'bigint') return { i: v.toString() };
  if (v instanceof Uint8Array) return { x: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { a: (v as readonly AttributeValue[]).map(valueToJson) };
  return { k: attributesToJson((v as { kvlist: Attributes }).kvlist) };
}

const NUMBER_TEXT: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0,
};

/** Reads the current tags and version 1's of the processor (`d` for a double, `y` for bytes). */
function valueFromJson(j: unknown): AttributeValue {
  if (j === null) return null;
  const o = record(j, 'an attribute value');
  if (typeof o['s'] === 'string') return o['s'];
  if (typeof o['b'] === 'boolean') return o['b'];
  const n = 'n' in o ? o['n'] : o['d'];
  if (typeof n === 'number') return n;
  if (typeof n === 'string' && Object.hasOwn(NUMBER_TEXT, n)) return NUMBER_TEXT[n]!;
  if (typeof o['i'] === 'string' && /^-?[0-9]+$/.test(o['i'])) return BigInt(o['i']);
  const bytes = o['x'] ?? o['y'];
  if (typeof bytes === 'string') return new Uint8Array(Buffer.from(bytes, 'base64'));
  if (Array.isArray(o['a'])) return o['a'].map(valueFromJson);
  if (Array.isArray(o['k'])) return { kvlist: attributesFromJson(o['k']) };
  throw new Error('an attribute value of no known type');
}
