import type { ReadableSpan, TimedEvent } from './sdk-types.js';
import type { BundlePipeline, ResolvedFoldingOptions } from './bundle-pipeline.js';
import type { StrayLogEvent } from './span-transfer.js';

/** What is known of one trace while its spans are buffered. */
export interface TraceEntry {
  readonly spans: ReadableSpan[];
  /** Spans started and not yet ended (processor only). */
  open: number;
  /** The local root (no parent, or a remote parent) has ended or arrived. */
  rootSeen: boolean;
  /** How many spans of this trace were dropped at `maxSpansPerTrace` (its bundle is incomplete). */
  droppedSpans: number;
  /** `performance.now()` of the last span seen. */
  lastActivity: number;
  /** Events that came as log records, by the id of their span, until that span ends. */
  readonly logEvents: Map<string, TimedEvent[]>;
  /** How many events `logEvents` holds, for the per-trace cap. */
  logEventCount: number;
}

const RECENT_LIMIT = 10_000;

/**
 * The per-trace buffer behind the processor and the exporter: caps on open traces and spans per
 * trace, a memory of recently folded traces (so late spans are counted, not folded into a second,
 * partial bundle), and an unref'd sweeper that folds traces gone idle.
 */
export class TraceBuffer {
  readonly entries = new Map<string, TraceEntry>();
  private readonly recent = new Set<string>();
  private readonly refused = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ResolvedFoldingOptions,
    private readonly pipeline: BundlePipeline,
    /** Decides, at each sweep, whether an entry is ready (complete) or idle (truncated). */
    private readonly sweepDecision: (
      entry: TraceEntry,
      now: number,
    ) => 'keep' | 'complete' | 'truncated',
    private readonly sweepEveryMs: number,
  ) {}

  /** The entry of a trace, created if there is room; undefined when refused or already folded. */
  entryFor(traceId: string, now: number, create: boolean): TraceEntry | undefined {
    const existing = this.entries.get(traceId);
    if (existing) return existing;
    if (this.recent.has(traceId)) {
      this.pipeline.stats.lateSpans++;
      this.pipeline.warnOnce(
        'late',
        `a span of trace ${traceId} arrived after its bundle was folded; late spans are counted and dropped`,
      );
      return undefined;
    }
    if (!create) return undefined;
    if (this.refused.has(traceId)) {
      this.pipeline.stats.droppedSpans++;
      return undefined;
    }
    if (this.entries.size >= this.options.maxOpenTraces) {
      this.remember(this.refused, traceId);
      this.pipeline.stats.droppedTraces++;
      this.pipeline.stats.droppedSpans++;
      this.pipeline.warnOnce(
        'maxOpenTraces',
        `more than maxOpenTraces (${this.options.maxOpenTraces}) traces are open; spans of further traces are dropped`,
      );
      return undefined;
    }
    const entry: TraceEntry = {
      spans: [],
      open: 0,
      rootSeen: false,
      droppedSpans: 0,
      lastActivity: now,
      logEvents: new Map(),
      logEventCount: 0,
    };
    this.entries.set(traceId, entry);
    this.startSweeper();
    return entry;
  }

  /**
   * Buffers a finished span, within the per-trace cap. The local root is kept past the cap (one
   * span over it at most): it is the run span, which ends last, and without it a cut bundle would
   * not know its run.
   */
  add(entry: TraceEntry, span: ReadableSpan): void {
    const parent = span.parentSpanContext;
    const firstRoot = !entry.rootSeen && (parent === undefined || parent.isRemote === true);
    if (entry.spans.length >= this.options.maxSpansPerTrace && !firstRoot) {
      entry.droppedSpans++;
      this.pipeline.stats.droppedSpans++;
      this.pipeline.warnOnce(
        'maxSpansPerTrace',
        `a trace has more than maxSpansPerTrace (${this.options.maxSpansPerTrace}) spans; further spans are dropped and its bundle is marked incomplete, with their count`,
      );
      return;
    }
    entry.spans.push(span);
  }

  /**
   * Keeps an event that came as a log record until its span ends, within the per-trace cap (the
   * same as for spans: a log record costs about what a span event does).
   */
  addLogEvent(entry: TraceEntry, spanId: string, event: TimedEvent): void {
    if (entry.logEventCount >= this.options.maxSpansPerTrace) {
      this.pipeline.stats.droppedLogEvents++;
      this.pipeline.warnOnce(
        'maxLogEvents',
        `a trace has more than maxSpansPerTrace (${this.options.maxSpansPerTrace}) log-record events; further ones are dropped`,
      );
      return;
    }
    entry.logEventCount++;
    const list = entry.logEvents.get(spanId);
    if (list === undefined) entry.logEvents.set(spanId, [event]);
    else list.push(event);
  }

  /** Hands a trace to the pipeline and forgets it. */
  fold(traceId: string, entry: TraceEntry, truncated: boolean): void {
    this.entries.delete(traceId);
    // Log events whose span never ended here go to the fold as they are: it flags them
    // (log_event_without_span) and folds the trace as early, never making a span of them, as it
    // does for records a backend delivered without their span, so every door gives one bundle.
    const strayLogs: StrayLogEvent[] = [];
    for (const [spanId, events] of entry.logEvents)
      for (const event of events) strayLogs.push({ traceId, spanId, event });
    this.remember(this.recent, traceId);
    const droppedSpans =
      entry.droppedSpans > 0
        ? { count: entry.droppedSpans, limit: this.options.maxSpansPerTrace }
        : undefined;
    this.pipeline.submit(
      entry.spans,
      truncated || droppedSpans !== undefined,
      strayLogs,
      droppedSpans,
    );
    if (this.entries.size === 0) this.stopSweeper();
  }

  /** Folds every buffered trace now, e.g. at shutdown; unfinished ones as truncated. */
  foldAll(isComplete: (entry: TraceEntry) => boolean): void {
    for (const [traceId, entry] of [...this.entries]) this.fold(traceId, entry, !isComplete(entry));
  }

  /** Runs one sweep at `now` (exposed for the exporter's forceFlush). */
  sweep(now: number): void {
    for (const [traceId, entry] of [...this.entries]) {
      const decision = this.sweepDecision(entry, now);
      if (decision !== 'keep') this.fold(traceId, entry, decision === 'truncated');
    }
  }

  stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(performance.now()), this.sweepEveryMs);
    this.sweeper.unref();
  }

  private remember(set: Set<string>, traceId: string): void {
    if (set.size >= RECENT_LIMIT) {
      const oldest = set.values().next().value;
      if (oldest !== undefined) set.delete(oldest);
    }
    set.add(traceId);
  }
}
