import { isUtf8 } from 'node:buffer';
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
  EMPTY_ATTRIBUTES,
  exactIntegerFromText,
  idFromJson,
  int64Value,
  isZeroId,
  resourceOf,
  SpanIssue,
  spanKindFrom,
  statusCodeFrom,
  timeFromJson,
  type TimeResult,
} from '../span-fields.js';
import { DEFAULT_MAX_VALUE_DEPTH, type DecodeIssue, type DecodeOptions } from '../types.js';
import { WORKBENCH_EVENT_PREFIX } from '../types.js';
import type { LogEventVisitor, SpanVisitor } from '../visitor.js';
import { parseOtlpJson } from './parse-otlp-json.js';

type JsonObject = Record<string, unknown>;

/** A request that does not decode: nothing of it is kept. */
export interface JsonWalkFailure {
  readonly ok: false;
  readonly issues: readonly DecodeIssue[];
}

/** The outcome of walking OTLP/JSON text: the visitor that saw the request, or why it failed. */
export type JsonWalkResult<V> =
  | {
      readonly ok: true;
      readonly visitor: V;
      /** Whether bytes that were not UTF-8 were read as U+FFFD. */
      readonly replacedInvalidUtf8: boolean;
    }
  | JsonWalkFailure;

/** Times any reading accepts as they are: 1 to 10^19 − 1 (below 2^64), no sign, no leading zero. */
const TIME_TEXT = /^[1-9]\d{0,18}$/;
/** int64 values written with at most 15 digits: a JS number holds them exactly. */
const SHORT_INT_TEXT = /^-?\d{1,15}$/;
const DOUBLE_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;
/** A bare `intValue` of 16 characters or more: `JSON.parse` may have rounded it (conservative). */
const LONG_BARE_INTEGER = /(?:intValue|int_value)"\s*:\s*-?[\d.eE+-]{16}/;

/**
 * Thrown by a walk over a value from plain `JSON.parse` at a 64-bit integer written as a bare
 * number, which that parse may have rounded: the text is parsed again exactly (`parseOtlpJson`)
 * and walked again. Producers write these as strings (the proto3 JSON mapping), so the exact
 * parse, a pass over the whole text, is rarely paid.
 */
class Inexact extends Error {}
const INEXACT = new Inexact('a bare 64-bit integer');

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function malformed(path: string, message: string): JsonWalkFailure {
  return { ok: false, issues: [{ code: 'malformed_request', path, message }] };
}

/**
 * Walks an OTLP/JSON trace request (`ExportTraceServiceRequest` or `TracesData`, as text or
 * UTF-8 bytes) with the visitor `newVisitor` makes: the one walker of JSON traces, behind the
 * decoder (`SpanRecordVisitor`) and the receiver's door (`SpanIdsVisitor`). The text is parsed
 * once with `JSON.parse`; only when a 64-bit integer is written as a bare number that parse may
 * have rounded is it parsed again exactly, and walked again with a fresh visitor.
 *
 * @example
 * const walked = walkOtlpJsonTraces(body, () => new SpanIdsVisitor());
 * if (walked.ok) console.log(walked.visitor.ids.count);
 */
export function walkOtlpJsonTraces<V extends SpanVisitor>(
  input: string | Uint8Array,
  newVisitor: () => V,
  options: DecodeOptions = {},
): JsonWalkResult<V> {
  return walkText(input, newVisitor, options, (walk, value) => walk.request(value, false));
}

/**
 * {@link walkOtlpJsonTraces} for an OTLP/JSON logs request (`ExportLogsServiceRequest` or
 * `LogsData`).
 *
 * @example
 * const walked = walkOtlpJsonLogs(body, () => new LogEventRecordVisitor());
 */
export function walkOtlpJsonLogs<V extends LogEventVisitor>(
  input: string | Uint8Array,
  newVisitor: () => V,
  options: DecodeOptions = {},
): JsonWalkResult<V> {
  return walkText(input, newVisitor, options, (walk, value) => walk.request(value, true));
}

