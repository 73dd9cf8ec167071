// Defensive readers: the page renders whatever JSON it was given, tampered or not a bundle at
// all, so every member is read through these and a wrong type reads as absent.

import { parseBundleTime } from '@llm-workbench/bundle/browser';

/**
 * The value as a plain object, or null.
 *
 * @example
 * asObject({ a: 1 }); // { a: 1 }
 */
export function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * The value as an array, or an empty one.
 *
 * @example
 * asArray('x'); // []
 */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/**
 * The value as a string, or null.
 *
 * @example
 * asString(3); // null
 */
export function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The value as a finite number, or null.
 *
 * @example
 * asNumber('3'); // null
 */
export function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A member of an object-like value, or undefined.
 *
 * @example
 * member({ run: { name: 'x' } }, 'run'); // { name: 'x' }
 */
export function member(value: unknown, key: string): unknown {
  const o = asObject(value);
  return o && Object.hasOwn(o, key) ? o[key] : undefined;
}

/**
 * A bundle time (RFC 3339 UTC with six fractional digits) as epoch microseconds, exactly, by
 * @llm-workbench/bundle's parseBundleTime; null when the value is not one.
 *
 * @example
 * parseTime('2025-11-26T10:10:42.000123Z'); // 1764151842000123n
 */
export function parseTime(time: unknown): bigint | null {
  return typeof time === 'string' ? parseBundleTime(time) : null;
}
