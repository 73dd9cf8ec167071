import {
  attributesFrom,
  type Attributes,
  type SpanKindName,
  type StatusCodeName,
} from '@llm-workbench/bundle';
import type { DecodeIssueCode } from './types.js';

/** Largest OTLP time: times are fixed64 (unsigned) nanoseconds. */
export const MAX_UINT64 = (1n << 64n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Thrown inside a span's decoding and caught by the decoder, which rejects that span. */
export class SpanIssue extends Error {
  constructor(
    readonly code: DecodeIssueCode,
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}

/** The attributes of a span, event or resource that has none. */
export const EMPTY_ATTRIBUTES: Attributes = attributesFrom([]);

/** Throws the issue of a value nested deeper than `maxDepth` levels. */
export function checkDepth(depth: number, maxDepth: number, where: string): void {
  if (depth > maxDepth)
    throw new SpanIssue('attribute_too_deep', where, `value nests deeper than ${maxDepth} levels`);
}

/**
 * A resource's attributes as `read` gives them, or, when they have an issue, no attributes and
 * the issue, which every span or record of the resource then carries.
 */
export function resourceOf(read: () => Attributes): {
  attributes: Attributes;
  issue: SpanIssue | null;
} {
  try {
    return { attributes: read(), issue: null };
  } catch (err) {
    if (!(err instanceof SpanIssue)) throw err;
    return { attributes: EMPTY_ATTRIBUTES, issue: err };
  }
}

export const SPAN_KINDS: readonly SpanKindName[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];
export const STATUS_CODES: readonly StatusCodeName[] = ['unset', 'ok', 'error'];

/**
 * The reader of an OTLP enum in JSON: its number, or its name (`SPAN_KIND_SERVER`, or `SERVER` as
 * some producers write it), or its number as a string, to the lowercase name; unknown values read
 * as the first name, as proto3 keeps unknown enum values open.
 */
function enumFrom<T extends string>(names: readonly T[], prefix: string): (value: unknown) => T {
  const unknown = names[0] as T;
  const byName: ReadonlyMap<string, T> = new Map(
    names.map((n) => [`${prefix}${n.toUpperCase()}`, n] as const),
  );
  return (value) => {
    if (typeof value === 'number') return names[value] ?? unknown;
    if (typeof value !== 'string') return unknown;
    const upper = value.toUpperCase();
    return (
      byName.get(upper) ??
      byName.get(`${prefix}${upper}`) ??
      (/^\d+$/.test(value) ? (names[Number(value)] ?? unknown) : unknown)
    );
  };
}

/**
 * Span kind from an OTLP enum: an integer, or its name (`SPAN_KIND_SERVER`, or `SERVER` as some
 * producers write it). Unknown values are `unspecified`, as proto3 keeps unknown enum values open.
 *
 * @example
 * spanKindFrom('SPAN_KIND_CLIENT'); // 'client'
 */
export const spanKindFrom: (value: unknown) => SpanKindName = enumFrom(SPAN_KINDS, 'SPAN_KIND_');

/**
 * Status code from an OTLP enum: an integer or its name. Unknown values are `unset`.
 *
 * @example
 * statusCodeFrom(2); // 'error'
 */
export const statusCodeFrom: (value: unknown) => StatusCodeName = enumFrom(
  STATUS_CODES,
  'STATUS_CODE_',
);

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Reads an id written as hex (any case) or base64 (standard or URL-safe, padded or not) and
 * returns it as lowercase hex of `bytes` bytes, or null when it is neither. All-zero ids are
 * returned as they are: callers decide what zero means.
 */
export function idFromJson(value: string, bytes: number): string | null {
  if (value.length === bytes * 2 && HEX.test(value)) return value.toLowerCase();
  if (BASE64.test(value)) {
    const unpadded = value.replace(/=+$/, '');
    if (unpadded.length !== Math.ceil((bytes * 4) / 3)) return null;
    const buf = Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (buf.length !== bytes) return null;
    return buf.toString('hex');
  }
  return null;
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** Whether a lowercase hex id is all zeros. */
export function isZeroId(hex: string): boolean {
  // Compared, not looked up in a set: hashing a fresh id string cost more than the comparison,
  // which stops at the first character of any real id.
  return hex === ZERO_TRACE_ID || hex === ZERO_SPAN_ID;
}

const DIGITS = /^\d+$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a decimal number written as text (plain, with a fraction or an exponent) exactly, and
 * returns it when it is an integer, else null. Never goes through a JS number.
 */
export function exactIntegerFromText(text: string): bigint | null {
  if (DIGITS.test(text)) return BigInt(text);
  const m = DECIMAL.exec(text);
  if (m === null) return null;
  const [, sign = '', whole = '', frac = '', expText = '0'] = m;
  const exp = Number(expText);
  if (!Number.isSafeInteger(exp) || exp > 1000 || exp < -1000 - whole.length - frac.length) {
    // Absurd exponents: only zero survives them as an integer.
    return /^0*$/.test(whole + frac) ? 0n : null;
  }
  let digits = whole + frac;
  let scale = frac.length - exp; // value = digits × 10^-scale
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    if (!/^0*$/.test(digits.slice(-scale))) return null;
    digits = digits.slice(0, -scale);
    scale = 0;
  }
  const magnitude = BigInt(digits) * 10n ** BigInt(-scale);
  return sign === '-' ? -magnitude : magnitude;
}

/** The outcome of reading a time: nanoseconds, or why not. */
export type TimeResult =
  bigint | { code: 'missing_time' | 'invalid_time' | 'time_out_of_range'; message: string };

/** Validates nanoseconds read exactly from the wire: required, non-zero, within uint64. */
export function checkTime(ns: bigint): TimeResult {
  if (ns === 0n) return { code: 'missing_time', message: 'time is zero (unset)' };
  if (ns < 0n) return { code: 'invalid_time', message: `time is negative: ${ns}` };
  if (ns > MAX_UINT64)
    return { code: 'time_out_of_range', message: `time is above 2^64 - 1: ${ns}` };
  return ns;
}

/** Reads an OTLP JSON time (a string of digits, or a number) exactly. */
export function timeFromJson(value: unknown): TimeResult {
  if (value === undefined || value === null)
    return { code: 'missing_time', message: 'time is missing' };
  if (typeof value === 'string') {
    const n = exactIntegerFromText(value.trim());
    if (n === null)
      return {
        code: 'invalid_time',
        message: `time is not an integer: ${JSON.stringify(value.slice(0, 40))}`,
      };
    return checkTime(n);
  }
  if (typeof value === 'number') {
    // Large literals were turned into strings before parsing (see parseOtlpJson), so a number here
    // is either small enough to be exact or came from an already parsed value.
    if (!Number.isInteger(value))
      return { code: 'invalid_time', message: `time is not an integer: ${value}` };
    return checkTime(BigInt(value));
  }
  return { code: 'invalid_time', message: `time has type ${typeof value}` };
}

/** An int64 as a span record holds it: a number when safe, else a bigint. Null when out of range. */
export function int64Value(n: bigint): number | bigint | null {
  if (n < MIN_INT64 || n > MAX_INT64) return null;
  return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n;
}
