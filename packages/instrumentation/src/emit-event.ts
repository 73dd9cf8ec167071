import { context, trace, type Attributes, type HrTime, type Span } from '@opentelemetry/api';
import type { ResolvedConfig } from './internal-types.js';
import type { Reporter } from './reporter.js';

/**
 * Records one workbench event on a span: as a span event (the default), or, with
 * `events: 'log'`, as a Logs API record with `eventName`, in the context of that span so the
 * record carries its trace and span ids (OTEP 4430). Never throws: a logger that throws is
 * reported once through diag and the event is lost, as the SDK loses a span event it drops.
 *
 * @example
 * emitEvent(config, reporter, span, EVENT_ARTIFACT, attributes, hrTime);
 */
export function emitEvent(
  config: ResolvedConfig,
  reporter: Reporter,
  span: Span,
  name: string,
  attributes: Attributes,
  time: HrTime | undefined,
): void {
  const logger = config.eventLogger;
  if (logger === null) {
    span.addEvent(name, attributes, time);
    return;
  }
  try {
    logger.emit({
      eventName: name,
      // The time a span event would get, so that both ways record the same instant.
      timestamp: time ?? new Date(),
      attributes,
      context: trace.setSpan(context.active(), span),
    });
  } catch (err) {
    reporter.error('log_emit_failed', `${name}: the logger's emit() threw; not recorded`, err);
  }
}
