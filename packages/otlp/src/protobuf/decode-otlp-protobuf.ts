import {
  attributesFrom,
  type AttributeValue,
  type Attributes,
  type LogEventRecord,
  type SpanEventRecord,
  type SpanRecord,
  type StatusCodeName,
} from '@llm-workbench/bundle';
import { checkTime, isZeroId, SpanIssue, SPAN_KINDS, STATUS_CODES } from '../span-fields.js';
import {
  DEFAULT_MAX_VALUE_DEPTH,
  type DecodeIssue,
  type DecodeOptions,
  type DecodeLogsResult,
  type DecodeResult,
  type RejectedSpan,
  WORKBENCH_EVENT_PREFIX,
} from '../types.js';
import { ProtoError, ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-reader.js';

const EMPTY_ATTRIBUTES: Attributes = attributesFrom([]);

type Range = readonly [start: number, end: number];

/**
 * Decodes an OTLP/protobuf `ExportTraceServiceRequest` (or `TracesData`: the same wire shape)
 * into span records, with a hand-written wire-format reader: times (fixed64) and int64 attribute
 * values are read exactly, ids go straight from bytes to lowercase hex, unknown fields are skipped,
 * and the deprecated `instrumentation_library_spans` (field 1000) is read when `scope_spans` is
 * absent.
 *
 * Spans with bad ids or times, or values nested too deep, are rejected one by one with reasons;
 * bytes that are not a protobuf message fail the request as a whole.
 *
 * @example
 * const result = decodeOtlpProtobuf(new Uint8Array(body));
 * if (!result.ok) console.error(result.issues[0].message);
 */
export function decodeOtlpProtobuf(input: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const { ctx, reader, failure } = walk(input, options, (c, length) => c.request(length));
  if (failure !== null) return failure;
  return {
    ok: true,
    spans: ctx.spans,
    rejected: ctx.rejected,
    ...(reader.replacedInvalidUtf8 ? { replacedInvalidUtf8: true as const } : {}),
  };
}

/**
 * Decodes an OTLP/protobuf `ExportLogsServiceRequest` (or `LogsData`) into the workbench events
 * it holds as log records (OTEP 4430), as {@link decodeOtlpJsonLogs} does for JSON: a record with
 * an `event_name` starting with `workbench.` and a trace and span id becomes an event of that
 * span at its `time_unix_nano` (its `observed_time_unix_nano` when unset); the body is not read;
 * other records are counted as ignored.
 *
 * @example
 * const result = decodeOtlpProtobufLogs(new Uint8Array(body));
 * if (result.ok) console.log(result.events.length, 'events');
 */
export function decodeOtlpProtobufLogs(
  input: Uint8Array,
  options: DecodeOptions = {},
): DecodeLogsResult {
  const { ctx, reader, failure } = walk(input, options, (c, length) => c.logsRequest(length));
  if (failure !== null) return failure;
  return {
    ok: true,
    events: ctx.logEvents,
    rejected: ctx.rejected,
    ignored: ctx.ignoredLogs,
    ...(reader.replacedInvalidUtf8 ? { replacedInvalidUtf8: true as const } : {}),
  };
}

/**
 * Walks a request with `read`, turning a {@link ProtoError} (bytes that are not the message) into
 * the failure both decoders answer; any other error is a bug and is thrown.
 */
function walk(
  input: Uint8Array,
  options: DecodeOptions,
  read: (ctx: Context, length: number) => void,
): {
  ctx: Context;
  reader: ProtoReader;
  failure: { ok: false; issues: [{ code: 'malformed_request'; path: ''; message: string }] } | null;
} {
  const buf = Buffer.isBuffer(input)
    ? input
    : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const reader = new ProtoReader(buf);
  const ctx = new Context(reader, options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH);
  try {
    read(ctx, buf.length);
  } catch (err) {
    if (!(err instanceof ProtoError)) throw err;
    const message = `body is not an OTLP protobuf message: ${err.message}`;
    return {
      ctx,
      reader,
      failure: { ok: false, issues: [{ code: 'malformed_request', path: '', message }] },
    };
  }
  return { ctx, reader, failure: null };
}

class Context {
  readonly spans: SpanRecord[] = [];
  readonly logEvents: LogEventRecord[] = [];
  ignoredLogs = 0;
  readonly rejected: RejectedSpan[] = [];
  private index = 0;

  constructor(
    private readonly r: ProtoReader,
    private readonly maxDepth: number,
  ) {}

  request(end: number): void {
    const r = this.r;
    let i = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        const e = r.delimited(end);
        this.resourceSpans(e, i++);
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
  }

  logsRequest(end: number): void {
    const r = this.r;
    let i = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        const e = r.delimited(end);
        this.resourceLogs(e, i++);
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
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
    let issue: SpanIssue | null = null;
    if (resource !== null) {
      r.pos = resource[0];
      try {
        // Read for its issues only: an event becomes part of a span, whose resource is its own.
        this.resource(resource[1]);
      } catch (err) {
        if (!(err instanceof SpanIssue)) throw err;
        issue = err;
      }
    }
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
    let attrs: Range[] = [];
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
      this.ignoredLogs++;
      return;
    }
    const issues: DecodeIssue[] = [];
    const fail = (code: DecodeIssue['code'], where: string, message: string): void => {
      issues.push({ code, path: `${path}.${where}`, message });
    };
    if (resourceIssue !== null)
      fail(resourceIssue.code, resourceIssue.where, resourceIssue.message);
    checkIds(traceId, traceIdLength, spanId, spanIdLength, fail);
    const ok = checkTime(time === 0n ? observed : time);
    if (typeof ok !== 'bigint') fail(ok.code, 'timeUnixNano', ok.message);
    const attributes = Object.create(null) as Record<string, AttributeValue>;
    try {
      for (const [s, e] of attrs) {
        r.pos = s;
        this.keyValue(e, attributes, 0, 'attributes');
      }
    } catch (err) {
      if (!(err instanceof SpanIssue)) throw err;
      fail(err.code, err.where, err.message);
    }
    attrs = [];
    r.pos = end;
    if (issues.length > 0) {
      this.rejected.push({ index, traceId, spanId, issues });
      return;
    }
    this.logEvents.push({
      traceId: traceId as string,
      spanId: spanId as string,
      name,
      timeUnixNano: time === 0n ? observed : time,
      attributes: Object.keys(attributes).length === 0 ? EMPTY_ATTRIBUTES : attributes,
    });
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
    let attrs = EMPTY_ATTRIBUTES;
    let issue: SpanIssue | null = null;
    if (resource !== null) {
      r.pos = resource[0];
      try {
        attrs = this.resource(resource[1]);
      } catch (err) {
        if (!(err instanceof SpanIssue)) throw err;
        issue = err;
      }
    }
    const field = scopeSpans.length > 0 ? 'scopeSpans' : 'instrumentationLibrarySpans';
    const list = scopeSpans.length > 0 ? scopeSpans : legacy;
    for (let j = 0; j < list.length; j++) {
      const range = list[j] as Range;
      r.pos = range[0];
      this.scopeSpans(range[1], attrs, issue, `resourceSpans[${i}].${field}[${j}]`);
    }
    r.pos = end;
  }

  private resource(end: number): Attributes {
    const r = this.r;
    let out: Record<string, AttributeValue> | null = null;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        out ??= Object.create(null) as Record<string, AttributeValue>;
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
    const spans: Range[] = [];
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
        spans.push([r.pos, e]);
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
    const scope = { name, version };
    for (let k = 0; k < spans.length; k++) {
      const range = spans[k] as Range;
      r.pos = range[0];
      this.span(range[1], resource, resourceIssue, scope, `${path}.spans[${k}]`);
    }
    r.pos = end;
  }

  private span(
    end: number,
    resource: Attributes,
    resourceIssue: SpanIssue | null,
    scope: SpanRecord['scope'],
    path: string,
  ): void {
    const r = this.r;
    const buf = r.buf;
    const index = this.index++;
    const issues: DecodeIssue[] = [];
    const fail = (code: DecodeIssue['code'], where: string, message: string): void => {
      issues.push({ code, path: `${path}.${where}`, message });
    };
    if (resourceIssue !== null)
      fail(resourceIssue.code, resourceIssue.where, resourceIssue.message);

    let traceId: string | null = null;
    let traceIdLength = 0;
    let spanId: string | null = null;
    let spanIdLength = 0;
    let parentSpanId: string | undefined;
    let parentLength = 0;
    let name = '';
    let kind = 0;
    let start = 0n;
    let endTime = 0n;
    let attributes: Record<string, AttributeValue> | null = null;
    let events: SpanEventRecord[] | null = null;
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
            traceId = traceIdLength === 16 ? buf.toString('hex', s, e) : null;
            break;
          case 2:
            spanIdLength = e - s;
            spanId = spanIdLength === 8 ? buf.toString('hex', s, e) : null;
            break;
          case 4:
            parentLength = e - s;
            parentSpanId = parentLength === 8 ? buf.toString('hex', s, e) : undefined;
            break;
          case 5:
            name = s === e ? '' : r.text(s, e);
            break;
          case 9:
            attributes ??= Object.create(null) as Record<string, AttributeValue>;
            try {
              this.keyValue(e, attributes, 0, 'attributes');
            } catch (err) {
              if (!(err instanceof SpanIssue)) throw err;
              fail(err.code, err.where, err.message);
            }
            break;
          case 11:
            try {
              (events ??= []).push(this.event(e, events.length));
            } catch (err) {
              if (!(err instanceof SpanIssue)) throw err;
              fail(err.code, err.where, err.message);
            }
            break;
          case 15:
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
        if (field === 7) start = r.fixed64();
        else endTime = r.fixed64();
      } else if (wire === WIRE_VARINT && field === 6) {
        kind = r.uint32();
      } else r.skip(wire, end);
    }

    checkIds(traceId, traceIdLength, spanId, spanIdLength, fail);
    if (parentLength !== 0 && parentLength !== 8)
      fail(
        'invalid_parent_span_id',
        'parentSpanId',
        `parent span id has ${parentLength} bytes; 8 expected`,
      );
    // An all-zero parent is how some producers write "no parent".
    if (parentSpanId !== undefined && isZeroId(parentSpanId)) parentSpanId = undefined;
    const startOk = checkTime(start);
    if (typeof startOk !== 'bigint') fail(startOk.code, 'startTimeUnixNano', startOk.message);
    const endOk = checkTime(endTime);
    if (typeof endOk !== 'bigint') fail(endOk.code, 'endTimeUnixNano', endOk.message);

    if (issues.length > 0) {
      this.rejected.push({ index, traceId: traceId ?? null, spanId: spanId ?? null, issues });
      return;
    }
    this.spans.push({
      traceId: traceId as string,
      spanId: spanId as string,
      parentSpanId,
      name,
      kind: SPAN_KINDS[kind] ?? 'unspecified',
      startTimeUnixNano: start,
      endTimeUnixNano: endTime,
      status: { code, message },
      attributes: attributes ?? EMPTY_ATTRIBUTES,
      events: events ?? [],
      resource,
      scope,
    });
  }

  private event(end: number, i: number): SpanEventRecord {
    const r = this.r;
    let time = 0n;
    let name = '';
    let attributes: Record<string, AttributeValue> | null = null;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_I64)) time = r.fixed64();
      else if (tag === ((2 << 3) | WIRE_LEN)) name = r.string(end);
      else if (tag === ((3 << 3) | WIRE_LEN)) {
        attributes ??= Object.create(null) as Record<string, AttributeValue>;
        const e = r.delimited(end);
        try {
          this.keyValue(e, attributes, 0, `events[${i}].attributes`);
        } finally {
          r.pos = e;
        }
      } else r.skip(tag & 7, end);
    }
    const ok = checkTime(time);
    if (typeof ok !== 'bigint')
      throw new SpanIssue(ok.code, `events[${i}].timeUnixNano`, ok.message);
    return { name, timeUnixNano: time, attributes: attributes ?? EMPTY_ATTRIBUTES };
  }

  /** Reads one KeyValue message into `out`; later keys win, as in `attributesFrom`. */
  private keyValue(
    end: number,
    out: Record<string, AttributeValue>,
    depth: number,
    where: string,
  ): void {
    const r = this.r;
    let key = '';
    let value: AttributeValue = null;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) key = r.string(end);
      else if (tag === ((2 << 3) | WIRE_LEN)) {
        const e = r.delimited(end);
        value = this.anyValue(e, depth, where);
        r.pos = e;
      } else r.skip(tag & 7, end);
    }
    out[key] = value;
  }

  private anyValue(end: number, depth: number, where: string): AttributeValue {
    const r = this.r;
    let value: AttributeValue = null;
    // A oneof: the last member on the wire wins, as protobuf parsers do.
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case (1 << 3) | WIRE_LEN:
          value = r.string(end);
          break;
        case (2 << 3) | WIRE_VARINT:
          value = r.uint32() !== 0;
          break;
        case (3 << 3) | WIRE_VARINT:
          value = r.int64();
          break;
        case (4 << 3) | WIRE_I64:
          value = r.double();
          break;
        case (5 << 3) | WIRE_LEN: {
          const e = r.delimited(end);
          this.checkDepth(depth + 1, where);
          const items: AttributeValue[] = [];
          while (r.pos < e) {
            const t = r.uint32();
            if (t === ((1 << 3) | WIRE_LEN)) {
              const ie = r.delimited(e);
              items.push(this.anyValue(ie, depth + 1, where));
              r.pos = ie;
            } else r.skip(t & 7, e);
          }
          value = items;
          break;
        }
        case (6 << 3) | WIRE_LEN: {
          const e = r.delimited(end);
          this.checkDepth(depth + 1, where);
          const kv = Object.create(null) as Record<string, AttributeValue>;
          while (r.pos < e) {
            const t = r.uint32();
            if (t === ((1 << 3) | WIRE_LEN)) {
              const ie = r.delimited(e);
              this.keyValue(ie, kv, depth + 1, where);
              r.pos = ie;
            } else r.skip(t & 7, e);
          }
          value = { kvlist: kv };
          break;
        }
        case (7 << 3) | WIRE_LEN: {
          const e = r.delimited(end);
          value = new Uint8Array(r.buf.subarray(r.pos, e)); // a copy, so the value does not pin the body
          r.pos = e;
          break;
        }
        default:
          r.skip(tag & 7, end);
      }
    }
    return value;
  }

  private checkDepth(depth: number, where: string): void {
    if (depth > this.maxDepth)
      throw new SpanIssue(
        'attribute_too_deep',
        where,
        `value nests deeper than ${this.maxDepth} levels`,
      );
  }
}

/** Reports through `fail` a trace or span id that is not of its length or is all zeros. */
function checkIds(
  traceId: string | null,
  traceIdLength: number,
  spanId: string | null,
  spanIdLength: number,
  fail: (code: DecodeIssue['code'], where: string, message: string) => void,
): void {
  if (traceId === null || isZeroId(traceId))
    fail(
      'invalid_trace_id',
      'traceId',
      `trace id has ${traceIdLength} bytes, or is all zeros; 16 bytes expected`,
    );
  if (spanId === null || isZeroId(spanId))
    fail(
      'invalid_span_id',
      'spanId',
      `span id has ${spanIdLength} bytes, or is all zeros; 8 bytes expected`,
    );
}
