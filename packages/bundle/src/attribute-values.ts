import { INLINE_LIMIT_BYTES } from '@llm-workbench/semconv';
import type { AttributeValue, Attributes } from './span-record.js';
import type { BundleAttributes, JsonValue } from './types.js';

/** How deep nested arrays and key-value lists are kept before being cut. */
export const MAX_VALUE_DEPTH = 8;
/** How many items of one array or key-value list are kept. */
export const MAX_VALUE_ITEMS = 128;
/** How many attributes of one kept event are kept (the first, by key order). */
export const MAX_EVENT_ATTRIBUTES = 64;

const SECRET_KEY = /(authorization|api[-_.]?key|secret|password|passwd|token|cookie|credential)/i;
const SECRET_VALUE =
  /(\bsk-[A-Za-z0-9_-]{16,}|\bBearer\s+[A-Za-z0-9._~+/-]{16,}|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bxox[abpr]-[A-Za-z0-9-]{10,}|\bAIza[0-9A-Za-z_-]{30,})/;

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * UTF-8 byte length of a string, without encoding it: what `TextEncoder` would write, lone
 * surrogates counted as the three bytes of U+FFFD.
 */
export function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c <= 0xdbff && c >= 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 2 code units, 4 bytes
      i++;
    } else {
      bytes += 2; // 3 bytes: the rest of the BMP, and lone surrogates (as U+FFFD)
    }
  }
  return bytes;
}

/** Whether a key names something secret (authorization headers, API keys, tokens, passwords). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !key.startsWith('gen_ai.usage.');
}

/** Whether a string looks like a credential (provider API keys, bearer tokens, cloud keys). */
export function looksLikeSecret(value: string): boolean {
  return SECRET_VALUE.test(value);
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function isKvList(v: AttributeValue): v is { readonly kvlist: Attributes } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/**
 * Converts an attribute value to the JSON a bundle holds: bigints as decimal strings, non-finite
 * doubles as "NaN" / "Infinity" / "-Infinity", bytes as `{ bytesBase64 }`, strings over the inline
 * limit as `{ omitted, size }`, credentials redacted, nesting and list lengths bounded. Objects are
 * built with a null prototype so keys such as `__proto__` stay data.
 */
export function toBundleValue(value: AttributeValue, depth = 0): JsonValue {
  if (value === null) return null;
  switch (typeof value) {
    case 'string': {
      const size = utf8Length(value);
      // No size: a backend that truncates long values (Tempo) would change it.
      if (size > INLINE_LIMIT_BYTES) return omitted('over_inline_limit', null);
      return looksLikeSecret(value) ? REDACTED : value;
    }
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) return String(value);
      // An integer the JS SDK holds as an unsafe double travels as an OTLP intValue and arrives
      // elsewhere as a bigint: write it the way a bigint is written, so every door agrees.
      if (Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 2 ** 63) {
        return BigInt(value).toString();
      }
      return value;
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    default:
      break;
  }
  if (value instanceof Uint8Array) {
    if (value.byteLength > INLINE_LIMIT_BYTES)
      return omitted('over_inline_limit', value.byteLength);
    return nullProto({ bytesBase64: bytesToBase64(value) });
  }
  if (depth >= MAX_VALUE_DEPTH) return omitted('too_deep', null);
  if (Array.isArray(value)) {
    const items = value as readonly AttributeValue[];
    const out: JsonValue[] = [];
    for (let i = 0; i < items.length && i < MAX_VALUE_ITEMS; i++) {
      out.push(toBundleValue(items[i]!, depth + 1));
    }
    if (items.length > MAX_VALUE_ITEMS) out.push(omitted('too_many_items', items.length));
    return out;
  }
  if (isKvList(value)) {
    return nullProto({ kvlist: toBundleAttributes(value.kvlist, depth + 1, MAX_VALUE_ITEMS) });
  }
  return null;
}

/**
 * Converts attributes for a kept event: keys sorted, at most `limit` of them (the rest counted
 * under the reserved key `workbench.dropped_attributes`), secrets redacted by key and by value.
 */
export function toBundleAttributes(
  attributes: Attributes,
  depth = 0,
  limit = MAX_EVENT_ATTRIBUTES,
): BundleAttributes {
  const keys = Object.keys(attributes).sort();
  const out = Object.create(null) as BundleAttributes;
  let kept = 0;
  for (const key of keys) {
    if (kept >= limit) break;
    const size = utf8Length(key);
    if (size > INLINE_LIMIT_BYTES) continue;
    kept++;
    out[key] = isSecretKey(key) ? REDACTED : toBundleValue(attributes[key]!, depth);
  }
  if (keys.length > kept) out['workbench.dropped_attributes'] = keys.length - kept;
  return out;
}

function omitted(reason: string, size: number | null): JsonValue {
  return nullProto({ omitted: reason, size });
}

function nullProto(fields: Record<string, JsonValue>): { [key: string]: JsonValue } {
  const out = Object.create(null) as { [key: string]: JsonValue };
  for (const k of Object.keys(fields)) out[k] = fields[k]!;
  return out;
}
