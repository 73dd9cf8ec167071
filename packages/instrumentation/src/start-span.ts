import {
  INVALID_SPAN_CONTEXT,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import type { Reporter } from './reporter.js';

/**
 * Starts a span, or returns a non-recording one when the caller's tracer throws: instrumentation
 * must not take the app down with it.
 *
 * @example
 * const span = startSpan(tracer, 'step draft', { attributes }, context.active(), reporter);
 */
export function startSpan(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  parent: Context,
  reporter: Reporter,
): Span {
  try {
    return tracer.startSpan(name, options, parent);
  } catch (err) {
    reporter.error('tracer_failed', `tracer.startSpan("${name}") threw; not recorded`, err);
    return nonRecordingSpan();
  }
}

/**
 * A span that records nothing, for when no real one could be had.
 *
 * @example
 * const span = nonRecordingSpan(); // span.isRecording() === false
 */
export function nonRecordingSpan(): Span {
  return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
}
