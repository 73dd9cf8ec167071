import { SpanStatusCode, type Exception, type Span } from '@opentelemetry/api';
import { describe } from './reporter.js';

/**
 * Records a thrown value on a span as an `exception` event and sets the span's status to error.
 * Accepts anything that can be thrown, not only `Error`s, and never throws itself: an `Error`
 * whose `message`, `name` or `stack` getter throws (or a Proxy that throws on every access) is
 * recorded with what can be read, and the status is set whatever happens to the event.
 *
 * @example
 * recordError(span, new Error('model timed out'));
 */
export function recordError(span: Span, error: unknown): void {
  let exception: Exception;
  let message: string;
  if (typeof error === 'string') {
    exception = error;
    message = error;
  } else if (isError(error)) {
    // Copied field by field, so that the SDK never calls a getter that throws.
    message = read(() => error.message, '[message that cannot be read]');
    const name = read(() => error.name, 'Error');
    const stack = read(() => error.stack, undefined);
    exception = { name, message, ...(stack !== undefined ? { stack } : {}) };
  } else {
    message = describe(error);
    exception = { message };
  }
  try {
    span.recordException(exception);
  } finally {
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
}

function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false; // a Proxy whose getPrototypeOf trap throws
  }
}

/** A string property read from a hostile value, or the fallback when reading throws. */
function read<T extends string | undefined>(get: () => unknown, fallback: T): string | T {
  try {
    const value = get();
    if (typeof value === 'string') return value;
    return value === undefined ? fallback : describe(value);
  } catch {
    return fallback;
  }
}
