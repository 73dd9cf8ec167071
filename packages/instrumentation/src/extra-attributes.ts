import type { Attributes } from '@opentelemetry/api';
import type { Reporter } from './reporter.js';

/**
 * The caller's extra span attributes, if they are a record; anything else (a string would spread
 * into `{ 0: 'n', 1: 'o' }`) is reported and ignored.
 *
 * @example
 * const attributes = { ...extraAttributes(options.attributes, 'startRun', reporter), [ATTR_RUN_ID]: id };
 */
export function extraAttributes(value: unknown, what: string, reporter: Reporter): Attributes {
  if (value === undefined) return {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Attributes;
  reporter.warn('bad_input', `${what}: attributes is not a record; ignored`);
  return {};
}
