import { DEFAULT_MAX_VALUE_DEPTH } from '@llm-workbench/otlp';
import { newScannedSpans, type ScannedSpans } from './scanned-spans.js';

type JsonObject = Record<string, unknown>;

/** Thrown inside the scan for anything the fast path does not vouch for; the caller decodes fully. */
class Bail extends Error {}
const BAIL = new Bail();

const LOWER_TRACE_ID = /^[0-9a-f]{32}$/;
const ANY_TRACE_ID = /^[0-9a-fA-F]{32}$/;
const LOWER_SPAN_ID = /^[0-9a-f]{16}$/;
const ANY_SPAN_ID = /^[0-9a-fA-F]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** Times the decoder surely accepts: 1 to 10^19 − 1 (below 2^64), no sign, no leading zero. */
const TIME_TEXT = /^[1-9]\d{0,18}$/;
/** int64 values the decoder surely accepts: up to 18 digits. */
const INT_TEXT = /^-?\d{1,18}$/;
const DOUBLE_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The ingest fast path for OTLP/JSON: parses a request with plain `JSON.parse`, checks it against
 * every rule `decodeOtlpJson` applies without building span records, and returns the ids and root
 * flags of the spans.
 *
 * It vouches only for requests in which every span is valid and written the usual way (hex ids,
 * 64-bit integers as strings of digits, as the proto3 JSON mapping writes them): for anything else
 * it returns null and the caller decodes with `decodeOtlpJson`, which reports exactly. `JSON.parse`
 * may round a bare number where the decoder reads the text exactly: bare-number times are left to
 * the decoder, and a bare-number `intValue` (the OpenTelemetry JS exporter writes them so) is taken
 * only when it is a safe integer and no bare `intValue` in the text has more than 15 characters,
 * so none of them was rounded. Whatever it accepts, the decoder accepts with the same ids in the same order: the
 * differential test in `test/ingest-scan.test.ts` holds the two together.
 *
 * @example
 * const scanned = scanOtlpJson(text); // null: decode with decodeOtlpJson
 */
export function scanOtlpJson(text: string): ScannedSpans | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return scanOtlpJsonValue(value, text);
}

/**
 * {@link scanOtlpJson} on a request already parsed with `JSON.parse` from `text`. When it vouches
 * for the request, `decodeOtlpJsonValue(value)` decodes it exactly as `decodeOtlpJson(text)`
 * would, without the decoder's own parse.
 *
 * @example
 * const value = JSON.parse(text);
 * const result = scanOtlpJsonValue(value, text) ? decodeOtlpJsonValue(value) : decodeOtlpJson(text);
 */
export function scanOtlpJsonValue(value: unknown, text: string): ScannedSpans | null {
  const scan = new JsonScan();
  try {
    scan.request(value);
  } catch (err) {
    if (err === BAIL) return null;
    throw err;
  }
  if (scan.bareIntegers && LONG_BARE_INTEGER.test(text)) return null;
  return scan.out;
}

/** A bare `intValue` of 16 characters or more: it may have been rounded (conservative). */
const LONG_BARE_INTEGER = /(?:intValue|int_value)"\s*:\s*-?[\d.eE+-]{16}/;

class JsonScan {
  readonly out = newScannedSpans();
  /** Whether some `intValue` was a bare number. */
  bareIntegers = false;

  request(value: unknown): void {
    if (!isObject(value)) throw BAIL;
    const resourceSpans = value['resourceSpans'] ?? value['resource_spans'];
    if (resourceSpans === undefined || resourceSpans === null) return;
    if (!Array.isArray(resourceSpans)) throw BAIL;
    for (let i = 0; i < resourceSpans.length; i++) this.resourceSpans(resourceSpans[i]);
  }

  private resourceSpans(rs: unknown): void {
    if (!isObject(rs)) throw BAIL;
    const res = rs['resource'];
    if (isObject(res)) this.attributes(res['attributes'], 0);
    let scopeSpans = rs['scopeSpans'] ?? rs['scope_spans'];
    if (!Array.isArray(scopeSpans) || scopeSpans.length === 0) {
      const legacy = rs['instrumentationLibrarySpans'] ?? rs['instrumentation_library_spans'];
      if (legacy !== undefined && legacy !== null) scopeSpans = legacy;
    }
    if (scopeSpans === undefined || scopeSpans === null) return;
    if (!Array.isArray(scopeSpans)) throw BAIL;
    for (let j = 0; j < scopeSpans.length; j++) {
      const ss: unknown = scopeSpans[j];
      if (!isObject(ss)) throw BAIL; // (nothing in a scope is rejected)
      const spans = ss['spans'];
      if (spans === undefined || spans === null) continue;
      if (!Array.isArray(spans)) throw BAIL;
      for (let k = 0; k < spans.length; k++) this.span(spans[k]);
    }
  }

