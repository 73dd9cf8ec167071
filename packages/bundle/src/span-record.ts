/**
 * The one normalized span model. Every adapter (SDK spans, OTLP JSON or protobuf, Jaeger, Tempo)
 * produces span records; nothing after the adapters knows where a span came from.
 */

/**
 * An attribute value as every transport can carry it.
 * - integers within ±(2^53 − 1) and doubles are `number` (the JS SDK cannot tell 3 from 3.0, so
 *   neither do we); integers beyond that are `bigint`, exact;
 * - non-finite doubles (NaN, ±Infinity) are `number` too: the fold records them as strings;
 * - bytes are `Uint8Array`; arrays and key-value lists nest; `null` is an AnyValue with no member.
 */
export type AttributeValue =
  string | boolean | number | bigint | Uint8Array | null | readonly AttributeValue[] | KeyValueList;

/** A nested key-value list (OTLP `kvlistValue`). A null-prototype record: `__proto__` is data. */
export interface KeyValueList {
  readonly kvlist: Attributes;
}

/** Attributes: a null-prototype record, so keys such as `__proto__` stay plain data. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** Span kind by name. */
export type SpanKindName =
  'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** Span status code by name. */
export type StatusCodeName = 'unset' | 'ok' | 'error';

/** A span event. */
export interface SpanEventRecord {
  readonly name: string;
  /** Nanoseconds since the Unix epoch, exact. */
  readonly timeUnixNano: bigint;
  readonly attributes: Attributes;
}

/** A span link: a pointer from a span to a span of another (or the same) trace. */
export interface SpanLinkRecord {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
  readonly attributes: Attributes;
}

/** A finished span, normalized. */
export interface SpanRecord {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  readonly spanId: string;
  /** 16 lowercase hex digits; absent for a root span. */
  readonly parentSpanId?: string | undefined;
  readonly name: string;
  readonly kind: SpanKindName;
  /** Nanoseconds since the Unix epoch, exact. */
  readonly startTimeUnixNano: bigint;
  /** Nanoseconds since the Unix epoch, exact. */
  readonly endTimeUnixNano: bigint;
  readonly status: { readonly code: StatusCodeName; readonly message?: string | undefined };
  readonly attributes: Attributes;
  readonly events: readonly SpanEventRecord[];
  readonly resource: Attributes;
  readonly scope: { readonly name: string; readonly version?: string | undefined };
  /**
   * The span's links, where the door keeps them (absent where it does not: Zipkin drops them).
   * The fold never reads links into a bundle, so that every door gives the same bundle;
   * `runSegmentOf` reads the previous segment's link from them.
   */
  readonly links?: readonly SpanLinkRecord[] | undefined;
}

/**
 * Makes an attributes record with a null prototype from entries, so that keys like `__proto__`
 * and `constructor` are stored as data. Later entries win over earlier ones with the same key.
 *
 * @example
 * const attrs = attributesFrom([['workbench.run.id', 'r1']]);
 */
export function attributesFrom(entries: Iterable<readonly [string, AttributeValue]>): Attributes {
  const out = Object.create(null) as Record<string, AttributeValue>;
  for (const [key, value] of entries) out[key] = value;
  return out;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZERO32 = '0'.repeat(32);
const ZERO16 = '0'.repeat(16);

/**
 * Whether a string is a valid trace id: 32 lowercase hex digits, not all zero.
 *
 * @example
 * isValidTraceId('4bf92f3577b34da6a3ce929d0e0e4736'); // true
 */
export function isValidTraceId(id: string): boolean {
  return HEX32.test(id) && id !== ZERO32;
}

/**
 * Whether a string is a valid span id: 16 lowercase hex digits, not all zero.
 *
 * @example
 * isValidSpanId('00f067aa0ba902b7'); // true
 */
export function isValidSpanId(id: string): boolean {
  return HEX16.test(id) && id !== ZERO16;
}
