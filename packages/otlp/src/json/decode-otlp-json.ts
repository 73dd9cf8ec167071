import { isUtf8 } from 'node:buffer';
import {
  attributesFrom,
  type AttributeValue,
  type Attributes,
  type LogEventRecord,
  type SpanEventRecord,
  type SpanKindName,
  type SpanRecord,
  type StatusCodeName,
} from '@llm-workbench/bundle';
import {
  exactIntegerFromText,
  idFromJson,
  int64Value,
  isZeroId,
  SpanIssue,
  spanKindFrom,
  statusCodeFrom,
  timeFromJson,
} from '../span-fields.js';
import {
  DEFAULT_MAX_VALUE_DEPTH,
  type DecodeIssue,
  type DecodeOptions,
  type DecodeLogsResult,
  type DecodeResult,
  type RejectedSpan,
  WORKBENCH_EVENT_PREFIX,
} from '../types.js';
import { parseOtlpJson } from './parse-otlp-json.js';

type JsonObject = Record<string, unknown>;

const EMPTY_ATTRIBUTES: Attributes = attributesFrom([]);

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function malformed(path: string, message: string): DecodeResult {
  return { ok: false, issues: [{ code: 'malformed_request', path, message }] };
}

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` (or `TracesData`, the same shape) into span
 * records. Accepts everything producers write: ids as hex (any case) or base64, `kind` and
 * `status.code` as integers or enum names, 64-bit integers as strings or numbers (kept exact),
 * every AnyValue member including `"NaN"` and `"Infinity"` doubles and base64 bytes, snake_case
 * field names, the old `instrumentationLibrarySpans`; unknown fields are ignored.
 *
 * Spans with bad ids, times or attribute values are rejected one by one with their reasons; a body
 * that is not JSON of the right shape fails as a whole. Bytes that are not UTF-8 are read as
 * U+FFFD, as in protobuf, and flagged with `replacedInvalidUtf8`.
 *
 * @example
 * const result = decodeOtlpJson(body);
 * if (result.ok) for (const span of result.spans) console.log(span.name);
 */
export function decodeOtlpJson(
  input: string | Uint8Array,
  options: DecodeOptions = {},
): DecodeResult {
  const parsed = parseBody(input);
  if (!parsed.ok) return malformed('', parsed.message);
  const result = decodeOtlpJsonValue(parsed.value, options);
  return parsed.replaced && result.ok ? { ...result, replacedInvalidUtf8: true } : result;
}

/**
 * Decodes an already parsed OTLP/JSON trace request. Prefer {@link decodeOtlpJson} on text (or
 * parse with `parseOtlpJson`): `JSON.parse` alone rounds 64-bit integers written as bare numbers.
 *
 * @example
 * const result = decodeOtlpJsonValue(parseOtlpJson(text).result);
 */
export function decodeOtlpJsonValue(value: unknown, options: DecodeOptions = {}): DecodeResult {
  if (!isObject(value)) return malformed('', 'body is not a JSON object');
  const ctx = new Context(options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH);
  const resourceSpans = value['resourceSpans'] ?? value['resource_spans'];
  if (resourceSpans === undefined || resourceSpans === null)
    return { ok: true, spans: [], rejected: [] };
  if (!Array.isArray(resourceSpans))
    return malformed('resourceSpans', 'resourceSpans is not an array');
  for (let i = 0; i < resourceSpans.length; i++) {
    const failure = ctx.resourceSpans(resourceSpans[i], i);
    if (failure !== null) return failure;
  }
  return { ok: true, spans: ctx.spans, rejected: ctx.rejected };
}

/**
 * Decodes an OTLP/JSON `ExportLogsServiceRequest` (or `LogsData`) into the workbench events it
 * holds as log records (OTEP 4430): each record with an `eventName` starting with `workbench.` and
 * a trace and span id becomes a {@link LogEventRecord} of that span, at its `timeUnixNano` (its
 * `observedTimeUnixNano` when that is unset). Reads what the trace decoder reads (hex or base64
 * ids, exact 64-bit integers, every AnyValue, snake_case names); the body is not read. Records
 * with bad ids, times or attributes are refused one by one; a body that is not JSON of the right
 * shape fails as a whole.
 *
 * @example
 * const result = decodeOtlpJsonLogs(body);
 * if (result.ok) for (const e of result.events) console.log(e.name, e.spanId);
 */
export function decodeOtlpJsonLogs(
  input: string | Uint8Array,
  options: DecodeOptions = {},
): DecodeLogsResult {
  const parsed = parseBody(input);
  if (!parsed.ok) return malformed('', parsed.message) as DecodeLogsResult;
  const result = decodeOtlpJsonLogsValue(parsed.value, options);
  return parsed.replaced && result.ok ? { ...result, replacedInvalidUtf8: true } : result;
}

/**
 * The JSON value of a request body, and whether bytes that were not UTF-8 were read as U+FFFD (as
 * the protobuf decoder reads them: one rule for every door, so that one bad byte never costs a
 * whole batch; a 400 is never retried).
 */
function parseBody(
  input: string | Uint8Array,
): { ok: true; value: unknown; replaced: boolean } | { ok: false; message: string } {
  let text: string;
  let replaced = false;
  if (typeof input === 'string') {
    text = input;
  } else {
    const bytes = Buffer.isBuffer(input)
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    replaced = !isUtf8(bytes);
    text = bytes.toString('utf8');
  }
  try {
    return { ok: true, value: parseOtlpJson(text), replaced };
  } catch (err) {
    return { ok: false, message: `body is not JSON: ${(err as Error).message}` };
  }
}

/**
 * Decodes an already parsed OTLP/JSON logs request, as {@link decodeOtlpJsonLogs} does text
 * (parse with `parseOtlpJson`, which keeps 64-bit times exact).
 *
 * @example
 * const result = decodeOtlpJsonLogsValue(parseOtlpJson(line));
 */
export function decodeOtlpJsonLogsValue(
  value: unknown,
  options: DecodeOptions = {},
): DecodeLogsResult {
  if (!isObject(value)) return malformed('', 'body is not a JSON object') as DecodeLogsResult;
  const ctx = new Context(options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH);
  const resourceLogs = value['resourceLogs'] ?? value['resource_logs'];
  if (resourceLogs !== undefined && resourceLogs !== null) {
    if (!Array.isArray(resourceLogs))
      return malformed('resourceLogs', 'resourceLogs is not an array') as DecodeLogsResult;
    for (let i = 0; i < resourceLogs.length; i++) {
      const failure = ctx.resourceLogs(resourceLogs[i], i);
      if (failure !== null) return failure as DecodeLogsResult;
    }
  }
  return { ok: true, events: ctx.logEvents, rejected: ctx.rejected, ignored: ctx.ignoredLogs };
}

class Context {
  readonly spans: SpanRecord[] = [];
  readonly logEvents: LogEventRecord[] = [];
  ignoredLogs = 0;
  readonly rejected: RejectedSpan[] = [];
  private index = 0;

  constructor(private readonly maxDepth: number) {}

  resourceSpans(rs: unknown, i: number): DecodeResult | null {
    const path = `resourceSpans[${i}]`;
    if (!isObject(rs)) return malformed(path, 'not an object');
    let resource = EMPTY_ATTRIBUTES;
    let resourceIssue: SpanIssue | null = null;
    const res = rs['resource'];
    if (isObject(res)) {
      try {
        resource = this.attributes(res['attributes'], 0, 'resource.attributes');
      } catch (err) {
        if (!(err instanceof SpanIssue)) throw err;
        resourceIssue = err;
      }
    }
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
      const scopeValue =
        ss['scope'] ?? ss['instrumentationLibrary'] ?? ss['instrumentation_library'];
      let scope: SpanRecord['scope'] = { name: '', version: undefined };
      if (isObject(scopeValue)) {
        const name = scopeValue['name'];
        const version = scopeValue['version'];
        scope = {
          name: typeof name === 'string' ? name : '',
          version: typeof version === 'string' && version !== '' ? version : undefined,
        };
      }
      const spans = ss['spans'];
      if (spans === undefined || spans === null) continue;
      if (!Array.isArray(spans)) return malformed(`${ssPath}.spans`, 'not an array');
      for (let k = 0; k < spans.length; k++) {
        this.span(spans[k], resource, resourceIssue, scope, `${ssPath}.spans[${k}]`);
      }
    }
    return null;
  }

  resourceLogs(rl: unknown, i: number): DecodeResult | null {
    const path = `resourceLogs[${i}]`;
    if (!isObject(rl)) return malformed(path, 'not an object');
    let resourceIssue: SpanIssue | null = null;
    const res = rl['resource'];
    if (isObject(res)) {
      try {
        // Read for its issues only: an event becomes part of a span, whose resource is its own.
        this.attributes(res['attributes'], 0, 'resource.attributes');
      } catch (err) {
        if (!(err instanceof SpanIssue)) throw err;
        resourceIssue = err;
      }
    }
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
    const index = this.index++;
    if (!isObject(value)) {
      this.rejected.push({
        index,
        traceId: null,
        spanId: null,
        issues: [{ code: 'malformed_span', path, message: 'log record is not an object' }],
      });
      return;
    }
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
      this.ignoredLogs++;
      return;
    }
    const issues: DecodeIssue[] = [];
    const fail = (code: DecodeIssue['code'], where: string, message: string): void => {
      issues.push({ code, path: `${path}.${where}`, message });
    };
    if (resourceIssue !== null)
      fail(resourceIssue.code, resourceIssue.where, resourceIssue.message);
    const { traceId, spanId } = readIds(traceIdRaw, spanIdRaw, fail);
    const timeRaw = value['timeUnixNano'] ?? value['time_unix_nano'];
    const observedRaw = value['observedTimeUnixNano'] ?? value['observed_time_unix_nano'];
    let time = timeFromJson(timeRaw);
    // Unset (absent or zero) time: the observed time stands in, as the Logs data model says.
    if (typeof time !== 'bigint' && time.code === 'missing_time') time = timeFromJson(observedRaw);
    if (typeof time !== 'bigint') fail(time.code, 'timeUnixNano', time.message);
    let attributes = EMPTY_ATTRIBUTES;
    try {
      attributes = this.attributes(value['attributes'], 0, 'attributes');
    } catch (err) {
      if (!(err instanceof SpanIssue)) throw err;
      fail(err.code, err.where, err.message);
    }
    if (issues.length > 0) {
      this.rejected.push({ index, traceId: traceId ?? null, spanId: spanId ?? null, issues });
      return;
    }
    this.logEvents.push({
      traceId: traceId as string,
      spanId: spanId as string,
      name,
      timeUnixNano: time as bigint,
      attributes,
    });
  }

  private span(
    value: unknown,
    resource: Attributes,
    resourceIssue: SpanIssue | null,
    scope: SpanRecord['scope'],
    path: string,
  ): void {
    const index = this.index++;
    if (!isObject(value)) {
      this.rejected.push({
        index,
        traceId: null,
        spanId: null,
        issues: [{ code: 'malformed_span', path, message: 'span is not an object' }],
      });
      return;
    }
    const issues: DecodeIssue[] = [];
    const fail = (code: DecodeIssue['code'], where: string, message: string): void => {
      issues.push({ code, path: `${path}.${where}`, message });
    };
    if (resourceIssue !== null)
      fail(resourceIssue.code, resourceIssue.where, resourceIssue.message);

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
    // One pass over the keys handles camelCase, snake_case and unknown fields alike.
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

    const { traceId, spanId } = readIds(traceIdRaw, spanIdRaw, fail);
    let parentSpanId: string | undefined;
    if (parentRaw !== undefined && parentRaw !== null && parentRaw !== '') {
      const parent = typeof parentRaw === 'string' ? idFromJson(parentRaw, 8) : null;
      if (parent === null)
        fail(
          'invalid_parent_span_id',
          'parentSpanId',
          `parent span id ${describe(parentRaw)} is not 8 bytes of hex or base64`,
        );
      // An all-zero parent is how some producers write "no parent".
      else if (!isZeroId(parent)) parentSpanId = parent;
    }
    const start = timeFromJson(startRaw);
    if (typeof start !== 'bigint') fail(start.code, 'startTimeUnixNano', start.message);
    const end = timeFromJson(endRaw);
    if (typeof end !== 'bigint') fail(end.code, 'endTimeUnixNano', end.message);

    let attributes = EMPTY_ATTRIBUTES;
    let events: SpanEventRecord[] = [];
    try {
      attributes = this.attributes(attributesRaw, 0, 'attributes');
      events = this.events(eventsRaw);
    } catch (err) {
      if (!(err instanceof SpanIssue)) throw err;
      fail(err.code, err.where, err.message);
    }
    let code: StatusCodeName = 'unset';
    let message: string | undefined;
    if (isObject(statusRaw)) {
      code = statusCodeFrom(statusRaw['code']);
      const m = statusRaw['message'];
      if (typeof m === 'string' && m !== '') message = m;
    }
    const kind: SpanKindName = spanKindFrom(kindRaw);

    if (issues.length > 0) {
      this.rejected.push({ index, traceId: traceId ?? null, spanId: spanId ?? null, issues });
      return;
    }
    this.spans.push({
      traceId: traceId as string,
      spanId: spanId as string,
      parentSpanId,
      name: typeof name === 'string' ? name : '',
      kind,
      startTimeUnixNano: start as bigint,
      endTimeUnixNano: end as bigint,
      status: { code, message },
      attributes,
      events,
      resource,
      scope,
    });
  }

  private events(value: unknown): SpanEventRecord[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value))
      throw new SpanIssue('invalid_attribute', 'events', 'events is not an array');
    const out: SpanEventRecord[] = new Array<SpanEventRecord>(value.length);
    for (let i = 0; i < value.length; i++) {
      const e: unknown = value[i];
      if (!isObject(e))
        throw new SpanIssue('invalid_attribute', `events[${i}]`, 'event is not an object');
      const time = timeFromJson(e['timeUnixNano'] ?? e['time_unix_nano']);
      if (typeof time !== 'bigint')
        throw new SpanIssue(time.code, `events[${i}].timeUnixNano`, time.message);
      const name = e['name'];
      out[i] = {
        name: typeof name === 'string' ? name : '',
        timeUnixNano: time,
        attributes: this.attributes(e['attributes'], 0, `events[${i}].attributes`),
      };
    }
    return out;
  }

  private attributes(value: unknown, depth: number, where: string, nested = false): Attributes {
    if (value === undefined || value === null) return EMPTY_ATTRIBUTES;
    if (!Array.isArray(value))
      throw new SpanIssue('invalid_attribute', where, 'attributes is not an array');
    if (value.length === 0) return EMPTY_ATTRIBUTES;
    const out = Object.create(null) as Record<string, AttributeValue>;
    for (let i = 0; i < value.length; i++) {
      const kv: unknown = value[i];
      const at = nested ? where : `${where}[${i}]`;
      if (!isObject(kv)) throw new SpanIssue('invalid_attribute', at, 'attribute is not an object');
      const key = kv['key'];
      if (typeof key !== 'string')
        throw new SpanIssue(
          'invalid_attribute',
          nested ? at : `${at}.key`,
          'attribute key is not a string',
        );
      out[key] = this.anyValue(kv['value'], depth, nested ? at : `${at}.value`);
    }
    return out;
  }

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
          if (typeof v !== 'string')
            throw new SpanIssue(
              'invalid_attribute',
              `${where}.stringValue`,
              `stringValue is a ${typeof v}`,
            );
          result = v;
          break;
        case 'boolValue':
        case 'bool_value':
          if (typeof v !== 'boolean')
            throw new SpanIssue(
              'invalid_attribute',
              `${where}.boolValue`,
              `boolValue is a ${typeof v}`,
            );
          result = v;
          break;
        case 'intValue':
        case 'int_value':
          result = intFromJson(v, where);
          break;
        case 'doubleValue':
        case 'double_value':
          result = doubleFromJson(v, where);
          break;
        case 'bytesValue':
        case 'bytes_value':
          result = bytesFromJson(v, where);
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

  private checkDepth(depth: number, where: string): void {
    if (depth > this.maxDepth) {
      throw new SpanIssue(
        'attribute_too_deep',
        where,
        `value nests deeper than ${this.maxDepth} levels`,
      );
    }
  }

  private arrayValue(v: unknown, depth: number, where: string): AttributeValue {
    this.checkDepth(depth, where);
    if (!isObject(v))
      throw new SpanIssue('invalid_attribute', where, 'arrayValue is not an object');
    const values = v['values'];
    if (values === undefined || values === null) return [];
    if (!Array.isArray(values))
      throw new SpanIssue('invalid_attribute', `${where}.values`, 'values is not an array');
    const out = new Array<AttributeValue>(values.length);
    // Nested values report the path of their top-level attribute: paths built per level would cost
    // quadratic memory on hostile nesting.
    for (let i = 0; i < values.length; i++) out[i] = this.anyValue(values[i], depth, where);
    return out;
  }

  private kvlistValue(v: unknown, depth: number, where: string): AttributeValue {
    this.checkDepth(depth, where);
    if (!isObject(v))
      throw new SpanIssue('invalid_attribute', where, 'kvlistValue is not an object');
    return { kvlist: this.attributes(v['values'], depth, where, true) };
  }
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

const DOUBLE_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

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

const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;

function bytesFromJson(v: unknown, where: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64_TEXT.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    throw new SpanIssue('invalid_attribute', `${where}.bytesValue`, 'bytesValue is not base64');
  }
  // A copy, so the value does not pin Buffer's shared pool.
  return new Uint8Array(Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 48 ? `${v.slice(0, 48)}…` : v);
  return v === undefined ? '(missing)' : typeof v;
}

/**
 * The trace and span ids of a span or a log record (hex or base64), each null and reported through
 * `fail` when it is not of its length or is all zeros.
 */
function readIds(
  traceIdRaw: unknown,
  spanIdRaw: unknown,
  fail: (code: DecodeIssue['code'], where: string, message: string) => void,
): { traceId: string | null; spanId: string | null } {
  const traceId = typeof traceIdRaw === 'string' ? idFromJson(traceIdRaw, 16) : null;
  if (traceId === null || isZeroId(traceId))
    fail(
      'invalid_trace_id',
      'traceId',
      `trace id ${describe(traceIdRaw)} is not 16 bytes of hex or base64, or is all zeros`,
    );
  const spanId = typeof spanIdRaw === 'string' ? idFromJson(spanIdRaw, 8) : null;
  if (spanId === null || isZeroId(spanId))
    fail(
      'invalid_span_id',
      'spanId',
      `span id ${describe(spanIdRaw)} is not 8 bytes of hex or base64, or is all zeros`,
    );
  return { traceId, spanId };
}