  private span(value: unknown): void {
    if (!isObject(value)) throw BAIL;
    let traceIdRaw: unknown;
    let spanIdRaw: unknown;
    let parentRaw: unknown;
    let startRaw: unknown;
    let endRaw: unknown;
    let attributesRaw: unknown;
    let eventsRaw: unknown;
    // The decoder's own loop: camelCase and snake_case alike, the last one written wins. Name, kind
    // and status are never rejected.
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
        default:
          break;
      }
    }
    const traceId = hexId(traceIdRaw, LOWER_TRACE_ID, ANY_TRACE_ID, ZERO_TRACE_ID);
    const spanId = hexId(spanIdRaw, LOWER_SPAN_ID, ANY_SPAN_ID, ZERO_SPAN_ID);
    let root = true;
    if (parentRaw !== undefined && parentRaw !== null && parentRaw !== '')
      root = hexId(parentRaw, LOWER_SPAN_ID, ANY_SPAN_ID, null) === ZERO_SPAN_ID;
    checkTime(startRaw);
    checkTime(endRaw);
    this.attributes(attributesRaw, 0);
    this.events(eventsRaw);
    const out = this.out;
    out.traceIds.push(traceId);
    out.spanIds.push(spanId);
    out.roots.push(root);
    out.count++;
  }

  private events(value: unknown): void {
    if (value === undefined || value === null) return;
    if (!Array.isArray(value)) throw BAIL;
    for (let i = 0; i < value.length; i++) {
      const e: unknown = value[i];
      if (!isObject(e)) throw BAIL;
      checkTime(e['timeUnixNano'] ?? e['time_unix_nano']);
      this.attributes(e['attributes'], 0);
    }
  }

  private attributes(value: unknown, depth: number): void {
    if (value === undefined || value === null) return;
    if (!Array.isArray(value)) throw BAIL;
    for (let i = 0; i < value.length; i++) {
      const kv: unknown = value[i];
      if (!isObject(kv) || typeof kv['key'] !== 'string') throw BAIL;
      this.anyValue(kv['value'], depth);
    }
  }

  private anyValue(value: unknown, depth: number): void {
    if (value === undefined || value === null) return;
    if (!isObject(value)) throw BAIL;
    let members = 0;
    for (const key in value) {
      const v = value[key];
      if (v === undefined || v === null) continue; // proto3 JSON: null is the same as absent
      switch (key) {
        case 'stringValue':
        case 'string_value':
          if (typeof v !== 'string') throw BAIL;
          break;
        case 'boolValue':
        case 'bool_value':
          if (typeof v !== 'boolean') throw BAIL;
          break;
        case 'intValue':
        case 'int_value':
          if (typeof v === 'number') {
            // Exact unless its text was long (checked on the text afterwards).
            if (!Number.isSafeInteger(v)) throw BAIL;
            this.bareIntegers = true;
          } else if (typeof v !== 'string' || !INT_TEXT.test(v)) throw BAIL;
          break;
        case 'doubleValue':
        case 'double_value':
          if (
            typeof v !== 'number' &&
            !(
              typeof v === 'string' &&
              (v === 'NaN' || v === 'Infinity' || v === '-Infinity' || DOUBLE_TEXT.test(v))
            )
          )
            throw BAIL;
          break;
        case 'bytesValue':
        case 'bytes_value':
          if (
            typeof v !== 'string' ||
            !BASE64_TEXT.test(v) ||
            v.replace(/=+$/, '').length % 4 === 1
          )
            throw BAIL;
          break;
        case 'arrayValue':
        case 'array_value':
          this.arrayValue(v, depth + 1);
          break;
        case 'kvlistValue':
        case 'kvlist_value':
          if (depth + 1 > DEFAULT_MAX_VALUE_DEPTH || !isObject(v)) throw BAIL;
          this.attributes(v['values'], depth + 1);
          break;
        default:
          continue; // unknown fields are ignored
      }
      members++;
    }
    if (members > 1) throw BAIL;
  }

  private arrayValue(v: unknown, depth: number): void {
    if (depth > DEFAULT_MAX_VALUE_DEPTH || !isObject(v)) throw BAIL;
    const values = v['values'];
    if (values === undefined || values === null) return;
    if (!Array.isArray(values)) throw BAIL;
    for (let i = 0; i < values.length; i++) this.anyValue(values[i], depth);
  }
}

/** A hex id of the expected length, lowercased; bails on anything else (base64 goes the slow way). */
function hexId(v: unknown, lower: RegExp, any: RegExp, zero: string | null): string {
  if (typeof v !== 'string') throw BAIL;
  let id: string;
  if (lower.test(v)) id = v;
  else if (any.test(v)) id = v.toLowerCase();
  else throw BAIL;
  if (id === zero) throw BAIL;
  return id;
}

/** A time the decoder surely accepts: a string of digits, 1 to 10^19 − 1. */
function checkTime(v: unknown): void {
  // Bare numbers included: JSON.parse may have rounded them, so the decoder judges them.
  if (typeof v !== 'string' || !TIME_TEXT.test(v)) throw BAIL;
}