/**
 * Walks an already parsed OTLP/JSON trace request, its numbers taken as they are (parse with
 * `parseOtlpJson`, which keeps 64-bit integers exact). Null when it walked, else the failure.
 *
 * @example
 * const failure = walkOtlpJsonTracesValue(parseOtlpJson(text), visitor);
 */
export function walkOtlpJsonTracesValue(
  value: unknown,
  visitor: SpanVisitor,
  options: DecodeOptions = {},
): JsonWalkFailure | null {
  return new JsonWalk(visitor, options, true).request(value, false);
}

/**
 * {@link walkOtlpJsonTracesValue} for a logs request.
 *
 * @example
 * const failure = walkOtlpJsonLogsValue(parseOtlpJson(line), visitor);
 */
export function walkOtlpJsonLogsValue(
  value: unknown,
  visitor: LogEventVisitor,
  options: DecodeOptions = {},
): JsonWalkFailure | null {
  return new JsonWalk(visitor, options, true).request(value, true);
}

function walkText<V extends SpanVisitor | LogEventVisitor>(
  input: string | Uint8Array,
  newVisitor: () => V,
  options: DecodeOptions,
  walkValue: (walk: JsonWalk, value: unknown) => JsonWalkFailure | null,
): JsonWalkResult<V> {
  // Bytes that are not UTF-8 are read as U+FFFD, as the protobuf walker reads them: one rule for
  // every door, so that one bad byte never costs a whole batch (a 400 is never retried).
  let text: string;
  let replacedInvalidUtf8 = false;
  if (typeof input === 'string') text = input;
  else {
    const bytes = Buffer.isBuffer(input)
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    replacedInvalidUtf8 = !isUtf8(bytes);
    text = bytes.toString('utf8');
  }
  let value: unknown;
  let plain = true;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON as it is; parseOtlpJson may still read it (it quotes a malformed bare number in a
    // 64-bit field, which then refuses that span alone): the exact reading decides.
    plain = false;
  }
  if (plain) {
    try {
      const visitor = newVisitor();
      const walk = new JsonWalk(visitor, options, false);
      const failure = walkValue(walk, value);
      if (failure !== null) return failure;
      if (!walk.bareIntegers || !LONG_BARE_INTEGER.test(text))
        return { ok: true, visitor, replacedInvalidUtf8 };
    } catch (err) {
      if (err !== INEXACT) throw err;
    }
  }
  try {
    value = parseOtlpJson(text);
  } catch (err) {
    return malformed('', `body is not JSON: ${(err as Error).message}`);
  }
  const visitor = newVisitor();
  const failure = walkValue(new JsonWalk(visitor, options, true), value);
  return failure ?? { ok: true, visitor, replacedInvalidUtf8 };
}

/** One walk over one parsed request. */
class JsonWalk {
  /** Whether some `intValue` was a bare number (checked on the text afterwards). */
  bareIntegers = false;
  private index = 0;
  private lastTraceIdRaw: unknown = undefined;
  private lastTraceId: string | null = null;
  private readonly build: boolean;
  private readonly maxDepth: number;

  /**
   * @param exact Whether numbers are exact (a value from `parseOtlpJson`, or given by the caller);
   *   else a bare 64-bit integer throws {@link INEXACT}.
   */
  constructor(
    private readonly visitor: SpanVisitor | LogEventVisitor,
    options: DecodeOptions,
    private readonly exact: boolean,
  ) {
    this.build = visitor.buildsRecords;
    this.maxDepth = options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH;
  }

  /** A request: its ResourceSpans, or with `logs` its ResourceLogs. */
  request(value: unknown, logs: boolean): JsonWalkFailure | null {
    if (!isObject(value)) return malformed('', 'body is not a JSON object');
    const field = logs ? 'resourceLogs' : 'resourceSpans';
    const list = value[field] ?? value[logs ? 'resource_logs' : 'resource_spans'];
    if (list === undefined || list === null) return null;
    if (!Array.isArray(list)) return malformed(field, `${field} is not an array`);
    for (let i = 0; i < list.length; i++) {
      const failure = logs ? this.resourceLogs(list[i], i) : this.resourceSpans(list[i], i);
      if (failure !== null) return failure;
    }
    return null;
  }

