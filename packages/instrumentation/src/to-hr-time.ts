import type { HrTime } from '@opentelemetry/api';
import type { Reporter } from './reporter.js';
import type { EventTime } from './types.js';

const NANOS_PER_SECOND = 1e9;

/**
 * Converts an event time to an `HrTime`, or returns `undefined` when it is not a valid time (an
 * invalid `Date`, a negative or non-finite number, a malformed `HrTime`). Numbers are always
 * epoch milliseconds: converting here keeps the SDK from reading small numbers as
 * `performance.now()` values.
 *
 * @example
 * toHrTime(1_764_151_842_123); // [1764151842, 123000000]
 */
export function toHrTime(time: EventTime): HrTime | undefined {
  if (time instanceof Date) return millisToHrTime(time.getTime());
  if (typeof time === 'number') return millisToHrTime(time);
  if (
    Array.isArray(time) &&
    time.length === 2 &&
    Number.isSafeInteger(time[0]) &&
    Number.isSafeInteger(time[1]) &&
    time[0] >= 0 &&
    time[1] >= 0 &&
    time[1] < NANOS_PER_SECOND
  ) {
    return [time[0], time[1]];
  }
  return undefined;
}

function millisToHrTime(ms: number): HrTime | undefined {
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  let seconds = Math.floor(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (nanos >= NANOS_PER_SECOND) {
    seconds += 1;
    nanos -= NANOS_PER_SECOND;
  }
  return [seconds, nanos];
}

/**
 * An optional time option as an `HrTime`: `undefined` when not given; when given but invalid,
 * reported as bad input and `undefined` (the SDK then uses the current time).
 *
 * @example
 * span.end(optionalTime(time, 'end', reporter));
 */
export function optionalTime(
  time: EventTime | undefined,
  what: string,
  reporter: Reporter,
): HrTime | undefined {
  if (time === undefined) return undefined;
  const hr = toHrTime(time);
  if (hr === undefined) reporter.warn('bad_input', `${what}: time is not a valid time; now used`);
  return hr;
}
