import { bundleRun, isRunTrace, runSegmentOf, sumDroppedSpans } from '@llm-workbench/bundle';
import type { LogEventRecord, RunBundle, SpanRecord } from '@llm-workbench/bundle';

/** Spans grouped by trace id, each group in arrival order. */
export type TraceGroups = Map<string, SpanRecord[]>;

/** Workbench events that came as log records (OTEP 4430), grouped by trace id. */
export type LogEventGroups = Map<string, LogEventRecord[]>;

/**
 * Adds log-record events to their trace's group, at most `maxPerTrace` per trace (the rest are
 * dropped and counted in the returned number).
 *
 * @example
 * const logs: LogEventGroups = new Map();
 * addToLogEventGroups(logs, decoded.events, 50_000);
 */
export function addToLogEventGroups(
  groups: LogEventGroups,
  events: Iterable<LogEventRecord>,
  maxPerTrace = Number.POSITIVE_INFINITY,
): number {
  let dropped = 0;
  for (const e of events) {
    let group = groups.get(e.traceId);
    if (group === undefined) groups.set(e.traceId, (group = []));
    if (group.length >= maxPerTrace) {
      dropped++;
      continue;
    }
    group.push(e);
  }
  return dropped;
}

/** A cap on the spans kept of each trace, and what it dropped (see {@link addToTraceGroups}). */
export interface SpanCap {
  /** Most spans kept of one trace. The receiver's is `DEFAULT_MAX_SPANS_PER_TRACE`. */
  readonly maxSpansPerTrace: number;
  /** Spans dropped so far, by trace id; a trace listed here is folded as `complete: false`. */
  readonly dropped: Map<string, number>;
}

/**
 * Adds spans to trace groups (creating the groups as needed). Spans of one trace may come from
 * many documents: a Collector file spreads a trace over the lines of several export batches.
 * With a `cap`, spans beyond `maxSpansPerTrace` of a trace are dropped and counted in
 * `cap.dropped`, as the receiver does, so that one huge trace cannot take all memory.
 *
 * @example
 * const groups: TraceGroups = new Map();
 * addToTraceGroups(groups, decoded.spans);
 */
export function addToTraceGroups(
  groups: TraceGroups,
  spans: Iterable<SpanRecord>,
  cap?: SpanCap,
): void {
  for (const span of spans) {
    let group = groups.get(span.traceId);
    if (group === undefined) groups.set(span.traceId, (group = []));
    const root = span.parentSpanId === undefined;
    // The first root is kept past the cap (one span over it at most): it is the run span, which
    // ends last and so comes last in a Collector's file, and without it a cut bundle would not
    // know its run.
    if (cap !== undefined && group.length >= cap.maxSpansPerTrace && !(root && !holdsRoot(group))) {
      cap.dropped.set(span.traceId, (cap.dropped.get(span.traceId) ?? 0) + 1);
      continue;
    }
    group.push(span);
    if (root) withRoot.add(group);
  }
}

/** Groups known to hold a root span, so that a group is searched for one at most once. */
const withRoot = new WeakSet<SpanRecord[]>();

function holdsRoot(group: SpanRecord[]): boolean {
  if (withRoot.has(group)) return true;
  if (!group.some((s) => s.parentSpanId === undefined)) return false;
  withRoot.add(group);
  return true;
}

/** One run folded by {@link foldTraceGroups}: one trace, or every segment found of a run. */
export interface FoldedTrace {
  /** The bundle's `run.traceId` (for a run that spans traces, its first segment's). */
  readonly traceId: string;
  /** The traces folded into it, sorted: one, or the run's segments. */
  readonly traceIds: readonly string[];
  readonly bundle: RunBundle;
}

/** What {@link foldTraceGroups} returns. */
export interface FoldTraceGroupsResult {
  /** Bundles of the runs, by `traceId`. */
  readonly bundles: FoldedTrace[];
  /** Trace ids that are not runs (no `workbench.*` span or event, no GenAI span): no bundle. */
  readonly skipped: string[];
}

/** Options of {@link foldTraceGroups}. */
export interface FoldTraceGroupsOptions {
  /** Trace ids to fold as `complete: false` (a backend said it returned part of the trace). */
  readonly truncated?: ReadonlySet<string>;
  /**
   * The span cap the groups were filled under (see {@link addToTraceGroups}): each trace it cut
   * folds as `complete: false` with a `spans_dropped` diagnostic giving the count (for a run that
   * spans traces, the sum over its segments) and the cap.
   */
  readonly cap?: {
    readonly maxSpansPerTrace: number;
    readonly dropped: ReadonlyMap<string, number>;
  };
  /** Fold every trace, runs or not. Default false: only traces `isRunTrace` accepts. */
  readonly all?: boolean;
  /**
   * Workbench events that came as log records, by trace id: each trace's are made events of its
   * spans before the fold (`foldRun`'s `logEvents`), those of spans that never came flagged in
   * its bundle. Events of traces with no span at all make no bundle.
   */
  readonly logEvents?: ReadonlyMap<string, readonly LogEventRecord[]>;
}

/**
 * Folds each run of the groups into a sealed bundle, in `traceId` order; traces that are not runs
 * are listed in `skipped`. Traces that are segments of one run that spans traces (`runSegmentOf`
 * gives the same run id) fold together into one bundle, the run's: complete when its last
 * segment and all before it are there, else incomplete with the missing segments named. Pure:
 * the same spans give the same bundles whatever their order.
 *
 * @example
 * const { bundles } = foldTraceGroups(groups);
 * for (const { bundle } of bundles) await sink.write(bundle);
 */
export function foldTraceGroups(
  groups: TraceGroups,
  options: FoldTraceGroupsOptions = {},
): FoldTraceGroupsResult {
  const units: string[][] = [];
  const runs = new Map<string, string[]>();
  for (const traceId of [...groups.keys()].sort()) {
    const segment = runSegmentOf(groups.get(traceId)!);
    if (segment === null) {
      units.push([traceId]);
      continue;
    }
    const run = runs.get(segment.runId);
    if (run === undefined) {
      const unit = [traceId];
      runs.set(segment.runId, unit);
      units.push(unit);
    } else run.push(traceId);
  }
  const bundles: FoldedTrace[] = [];
  const skipped: string[] = [];
  for (const traceIds of units) {
    const spans = traceIds.flatMap((id) => groups.get(id)!);
    if (options.all !== true && !isRunTrace(spans)) {
      skipped.push(...traceIds);
      continue;
    }
    const truncated = traceIds.some((id) => options.truncated?.has(id) === true);
    const logEvents = traceIds.flatMap((id) => options.logEvents?.get(id) ?? []);
    const { cap } = options;
    const droppedSpans = sumDroppedSpans(
      traceIds.map((id) => ({
        count: cap?.dropped.get(id) ?? 0,
        limit: cap?.maxSpansPerTrace ?? 0,
      })),
    );
    const bundle = bundleRun(spans, { truncated, logEvents, droppedSpans });
    bundles.push({ traceId: bundle.run.traceId, traceIds, bundle });
  }
  bundles.sort((a, b) => (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0));
  return { bundles, skipped };
}