  /** The resource's attributes, or the issue every span of the resource then carries. */
  private resource(res: unknown): { attributes: Attributes; issue: SpanIssue | null } {
    if (!isObject(res)) return { attributes: EMPTY_ATTRIBUTES, issue: null };
    return resourceOf(() => this.attributes(res['attributes'], 0, 'resource.attributes'));
  }

  private resourceSpans(rs: unknown, i: number): JsonWalkFailure | null {
    const path = `resourceSpans[${i}]`;
    if (!isObject(rs)) return malformed(path, 'not an object');
    const resource = this.resource(rs['resource']);
    let scopeSpans = rs['scopeSpans'] ?? rs['scope_spans'];
    let scopeField = 'scopeSpans';
    if (!Array.isArray(scopeSpans) || scopeSpans.length === 0) {
      const legacy = rs['instrumentationLibrarySpans'] ?? rs['instrumentation_library_spans'];
      if (legacy !== undefined && legacy !== null) {
        scopeSpans = legacy;
        scopeField = 'instrumentationLibrarySpans';
      }
    }
    if (scopeSpans === undefined || scopeSpans === null) return null;
    if (!Array.isArray(scopeSpans)) return malformed(`${path}.${scopeField}`, 'not an array');
    for (let j = 0; j < scopeSpans.length; j++) {
      const ss: unknown = scopeSpans[j];
      const ssPath = `${path}.${scopeField}[${j}]`;
      if (!isObject(ss)) return malformed(ssPath, 'not an object');
      const spans = ss['spans'];
      if (spans === undefined || spans === null) continue;
      if (!Array.isArray(spans)) return malformed(`${ssPath}.spans`, 'not an array');
      const scope = this.build ? scopeOf(ss) : NO_SCOPE;
      for (let k = 0; k < spans.length; k++) {
        this.span(spans[k], resource.attributes, resource.issue, scope, ssPath, k);
      }
    }
    return null;
  }

  private resourceLogs(rl: unknown, i: number): JsonWalkFailure | null {
    const path = `resourceLogs[${i}]`;
    if (!isObject(rl)) return malformed(path, 'not an object');
    // Read for its issues only: an event becomes part of a span, whose resource is its own.
    const resourceIssue = this.resource(rl['resource']).issue;
    const scopeLogs = rl['scopeLogs'] ?? rl['scope_logs'];
    if (scopeLogs === undefined || scopeLogs === null) return null;
    if (!Array.isArray(scopeLogs)) return malformed(`${path}.scopeLogs`, 'not an array');
    for (let j = 0; j < scopeLogs.length; j++) {
      const sl: unknown = scopeLogs[j];
      const slPath = `${path}.scopeLogs[${j}]`;
      if (!isObject(sl)) return malformed(slPath, 'not an object');
      const records = sl['logRecords'] ?? sl['log_records'];
      if (records === undefined || records === null) continue;
      if (!Array.isArray(records)) return malformed(`${slPath}.logRecords`, 'not an array');
      for (let k = 0; k < records.length; k++)
        this.logRecord(records[k], resourceIssue, `${slPath}.logRecords[${k}]`);
    }
    return null;
  }

