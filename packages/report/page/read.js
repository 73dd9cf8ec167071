// Defensive readers: the page renders whatever JSON it was given, tampered or not a bundle at
// all, so every member is read through these and a wrong type reads as absent.

import { parseBundleTime } from '@llm-workbench/bundle/browser';

/**
 * The value as a plain object, or null.
 *
 * @example
 * asObject({ a: 1 }); // { a: 1 }
 * @param {unknown} value
 * @returns {Record<string, unknown> | null}
 */
export function asObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? /** @type {Record<string, unknown>} */ (value)
    : null;
}

/**
 * The value as an array, or an empty one.
 *
 * @example
 * asArray('x'); // []
 * @param {unknown} value
 * @returns {unknown[]}
 */
export function asArray(value) {
  return Array.isArray(value) ? /** @type {unknown[]} */ (value) : [];
}

/**
 * The value as a string, or null.
 *
 * @example
 * asString(3); // null
 * @param {unknown} value
 * @returns {string | null}
 */
export function asString(value) {
  return typeof value === 'string' ? value : null;
}

/**
 * The value as a finite number, or null.
 *
 * @example
 * asNumber('3'); // null
 * @param {unknown} value
 * @returns {number | null}
 */
export function asNumber(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A member of an object-like value, or undefined.
 *
 * @example
 * member({ run: { name: 'x' } }, 'run'); // { name: 'x' }
 * @param {unknown} value
 * @param {string} key
 * @returns {unknown}
 */
export function member(value, key) {
  const o = asObject(value);
  return o && Object.hasOwn(o, key) ? o[key] : undefined;
}

/**
 * A bundle time (RFC 3339 UTC with six fractional digits) as epoch microseconds, exactly, by
 * @llm-workbench/bundle's parseBundleTime; null when the value is not one.
 *
 * @example
 * parseTime('2025-11-26T10:10:42.000123Z'); // 1764151842000123n
 * @param {unknown} time
 * @returns {bigint | null}
 */
export function parseTime(time) {
  return typeof time === 'string' ? parseBundleTime(time) : null;
}
