import type { Attributes, Context } from '@opentelemetry/api';
import type { EmittedLogRecord, LogRecordProcessor } from './sdk-types.js';
import type { RunBundleSpanProcessor } from './run-bundle-span-processor.js';

/** `EVENT_PREFIX` of @llm-workbench/semconv, which this package needs no copy of at run time. */
const EVENT_PREFIX = 'workbench.';
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

/**
 * A log record processor for `@opentelemetry/sdk-logs` that hands workbench events recorded as log
 * records (`Workbench({ events: 'log' })`, OTEP 4430) to a {@link RunBundleSpanProcessor}, which
 * makes each an event of its span before folding: the bundle is the one span events would give.
 * Only records with a `workbench.` `eventName` and a span context are taken; others are left to
 * the provider's other processors. Never throws into your code.
 *
 * @example
 * const spans = new RunBundleSpanProcessor({ sink });
 * const tracerProvider = new BasicTracerProvider({ spanProcessors: [spans] });
 * const loggerProvider = new LoggerProvider({ processors: [new RunBundleLogRecordProcessor(spans)] });
 * const wb = new Workbench({ tracerProvider, events: 'log', loggerProvider });
 */
export class RunBundleLogRecordProcessor implements LogRecordProcessor {
  constructor(private readonly spans: RunBundleSpanProcessor) {}

  onEmit(logRecord: EmittedLogRecord, _context?: Context): void {
    try {
      const name = logRecord.eventName;
      if (typeof name !== 'string' || !name.startsWith(EVENT_PREFIX)) return;
      const sc = logRecord.spanContext;
      if (sc === undefined || !HEX32.test(sc.traceId) || !HEX16.test(sc.spanId)) return;
      this.spans.acceptLogEvent(sc.traceId, sc.spanId, {
        name,
        time: logRecord.hrTime,
        // Workbench events carry attribute values only (no nested maps): the SDK's span-event
        // attributes in all but name.
        attributes: { ...logRecord.attributes } as Attributes,
      });
    } catch {
      // A record too odd to read is not a workbench event of ours; user code never sees it.
    }
  }

  /** Nothing of its own to flush: the span processor's `forceFlush` writes the bundles. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing of its own to stop: the span processor's `shutdown` folds what is buffered. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
