import {
  foldRun,
  isRunTrace,
  sealBundle,
  type RunBundle,
  type SpanRecord,
} from '@llm-workbench/bundle';

/** Spans grouped by trace id, each group in arrival order. */
export type TraceGroups = Map<string, SpanRecord[]>;

/**
 * Adds spans to trace groups (creating the groups as needed). Spans of one trace may come from
 * many documents: a Collector file spreads a trace over the lines of several export batches.
 *
 * @example
 * const groups: TraceGroups = new Map();
 * addToTraceGroups(groups, decoded.spans);
 */
export function addToTraceGroups(groups: TraceGroups, spans: Iterable<SpanRecord>): void {
  for (const span of spans) {
    let group = groups.get(span.traceId);
    if (group === undefined) groups.set(span.traceId, (group = []));
    group.push(span);
  }
}

/** One trace folded by {@link foldTraceGroups}. */
export interface FoldedTrace {
  readonly traceId: string;
  readonly bundle: RunBundle;
}

/** What {@link foldTraceGroups} returns. */
export interface FoldTraceGroupsResult {
  /** Bundles of the run traces, by trace id. */
  readonly bundles: FoldedTrace[];
  /** Trace ids that are not runs (no `workbench.*` span or event, no GenAI span): no bundle. */
  readonly skipped: string[];
}

/** Options of {@link foldTraceGroups}. */
export interface FoldTraceGroupsOptions {
  /** Trace ids to fold as `complete: false` (a backend said it returned part of the trace). */
  readonly truncated?: ReadonlySet<string>;
  /** Fold every trace, runs or not. Default false: only traces `isRunTrace` accepts. */
  readonly all?: boolean;
}

/**
 * Folds each run trace of the groups into a sealed bundle, in trace id order; other traces are
 * listed in `skipped`. Pure: the same spans give the same bundles whatever their order.
 *
 * @example
 * const { bundles } = foldTraceGroups(groups);
 * for (const { bundle } of bundles) await sink.write(bundle);
 */
export function foldTraceGroups(
  groups: TraceGroups,
  options: FoldTraceGroupsOptions = {},
): FoldTraceGroupsResult {
  const bundles: FoldedTrace[] = [];
  const skipped: string[] = [];
  for (const traceId of [...groups.keys()].sort()) {
    const spans = groups.get(traceId)!;
    if (options.all !== true && !isRunTrace(spans)) {
      skipped.push(traceId);
      continue;
    }
    const truncated = options.truncated?.has(traceId) === true;
    bundles.push({ traceId, bundle: sealBundle(foldRun(spans, truncated ? { truncated } : {})) });
  }
  return { bundles, skipped };
}