  private logRecord(value: unknown, resourceIssue: SpanIssue | null, path: string): void {
    const visitor = this.visitor as LogEventVisitor;
    const index = this.index++;
    if (!isObject(value)) return this.notAnObject(index, path, 'log record');
    const name = value['eventName'] ?? value['event_name'];
    const traceIdRaw = value['traceId'] ?? value['trace_id'];
    const spanIdRaw = value['spanId'] ?? value['span_id'];
    if (
      typeof name !== 'string' ||
      !name.startsWith(WORKBENCH_EVENT_PREFIX) ||
      traceIdRaw === undefined ||
      traceIdRaw === null ||
      traceIdRaw === '' ||
      spanIdRaw === undefined ||
      spanIdRaw === null ||
      spanIdRaw === ''
    ) {
      visitor.ignored();
      return;
    }
    const issues = new Issues(path, resourceIssue);
    const { traceId, spanId } = readIds(this.traceIdOf(traceIdRaw), traceIdRaw, spanIdRaw, issues);
    let time = this.time(value['timeUnixNano'] ?? value['time_unix_nano']);
    // Unset (absent or zero) time: the observed time stands in, as the Logs data model says.
    if (typeof time !== 'bigint' && time.code === 'missing_time')
      time = this.time(value['observedTimeUnixNano'] ?? value['observed_time_unix_nano']);
    if (typeof time !== 'bigint') issues.fail(time.code, 'timeUnixNano', time.message);
    let attributes = EMPTY_ATTRIBUTES;
    try {
      attributes = this.attributes(value['attributes'], 0, 'attributes');
    } catch (err) {
      issues.caught(err);
    }
    if (issues.list !== null) {
      visitor.rejected({ index, traceId, spanId, issues: issues.list });
      return;
    }
    visitor.event(
      traceId as string,
      spanId as string,
      this.build
        ? {
            traceId: traceId as string,
            spanId: spanId as string,
            name,
            timeUnixNano: time as bigint,
            attributes,
          }
        : undefined,
    );
  }

  private span(
    value: unknown,
    resource: Attributes,
    resourceIssue: SpanIssue | null,
    scope: SpanRecord['scope'],
    scopePath: string,
    k: number,
  ): void {
    const visitor = this.visitor as SpanVisitor;
    const index = this.index++;
    if (!isObject(value)) return this.notAnObject(index, `${scopePath}.spans[${k}]`, 'span');
    const issues = new Issues(scopePath, resourceIssue, k);

    let traceIdRaw: unknown;
    let spanIdRaw: unknown;
    let parentRaw: unknown;
    let name: unknown;
    let kindRaw: unknown;
    let startRaw: unknown;
    let endRaw: unknown;
    let attributesRaw: unknown;
    let eventsRaw: unknown;
    let statusRaw: unknown;
    // One pass over the keys handles camelCase, snake_case and unknown fields alike; the last
    // spelling written wins.
    for (const key in value) {
      const v = value[key];
      switch (key) {
        case 'traceId':
        case 'trace_id':
          traceIdRaw = v;
          break;
        case 'spanId':
        case 'span_id':
          spanIdRaw = v;
          break;
        case 'parentSpanId':
        case 'parent_span_id':
          parentRaw = v;
          break;
        case 'name':
          name = v;
          break;
        case 'kind':
          kindRaw = v;
          break;
        case 'startTimeUnixNano':
        case 'start_time_unix_nano':
          startRaw = v;
          break;
        case 'endTimeUnixNano':
        case 'end_time_unix_nano':
          endRaw = v;
          break;
        case 'attributes':
          attributesRaw = v;
          break;
        case 'events':
          eventsRaw = v;
          break;
        case 'status':
          statusRaw = v;
          break;
        default:
          break;
      }
    }

    const { traceId, spanId } = readIds(this.traceIdOf(traceIdRaw), traceIdRaw, spanIdRaw, issues);
    let parentSpanId: string | undefined;
    if (parentRaw !== undefined && parentRaw !== null && parentRaw !== '') {
      const parent = typeof parentRaw === 'string' ? idFromJson(parentRaw, 8) : null;
      if (parent === null)
        issues.fail(
          'invalid_parent_span_id',
          'parentSpanId',
          `parent span id ${describe(parentRaw)} is not 8 bytes of hex or base64`,
        );
      // An all-zero parent is how some producers write "no parent".
      else if (!isZeroId(parent)) parentSpanId = parent;
    }
    const start = this.time(startRaw);
    if (typeof start !== 'bigint') issues.fail(start.code, 'startTimeUnixNano', start.message);
    const end = this.time(endRaw);
    if (typeof end !== 'bigint') issues.fail(end.code, 'endTimeUnixNano', end.message);

    let attributes = EMPTY_ATTRIBUTES;
    let events: SpanEventRecord[] = [];
    try {
      attributes = this.attributes(attributesRaw, 0, 'attributes');
      events = this.events(eventsRaw);
    } catch (err) {
      issues.caught(err);
    }

    if (issues.list !== null) {
      visitor.rejected({ index, traceId, spanId, issues: issues.list });
      return;
    }
    let record: SpanRecord | undefined;
    if (this.build) {
      let code: StatusCodeName = 'unset';
      let message: string | undefined;
      if (isObject(statusRaw)) {
        code = statusCodeFrom(statusRaw['code']);
        const m = statusRaw['message'];
        if (typeof m === 'string' && m !== '') message = m;
      }
      record = {
        traceId: traceId as string,
        spanId: spanId as string,
        parentSpanId,
        name: typeof name === 'string' ? name : '',
        kind: spanKindFrom(kindRaw),
        startTimeUnixNano: start as bigint,
        endTimeUnixNano: end as bigint,
        status: { code, message },
        attributes,
        events,
        resource,
        scope,
      };
    }
    visitor.span(traceId as string, spanId as string, parentSpanId === undefined, record);
  }

