import type { Context, HrTime } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor, StartedSpan, TimedEvent } from './sdk-types.js';
import { BufferedTraceFolder } from './buffered-trace-folder.js';
import type { TraceEntry } from './trace-buffer.js';
import type { BundleFoldingOptions } from './types.js';

/**
 * A span processor that folds each finished trace into a run bundle and hands it to a sink.
 * A trace is folded once its local root span and every span started in it have ended, or after
 * `idleTimeoutMs` without activity (then the bundle says `complete: false`). `onEnd` only buffers;
 * folding and writing happen on a later turn of the event loop. Never throws into your code:
 * drops and failures are counted in {@link RunBundleSpanProcessor.stats} and reported once through diag.
 *
 * @example
 * const provider = new BasicTracerProvider({
 *   spanProcessors: [
 *     new BatchSpanProcessor(new OTLPTraceExporter()),
 *     new RunBundleSpanProcessor({ sink: new FileBundleSink({ directory: './bundles' }) }),
 *   ],
 * });
 */
export class RunBundleSpanProcessor extends BufferedTraceFolder implements SpanProcessor {
  constructor(options: BundleFoldingOptions) {
    super('RunBundleSpanProcessor', options, ({ idleTimeoutMs: idle }) => ({
      decide: (entry, now) => (now - entry.lastActivity >= idle ? 'truncated' : 'keep'),
      everyMs: Math.max(10, Math.min(idle / 2, 5000)),
    }));
  }

  onStart(span: StartedSpan, _parentContext: Context): void {
    if (this.shutdownPromise) return;
    try {
      const entry = this.buffer.entryFor(span.spanContext().traceId, performance.now(), true);
      if (!entry) return;
      entry.open++;
      entry.lastActivity = performance.now();
    } catch (err) {
      this.pipeline.warnOnce('onStart', `onStart failed: ${(err as Error).message}`);
    }
  }

  onEnd(span: ReadableSpan): void {
    if (this.shutdownPromise) return;
    try {
      const traceId = span.spanContext().traceId;
      const entry = this.buffer.entryFor(traceId, performance.now(), false);
      if (!entry) return;
      const spanId = span.spanContext().spanId;
      const logs = entry.logEvents.get(spanId);
      if (logs !== undefined) {
        entry.logEvents.delete(spanId);
        entry.logEventCount -= logs.length;
        this.buffer.add(entry, withLogEvents(span, logs));
      } else {
        this.buffer.add(entry, span);
      }
      entry.open--;
      entry.lastActivity = performance.now();
      const parent = span.parentSpanContext;
      if (parent === undefined || parent.isRemote === true) entry.rootSeen = true;
      if (entry.rootSeen && entry.open <= 0) this.buffer.fold(traceId, entry, false);
    } catch (err) {
      this.pipeline.warnOnce('onEnd', `onEnd failed: ${(err as Error).message}`);
    }
  }

  /**
   * Takes a workbench event that came as a log record (from {@link RunBundleLogRecordProcessor}):
   * kept until its span ends, then made an event of that span. Records of traces this processor
   * does not hold (not started here, or already folded) are counted and dropped.
   * @internal
   */
  acceptLogEvent(traceId: string, spanId: string, event: TimedEvent): void {
    if (this.shutdownPromise) return;
    try {
      const entry = this.buffer.entries.get(traceId);
      if (!entry) {
        this.pipeline.stats.droppedLogEvents++;
        this.pipeline.warnOnce(
          'logWithoutTrace',
          `a log-record event of trace ${traceId} came while no span of that trace was open here; dropped`,
        );
        return;
      }
      this.buffer.addLogEvent(entry, spanId, event);
      entry.lastActivity = performance.now();
    } catch (err) {
      this.pipeline.warnOnce('onEmit', `onEmit failed: ${(err as Error).message}`);
    }
  }

  /** Writes every finished trace's bundle; rejects if the sink has not finished within `flushTimeoutMs`. */
  forceFlush(): Promise<void> {
    return this.pipeline.flushWithin('RunBundleSpanProcessor.forceFlush');
  }

  /**
   * Folds every buffered trace (unfinished ones marked incomplete), writes them, and stops. Runs
   * once; later calls return the same promise. Rejects if the sink does not finish within `flushTimeoutMs`.
   */
  shutdown(): Promise<void> {
    return this.shutdownOnce(isFinished);
  }
}

/**
 * The span as if its log-record events had been span events: sorted by time (ties in emission
 * order) and merged into its own events by time, a span event first where times tie: the order
 * `attachLogEvents` of @llm-workbench/bundle gives, so every door folds the same bundle. Every
 * other member is read through to the SDK's span.
 */
function withLogEvents(span: ReadableSpan, logs: readonly TimedEvent[]): ReadableSpan {
  const sorted = [...logs].sort((a, b) => compareHrTime(a.time, b.time));
  const merged: TimedEvent[] = [];
  let j = 0;
  for (const event of span.events) {
    while (j < sorted.length && compareHrTime(sorted[j]!.time, event.time) < 0)
      merged.push(sorted[j++]!);
    merged.push(event);
  }
  while (j < sorted.length) merged.push(sorted[j++]!);
  return Object.create(span, { events: { value: merged, enumerable: true } }) as ReadableSpan;
}

function compareHrTime(a: HrTime, b: HrTime): number {
  return a[0] - b[0] || a[1] - b[1];
}

function isFinished(entry: TraceEntry): boolean {
  return entry.rootSeen && entry.open <= 0;
}
