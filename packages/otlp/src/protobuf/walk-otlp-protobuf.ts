import {
  type AttributeValue,
  type Attributes,
  type SpanEventRecord,
  type SpanRecord,
  type StatusCodeName,
} from '@llm-workbench/bundle';
import { Issues, within } from '../issues.js';
import {
  checkDepth,
  checkTime,
  EMPTY_ATTRIBUTES,
  isZeroId,
  resourceOf,
  SpanIssue,
  SPAN_KINDS,
  STATUS_CODES,
} from '../span-fields.js';
import { DEFAULT_MAX_VALUE_DEPTH, type DecodeOptions, WORKBENCH_EVENT_PREFIX } from '../types.js';
import type { LogEventVisitor, SpanVisitor } from '../visitor.js';
import { ProtoError, ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-reader.js';

type Range = readonly [start: number, end: number];

/** The outcome of a protobuf walk: whether it read the whole request, or why not. */
export type ProtobufWalkResult =
  | {
      readonly ok: true;
      /** Whether a string held bytes that are not UTF-8 (read as U+FFFD). */
      readonly replacedInvalidUtf8: boolean;
    }
  | {
      readonly ok: false;
      readonly issues: readonly [{ code: 'malformed_request'; path: ''; message: string }];
    };

/**
 * Walks an OTLP/protobuf `ExportTraceServiceRequest` (or `TracesData`: the same wire shape) and
 * tells `visitor` of each span: the one walker of protobuf traces, behind the decoder
 * (`SpanRecordVisitor`) and the receiver's door (`SpanIdsVisitor`). A hand-written wire-format
 * reader: times (fixed64) and int64 values exact, ids straight from bytes to lowercase hex, unknown
 * fields skipped, the deprecated `instrumentation_library_spans` (field 1000) read when
 * `scope_spans` is absent. Spans with bad ids or times, or values nested too deep, are refused one
 * by one; bytes that are not a protobuf message fail the request as a whole (and the visitor has
 * then seen part of it: drop it).
 *
 * @example
 * const visitor = new SpanIdsVisitor();
 * if (walkOtlpProtobufTraces(body, visitor).ok) console.log(visitor.ids.count);
 */
export function walkOtlpProtobufTraces(
  input: Uint8Array,
  visitor: SpanVisitor,
  options: DecodeOptions = {},
): ProtobufWalkResult {
  return walk(input, visitor, options, false);
}

/**
 * {@link walkOtlpProtobufTraces} for an OTLP/protobuf `ExportLogsServiceRequest` (or `LogsData`).
 *
 * @example
 * const visitor = new LogEventRecordVisitor();
 * walkOtlpProtobufLogs(body, visitor);
 */
export function walkOtlpProtobufLogs(
  input: Uint8Array,
  visitor: LogEventVisitor,
  options: DecodeOptions = {},
): ProtobufWalkResult {
  return walk(input, visitor, options, true);
}

/**
 * Walks a trace request, or with `logs` a logs request, turning a {@link ProtoError} (bytes that
 * are not the message) into the failure both signals answer; any other error is a bug and is
 * thrown.
 */
function walk(
  input: Uint8Array,
  visitor: SpanVisitor | LogEventVisitor,
  options: DecodeOptions,
  logs: boolean,
): ProtobufWalkResult {
  const buf = Buffer.isBuffer(input)
    ? input
    : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const reader = new ProtoReader(buf);
  try {
    const maxDepth = options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH;
    new ProtobufWalk(reader, visitor, maxDepth).request(buf.length, logs);
  } catch (err) {
    if (!(err instanceof ProtoError)) throw err;
    const message = `body is not an OTLP protobuf message: ${err.message}`;
    return { ok: false, issues: [{ code: 'malformed_request', path: '', message }] };
  }
  return { ok: true, replacedInvalidUtf8: reader.replacedInvalidUtf8 };
}

/** One walk over one request. */
class ProtobufWalk {
  private index = 0;
  private lastTraceIdStart = -1;
  private lastTraceId = '';
  /** Whether the visitor builds records; else values are checked and skipped. */
  private readonly build: boolean;

  constructor(
    private readonly r: ProtoReader,
    private readonly visitor: SpanVisitor | LogEventVisitor,
    private readonly maxDepth: number,
  ) {
    this.build = visitor.buildsRecords;
  }

  /** A request: its ResourceSpans, or with `logs` its ResourceLogs (field 1 both). */
  request(end: number, logs: boolean): void {
    const r = this.r;
    let i = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        const e = r.delimited(end);
        if (logs) this.resourceLogs(e, i++);
        else this.resourceSpans(e, i++);
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
  }

  /** The resource's attributes, or the issue every span or record of the resource then carries. */
  private resourceOf(range: Range | null): { attributes: Attributes; issue: SpanIssue | null } {
    if (range === null) return { attributes: EMPTY_ATTRIBUTES, issue: null };
    this.r.pos = range[0];
    return resourceOf(() => this.resource(range[1]));
  }

  private resourceLogs(end: number, i: number): void {
    const r = this.r;
    let resource: Range | null = null;
    const scopeLogs: Range[] = [];
    while (r.pos < end) {
      const tag = r.uint32();
      if ((tag & 7) === WIRE_LEN && (tag >>> 3 === 1 || tag >>> 3 === 2)) {
        const e = r.delimited(end);
        if (tag >>> 3 === 1) resource = [r.pos, e];
        else scopeLogs.push([r.pos, e]);
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
    // Read for its issues only: an event becomes part of a span, whose resource is its own.
    const issue = this.resourceOf(resource).issue;
    for (let j = 0; j < scopeLogs.length; j++) {
      const [start, e] = scopeLogs[j] as Range;
      r.pos = start;
      let k = 0;
      while (r.pos < e) {
        const tag = r.uint32();
        if (tag === ((2 << 3) | WIRE_LEN)) {
          const le = r.delimited(e);
          this.logRecord(le, issue, `resourceLogs[${i}].scopeLogs[${j}].logRecords[${k++}]`);
          r.pos = le;
        } else r.skip(tag & 7, e);
      }
    }
    r.pos = end;
  }

  private logRecord(end: number, resourceIssue: SpanIssue | null, path: string): void {
    const visitor = this.visitor as LogEventVisitor;
    const r = this.r;
    const buf = r.buf;
    const index = this.index++;
    let time = 0n;
    let observed = 0n;
    let name = '';
    let traceId: string | null = null;
    let traceIdLength = 0;
    let spanId: string | null = null;
    let spanIdLength = 0;
    const attrs: Range[] = [];
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === WIRE_I64 && field === 1) time = r.fixed64();
      else if (wire === WIRE_I64 && field === 11) observed = r.fixed64();
      else if (wire === WIRE_LEN) {
        const e = r.delimited(end);
        const s = r.pos;
        if (field === 12) name = s === e ? '' : r.text(s, e);
        else if (field === 9) {
          traceIdLength = e - s;
          traceId = traceIdLength === 16 ? buf.toString('hex', s, e) : null;
        } else if (field === 10) {
          spanIdLength = e - s;
          spanId = spanIdLength === 8 ? buf.toString('hex', s, e) : null;
        } else if (field === 6) attrs.push([s, e]);
        r.pos = e;
      } else r.skip(wire, end);
    }
    if (!name.startsWith(WORKBENCH_EVENT_PREFIX) || traceIdLength === 0 || spanIdLength === 0) {
      visitor.ignored();
      return;
    }
    const issues = new Issues(path, resourceIssue);
    checkIds(traceId, traceIdLength, spanId, spanIdLength, issues);
    const timeUnixNano = time === 0n ? observed : time;
    const ok = checkTime(timeUnixNano);
    if (typeof ok !== 'bigint') issues.fail(ok.code, 'timeUnixNano', ok.message);
    const attributes = this.build ? (Object.create(null) as Record<string, AttributeValue>) : null;
    try {
      for (const [s, e] of attrs) {
        r.pos = s;
        this.keyValue(e, attributes, 0, 'attributes');
      }
    } catch (err) {
      issues.caught(err);
    }
    r.pos = end;
    if (issues.list !== null) {
      visitor.rejected({ index, traceId, spanId, issues: issues.list });
      return;
    }
    visitor.event(
      traceId as string,
      spanId as string,
      attributes === null
        ? undefined
        : {
            traceId: traceId as string,
            spanId: spanId as string,
            name,
            timeUnixNano,
            attributes: Object.keys(attributes).length === 0 ? EMPTY_ATTRIBUTES : attributes,
          },
    );
  }

  private resourceSpans(end: number, i: number): void {
    const r = this.r;
    let resource: Range | null = null;
    const scopeSpans: Range[] = [];
    const legacy: Range[] = [];
    while (r.pos < end) {
      const tag = r.uint32();
      if ((tag & 7) === WIRE_LEN && (tag >>> 3 === 1 || tag >>> 3 === 2 || tag >>> 3 === 1000)) {
        const e = r.delimited(end);
        const range: Range = [r.pos, e];
        if (tag >>> 3 === 1) resource = range;
        else if (tag >>> 3 === 2) scopeSpans.push(range);
        else legacy.push(range);
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
    // Fields may come in any order: the resource is read before the spans that share it.
    const { attributes, issue } = this.resourceOf(resource);
    const field = scopeSpans.length > 0 ? 'scopeSpans' : 'instrumentationLibrarySpans';
    const list = scopeSpans.length > 0 ? scopeSpans : legacy;
    for (let j = 0; j < list.length; j++) {
      const range = list[j] as Range;
      r.pos = range[0];
      this.scopeSpans(range[1], attributes, issue, `resourceSpans[${i}].${field}[${j}]`);
    }
    r.pos = end;
  }

  private resource(end: number): Attributes {
    const r = this.r;
    let out: Record<string, AttributeValue> | null = null;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        if (this.build) out ??= Object.create(null) as Record<string, AttributeValue>;
        const e = r.delimited(end);
        this.keyValue(e, out, 0, 'resource.attributes');
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
    return out ?? EMPTY_ATTRIBUTES;
  }

  private scopeSpans(
    end: number,
    resource: Attributes,
    resourceIssue: SpanIssue | null,
    path: string,
  ): void {
    const r = this.r;
    let name = '';
    let version: string | undefined;
    // Start and end of each span, flat: a request holds thousands.
    const spans: number[] = [];
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        const e = r.delimited(end);
        while (r.pos < e) {
          const t = r.uint32();
          if (t === ((1 << 3) | WIRE_LEN)) name = r.string(e);
          else if (t === ((2 << 3) | WIRE_LEN)) {
            const v = r.string(e);
            version = v === '' ? undefined : v;
          } else r.skip(t & 7, e);
        }
      } else if (tag === ((2 << 3) | WIRE_LEN)) {
        const e = r.delimited(end);
        spans.push(r.pos, e);
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
    const scope = { name, version };
    for (let k = 0; k < spans.length; k += 2) {
      r.pos = spans[k] as number;
      this.span(spans[k + 1] as number, resource, resourceIssue, scope, path, k / 2);
    }
    r.pos = end;
  }

  private span(
    end: number,
    resource: Attributes,
    resourceIssue: SpanIssue | null,
    scope: SpanRecord['scope'],
    scopePath: string,
    k: number,
  ): void {
    const visitor = this.visitor as SpanVisitor;
    const build = this.build;
    const r = this.r;
    const buf = r.buf;
    const index = this.index++;
    const issues = new Issues(scopePath, resourceIssue, k);

    let traceId: string | null = null;
    let traceIdLength = 0;
    let spanId: string | null = null;
    let spanIdLength = 0;
    let parentStart = 0;
    let parentLength = 0;
    let name = '';
    let kind = 0;
    let start = 0n;
    let endTime = 0n;
    let attributes: Record<string, AttributeValue> | null = null;
    let events: SpanEventRecord[] | null = null;
    let eventCount = 0;
    let code: StatusCodeName = 'unset';
    let message: string | undefined;

    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === WIRE_LEN) {
        const e = r.delimited(end);
        const s = r.pos;
        switch (field) {
          case 1:
            traceIdLength = e - s;
            traceId = traceIdLength === 16 ? this.traceIdAt(s) : null;
            break;
          case 2:
            spanIdLength = e - s;
            spanId = spanIdLength === 8 ? buf.toString('hex', s, e) : null;
            break;
          case 4:
            parentLength = e - s;
            parentStart = s;
            break;
          case 5:
            if (build) name = s === e ? '' : r.text(s, e);
            break;
          case 9:
            if (build) attributes ??= Object.create(null) as Record<string, AttributeValue>;
            try {
              this.keyValue(e, attributes, 0, 'attributes');
            } catch (err) {
              issues.caught(err);
            }
            break;
          case 11:
            try {
              // Counts the events read so far, as the path of a bad one.
              const event = this.event(e, eventCount);
              eventCount++;
              if (event !== undefined) (events ??= []).push(event);
            } catch (err) {
              issues.caught(err);
            }
            break;
          case 15:
            // Walked whether or not records are built: a malformed status fails the request.
            while (r.pos < e) {
              const t = r.uint32();
              if (t === ((2 << 3) | WIRE_LEN)) {
                const m = r.string(e);
                message = m === '' ? undefined : m;
              } else if (t === ((3 << 3) | WIRE_VARINT)) code = STATUS_CODES[r.uint32()] ?? 'unset';
              else r.skip(t & 7, e);
            }
            break;
          default:
            break;
        }
        r.pos = e;
      } else if (wire === WIRE_I64 && (field === 7 || field === 8)) {
        // Without records to build a time is only checked: 1n stands for "not zero".
        const time = build ? r.fixed64() : r.fixed64IsZero() ? 0n : 1n;
        if (field === 7) start = time;
        else endTime = time;
      } else if (wire === WIRE_VARINT && field === 6) {
        kind = r.uint32();
      } else r.skip(wire, end);
    }

    checkIds(traceId, traceIdLength, spanId, spanIdLength, issues);
    if (parentLength !== 0 && parentLength !== 8)
      issues.fail(
        'invalid_parent_span_id',
        'parentSpanId',
        `parent span id has ${parentLength} bytes; 8 expected`,
      );
    // An all-zero parent is how some producers write "no parent". The last parent field written
    // counts, as it does for every field.
    const root = parentLength !== 8 || isZeroRange(buf, parentStart, parentStart + 8);
    const startOk = checkTime(start);
    if (typeof startOk !== 'bigint')
      issues.fail(startOk.code, 'startTimeUnixNano', startOk.message);
    const endOk = checkTime(endTime);
    if (typeof endOk !== 'bigint') issues.fail(endOk.code, 'endTimeUnixNano', endOk.message);

    if (issues.list !== null) {
      visitor.rejected({ index, traceId, spanId, issues: issues.list });
      return;
    }
    visitor.span(
      traceId as string,
      spanId as string,
      root,
      build
        ? {
            traceId: traceId as string,
            spanId: spanId as string,
            parentSpanId: root ? undefined : buf.toString('hex', parentStart, parentStart + 8),
            name,
            kind: SPAN_KINDS[kind] ?? 'unspecified',
            startTimeUnixNano: start,
            endTimeUnixNano: endTime,
            status: { code, message },
            attributes: attributes ?? EMPTY_ATTRIBUTES,
            events: events ?? [],
            resource,
            scope,
          }
        : undefined,
    );
  }

  /**
   * The trace id whose 16 bytes start at `start`, as lowercase hex. Spans of one trace mostly come
   * one after another: the same bytes as the last id read give the same string, not a new one.
   */
  private traceIdAt(start: number): string {
    const buf = this.r.buf;
    const last = this.lastTraceIdStart;
    if (last >= 0) {
      let i = 0;
      while (i < 16 && buf[start + i] === buf[last + i]) i++;
      if (i === 16) return this.lastTraceId;
    }
    this.lastTraceIdStart = start;
    return (this.lastTraceId = buf.toString('hex', start, start + 16));
  }

  /** An event, checked; its record when building records. */
  private event(end: number, i: number): SpanEventRecord | undefined {
    const r = this.r;
    let time = 0n;
    let name = '';
    let attributes: Record<string, AttributeValue> | null = null;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_I64))
        time = this.build ? r.fixed64() : r.fixed64IsZero() ? 0n : 1n;
      else if (tag === ((2 << 3) | WIRE_LEN)) {
        if (this.build) name = r.string(end);
        else r.pos = r.delimited(end);
      } else if (tag === ((3 << 3) | WIRE_LEN)) {
        if (this.build) attributes ??= Object.create(null) as Record<string, AttributeValue>;
        const e = r.delimited(end);
        try {
          this.keyValue(e, attributes, 0, '');
        } catch (err) {
          throw within(err, `events[${i}].attributes`);
        } finally {
          r.pos = e;
        }
      } else r.skip(tag & 7, end);
    }
    const ok = checkTime(time);
    if (typeof ok !== 'bigint')
      throw new SpanIssue(ok.code, `events[${i}].timeUnixNano`, ok.message);
    if (!this.build) return undefined;
    return { name, timeUnixNano: time, attributes: attributes ?? EMPTY_ATTRIBUTES };
  }

  /**
   * Reads one KeyValue message into `out` (later keys win, as in `attributesFrom`); with `out`
   * null, only checks it.
   */
  private keyValue(
    end: number,
    out: Record<string, AttributeValue> | null,
    depth: number,
    where: string,
  ): void {
    const r = this.r;
    let key = '';
    let value: AttributeValue = null;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        if (out !== null) key = r.string(end);
        else r.pos = r.delimited(end);
      } else if (tag === ((2 << 3) | WIRE_LEN)) {
        const e = r.delimited(end);
        value = this.anyValue(e, depth, where);
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
    if (out !== null) out[key] = value;
  }

  /** An AnyValue, checked; its value when building records, else null. */
  private anyValue(end: number, depth: number, where: string): AttributeValue {
    const r = this.r;
    const build = this.build;
    let value: AttributeValue = null;
    // A oneof: the last member on the wire wins, as protobuf parsers do.
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case (1 << 3) | WIRE_LEN:
          if (build) value = r.string(end);
          else r.pos = r.delimited(end);
          break;
        case (2 << 3) | WIRE_VARINT:
          value = r.uint32() !== 0;
          break;
        case (3 << 3) | WIRE_VARINT:
          if (build) value = r.int64();
          else r.skipVarint();
          break;
        case (4 << 3) | WIRE_I64:
          if (build) value = r.double();
          else r.skip64('double');
          break;
        case (5 << 3) | WIRE_LEN: {
          const e = r.delimited(end);
          checkDepth(depth + 1, this.maxDepth, where);
          const items: AttributeValue[] | null = build ? [] : null;
          while (r.pos < e) {
            const t = r.uint32();
            if (t === ((1 << 3) | WIRE_LEN)) {
              const ie = r.delimited(e);
              const item = this.anyValue(ie, depth + 1, where);
              if (items !== null) items.push(item);
              r.pos = ie;
            } else r.skip(t & 7, e);
          }
          value = items;
          break;
        }
        case (6 << 3) | WIRE_LEN: {
          const e = r.delimited(end);
          checkDepth(depth + 1, this.maxDepth, where);
          const kv = build ? (Object.create(null) as Record<string, AttributeValue>) : null;
          while (r.pos < e) {
            const t = r.uint32();
            if (t === ((1 << 3) | WIRE_LEN)) {
              const ie = r.delimited(e);
              this.keyValue(ie, kv, depth + 1, where);
              r.pos = ie;
            } else r.skip(t & 7, e);
          }
          value = kv === null ? null : { kvlist: kv };
          break;
        }
        case (7 << 3) | WIRE_LEN: {
          const e = r.delimited(end);
          // A copy, so the value does not pin the body.
          if (build) value = new Uint8Array(r.buf.subarray(r.pos, e));
          r.pos = e;
          break;
        }
        default:
          r.skip(tag & 7, end);
      }
    }
    return value;
  }
}

/** Whether the bytes from `start` to `end` are all zero. */
function isZeroRange(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Reports a trace or span id that is not of its length or is all zeros. */
function checkIds(
  traceId: string | null,
  traceIdLength: number,
  spanId: string | null,
  spanIdLength: number,
  issues: Issues,
): void {
  if (traceId === null || isZeroId(traceId))
    issues.fail(
      'invalid_trace_id',
      'traceId',
      `trace id has ${traceIdLength} bytes, or is all zeros; 16 bytes expected`,
    );
  if (spanId === null || isZeroId(spanId))
    issues.fail(
      'invalid_span_id',
      'spanId',
      `span id has ${spanIdLength} bytes, or is all zeros; 8 bytes expected`,
    );
}