  /** Refuses a span or log record that is not a JSON object. */
  private notAnObject(index: number, path: string, what: 'span' | 'log record'): void {
    const issue = { code: 'malformed_span', path, message: `${what} is not an object` } as const;
    this.visitor.rejected({ index, traceId: null, spanId: null, issues: [issue] });
  }

  /**
   * A trace id as lowercase hex, or null when it is not 16 bytes of hex or base64. Spans of one
   * trace mostly come one after another: the same text as the last id read gives the same string,
   * so the receiver's maps hash it once.
   */
  traceIdOf(raw: unknown): string | null {
    if (raw === this.lastTraceIdRaw) return this.lastTraceId;
    const id = typeof raw === 'string' ? idFromJson(raw, 16) : null;
    if (id !== null) {
      this.lastTraceIdRaw = raw;
      this.lastTraceId = id;
    }
    return id;
  }

  /**
   * A time read exactly. Without records to build, a plain string of digits in range is accepted
   * as it is (no bigint made): the value is not kept.
   */
  private time(v: unknown): TimeResult {
    if (typeof v === 'string') return !this.build && TIME_TEXT.test(v) ? 1n : timeFromJson(v);
    if (typeof v === 'number' && !this.exact) throw INEXACT;
    return timeFromJson(v);
  }

