import { SpanStatusCode, type Exception, type Span } from '@opentelemetry/api';
import { describe } from './reporter.js';

/**
 * Records a thrown value on a span as an `exception` event and sets the span's status to error.
 * Accepts anything that can be thrown, not only `Error`s.
 *
 * @example
 * recordError(span, new Error('model timed out'));
 */
export function recordError(span: Span, error: unknown): void {
  let exception: Exception;
  let message: string;
  if (error instanceof Error) {
    exception = error;
    message = error.message;
  } else if (typeof error === 'string') {
    exception = error;
    message = error;
  } else {
    message = describe(error);
    exception = { message };
  }
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