  private events(value: unknown): SpanEventRecord[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value))
      throw new SpanIssue('invalid_attribute', 'events', 'events is not an array');
    const out = this.build ? new Array<SpanEventRecord>(value.length) : [];
    for (let i = 0; i < value.length; i++) {
      const e: unknown = value[i];
      if (!isObject(e))
        throw new SpanIssue('invalid_attribute', `events[${i}]`, 'event is not an object');
      const time = this.time(e['timeUnixNano'] ?? e['time_unix_nano']);
      if (typeof time !== 'bigint')
        throw new SpanIssue(time.code, `events[${i}].timeUnixNano`, time.message);
      let attributes: Attributes;
      try {
        attributes = this.attributes(e['attributes'], 0, '');
      } catch (err) {
        throw within(err, `events[${i}].attributes`);
      }
      if (this.build) {
        const name = e['name'];
        out[i] = { name: typeof name === 'string' ? name : '', timeUnixNano: time, attributes };
      }
    }
    return out;
  }

  /** Attributes, checked; built only when the visitor builds records (else empty). */
  private attributes(value: unknown, depth: number, where: string, nested = false): Attributes {
    if (value === undefined || value === null) return EMPTY_ATTRIBUTES;
    if (!Array.isArray(value))
      throw new SpanIssue('invalid_attribute', where, 'attributes is not an array');
    if (value.length === 0) return EMPTY_ATTRIBUTES;
    const out = this.build ? (Object.create(null) as Record<string, AttributeValue>) : null;
    for (let i = 0; i < value.length; i++) {
      const kv: unknown = value[i];
      if (!isObject(kv))
        throw new SpanIssue(
          'invalid_attribute',
          nested ? where : `${where}[${i}]`,
          'attribute is not an object',
        );
      const key = kv['key'];
      if (typeof key !== 'string')
        throw new SpanIssue(
          'invalid_attribute',
          nested ? where : `${where}[${i}].key`,
          'attribute key is not a string',
        );
      let v: AttributeValue;
      if (nested) v = this.anyValue(kv['value'], depth, where);
      else {
        // The value's path is made only when it has an issue: most attributes have none.
        try {
          v = this.anyValue(kv['value'], depth, '');
        } catch (err) {
          throw within(err, `${where}[${i}].value`);
        }
      }
      if (out !== null) out[key] = v;
    }
    return out ?? EMPTY_ATTRIBUTES;
  }

  /** An AnyValue, checked; its value when building records, else null. */
  private anyValue(value: unknown, depth: number, where: string): AttributeValue {
    if (value === undefined || value === null) return null;
    if (!isObject(value))
      throw new SpanIssue('invalid_attribute', where, 'AnyValue is not an object');
    let result: AttributeValue = null;
    let members = 0;
    for (const key in value) {
      const v = value[key];
      if (v === undefined || v === null) continue; // proto3 JSON: null is the same as absent
      switch (key) {
        case 'stringValue':
        case 'string_value':
          if (typeof v !== 'string') throw notA(v, 'stringValue', where);
          result = v;
          break;
        case 'boolValue':
        case 'bool_value':
          if (typeof v !== 'boolean') throw notA(v, 'boolValue', where);
          result = v;
          break;
        case 'intValue':
        case 'int_value':
          result = this.int(v, where);
          break;
        case 'doubleValue':
        case 'double_value':
          result = doubleFromJson(v, where);
          break;
        case 'bytesValue':
        case 'bytes_value':
          result = bytesFromJson(v, where, this.build);
          break;
        case 'arrayValue':
        case 'array_value':
          result = this.arrayValue(v, depth + 1, where);
          break;
        case 'kvlistValue':
        case 'kvlist_value':
          result = this.kvlistValue(v, depth + 1, where);
          break;
        default:
          continue; // unknown fields are ignored
      }
      members++;
    }
    if (members > 1)
      throw new SpanIssue(
        'invalid_attribute',
        where,
        `AnyValue has ${members} members; at most one is allowed`,
      );
    return result;
  }

  private int(v: unknown, where: string): number | bigint {
    if (typeof v === 'number' && !this.exact) {
      // Exact unless its text was long (checked on the text after the walk).
      if (!Number.isSafeInteger(v)) throw INEXACT;
      this.bareIntegers = true;
      return v === 0 ? 0 : v; // -0 as the exact reading of "-0" gives it
    }
    if (typeof v === 'string' && SHORT_INT_TEXT.test(v)) return Number(v) || 0;
    return intFromJson(v, where);
  }

  private arrayValue(v: unknown, depth: number, where: string): AttributeValue {
    checkDepth(depth, this.maxDepth, where);
    if (!isObject(v))
      throw new SpanIssue('invalid_attribute', where, 'arrayValue is not an object');
    const values = v['values'];
    if (values === undefined || values === null) return this.build ? [] : null;
    if (!Array.isArray(values))
      throw new SpanIssue('invalid_attribute', `${where}.values`, 'values is not an array');
    // Nested values report the path of their top-level attribute: paths built per level would cost
    // quadratic memory on hostile nesting.
    if (!this.build) {
      for (let i = 0; i < values.length; i++) this.anyValue(values[i], depth, where);
      return null;
    }
    const out = new Array<AttributeValue>(values.length);
    for (let i = 0; i < values.length; i++) out[i] = this.anyValue(values[i], depth, where);
    return out;
  }

  private kvlistValue(v: unknown, depth: number, where: string): AttributeValue {
    checkDepth(depth, this.maxDepth, where);
    if (!isObject(v))
      throw new SpanIssue('invalid_attribute', where, 'kvlistValue is not an object');
    const kvlist = this.attributes(v['values'], depth, where, true);
    return this.build ? { kvlist } : null;
  }
}

const NO_SCOPE: SpanRecord['scope'] = { name: '', version: undefined };

function scopeOf(ss: JsonObject): SpanRecord['scope'] {
  const scopeValue = ss['scope'] ?? ss['instrumentationLibrary'] ?? ss['instrumentation_library'];
  if (!isObject(scopeValue)) return { name: '', version: undefined };
  const name = scopeValue['name'];
  const version = scopeValue['version'];
  return {
    name: typeof name === 'string' ? name : '',
    version: typeof version === 'string' && version !== '' ? version : undefined,
  };
}

function intFromJson(v: unknown, where: string): number | bigint {
  if (typeof v === 'number') {
    if (!Number.isInteger(v))
      throw new SpanIssue(
        'invalid_attribute',
        `${where}.intValue`,
        `intValue ${v} is not an integer`,
      );
    return Number.isSafeInteger(v) ? v : BigInt(v);
  }
  if (typeof v === 'string') {
    const text = v.trim();
    const n = exactIntegerFromText(text);
    const out = n === null ? null : int64Value(n);
    // An integer beyond int64 is what the JS exporters send for an integer-valued double such as
    // 1e300: kept as that double, as the SDK adapter keeps it.
    if (n !== null && out === null && DOUBLE_TEXT.test(text) && Number.isFinite(Number(text)))
      return Number(text);
    if (out === null)
      throw new SpanIssue(
        'invalid_attribute',
        `${where}.intValue`,
        `intValue ${describe(v)} is not a 64-bit integer`,
      );
    return out;
  }
  throw new SpanIssue('invalid_attribute', `${where}.intValue`, `intValue is a ${typeof v}`);
}

function doubleFromJson(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (DOUBLE_TEXT.test(v)) return Number(v);
  }
  throw new SpanIssue(
    'invalid_attribute',
    `${where}.doubleValue`,
    `doubleValue ${describe(v)} is not a number`,
  );
}

function bytesFromJson(v: unknown, where: string, build: boolean): Uint8Array | null {
  if (typeof v !== 'string' || !BASE64_TEXT.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    throw new SpanIssue('invalid_attribute', `${where}.bytesValue`, 'bytesValue is not base64');
  }
  if (!build) return null;
  // A copy, so the value does not pin Buffer's shared pool.
  return new Uint8Array(Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

/** The issue of an AnyValue member of the wrong JSON type. */
function notA(v: unknown, member: 'stringValue' | 'boolValue', where: string): SpanIssue {
  return new SpanIssue('invalid_attribute', `${where}.${member}`, `${member} is a ${typeof v}`);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 48 ? `${v.slice(0, 48)}…` : v);
  return v === undefined ? '(missing)' : typeof v;
}

/**
 * The trace and span ids of a span or a log record (hex or base64; the trace id read already, by
 * {@link JsonWalk.traceIdOf}), each null and reported when it is not of its length or is all zeros.
 */
function readIds(
  traceId: string | null,
  traceIdRaw: unknown,
  spanIdRaw: unknown,
  issues: Issues,
): { traceId: string | null; spanId: string | null } {
  if (traceId === null || isZeroId(traceId))
    issues.fail(
      'invalid_trace_id',
      'traceId',
      `trace id ${describe(traceIdRaw)} is not 16 bytes of hex or base64, or is all zeros`,
    );
  const spanId = typeof spanIdRaw === 'string' ? idFromJson(spanIdRaw, 8) : null;
  if (spanId === null || isZeroId(spanId))
    issues.fail(
      'invalid_span_id',
      'spanId',
      `span id ${describe(spanIdRaw)} is not 8 bytes of hex or base64, or is all zeros`,
    );
  return { traceId, spanId };
}
