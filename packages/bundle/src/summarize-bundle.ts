import { parseBundleTime } from './time.js';
import type { RunBundle } from './types.js';

/** One request or resolution of a gate, as the run recorded it. */
export interface GateHistoryEntry {
  type: 'requested' | 'resolved';
  time: string | null;
  spanId: string;
  /** The decision, actor and reason of a resolution; null for a request. */
  decision: string | null;
  actor: string | null;
  reason: string | null;
  /** The event came from a span that arrived in differing versions (see the bundle's `disputes`). */
  disputed: boolean;
  /**
   * For a run in segments (`run.segments`), the segment the event was recorded in: so a wait across
   * a pause shows where it began and ended. Absent for a run that is one trace.
   */
  segment?: number;
}

/**
 * Where a gate stands: `pending` when its last request has no resolution yet (the run waits on a
 * person: not complete), `resolved` when it has, `resolved_without_request` when it was resolved
 * but never requested in this bundle. A gate that timed out says so only if the app recorded the
 * decision `timed_out`: a pending gate is never taken for one.
 */
export type GateState = 'pending' | 'resolved' | 'resolved_without_request';

/** One gate of a run, requested and (maybe) resolved. */
export interface GateSummary {
  gateId: string;
  stepId: string | null;
  /** The first request. */
  requestedAt: string | null;
  /** The decision in force: the last resolution, unless the gate was requested again since. */
  resolvedAt: string | null;
  decision: string | null;
  actor: string | null;
  reason: string | null;
  /** Milliseconds from the request it answered to the decision in force, when both are known. */
  waitMs: number | null;
  state: GateState;
  /** Resolved again with no request in between: the history holds every decision, in order. */
  resolvedAgain: boolean;
  /** Some request or resolution of the gate came from a disputed span. */
  disputed: boolean;
  /** Every request and resolution, in timeline order. */
  history: GateHistoryEntry[];
}

/** Usage of one model across a run. */
export interface ModelTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
  reasoningOutputTokens: number;
  durationMs: number;
  /** Cost by currency. */
  cost: Map<string, number>;
  /** The models that answered (`gen_ai.response.model`), sorted. */
  responseModels: string[];
  /** The vocabularies the receipts were read in, sorted. */
  vocabularies: string[];
}

/** The calls of one tool across a run. */
export interface ToolTotals {
  calls: number;
  /** Calls whose span status is `error`. */
  errors: number;
  durationMs: number;
}

/** The figures people ask of a run, derived from a bundle. */
export interface BundleSummary {
  gates: Map<string, GateSummary>;
  models: Map<string, ModelTotals>;
  totals: ModelTotals;
  /** Tool calls by tool name (`?` for a tool span that named none), sorted by name. */
  tools: Map<string, ToolTotals>;
}

/**
 * Derives gate waits and per-model and total usage, duration and cost from a bundle. Shared by
 * `workbench show`, `workbench diff` and the report so that they agree.
 *
 * @example
 * const { totals } = summarizeBundle(bundle);
 */
export function summarizeBundle(bundle: RunBundle): BundleSummary {
  const gates = new Map<string, GateSummary>();
  const segmentOf = segmentLocator(bundle);
  /** The open request of each gate: the time of the last request not yet answered. */
  const open = new Map<string, string | null>();
  for (const e of bundle.events) {
    if (e.type !== 'human_gate_requested' && e.type !== 'human_gate_resolved') continue;
    const id = e.gateId ?? '(unnamed)';
    let g = gates.get(id);
    if (!g) {
      g = {
        gateId: id,
        stepId: e.stepId,
        requestedAt: null,
        resolvedAt: null,
        decision: null,
        actor: null,
        reason: null,
        waitMs: null,
        state: 'pending',
        resolvedAgain: false,
        disputed: false,
        history: [],
      };
      gates.set(id, g);
    }
    const disputed = e.disputed === true;
    if (disputed) g.disputed = true;
    if (e.type === 'human_gate_requested') {
      g.requestedAt ??= e.time;
      open.set(id, e.time);
      g.history.push({
        ...NO_DECISION,
        disputed,
        spanId: e.spanId,
        time: e.time,
        type: 'requested',
        ...segmentOf(e.spanId, e.time),
      });
      g.state = 'pending';
      g.resolvedAt = g.decision = g.actor = g.reason = null;
      g.waitMs = null;
      continue;
    }
    const answered = open.get(id);
    if (answered === undefined) {
      if (g.history.some((x) => x.type === 'resolved')) g.resolvedAgain = true;
      else g.state = 'resolved_without_request';
    } else {
      open.delete(id);
      g.state = 'resolved';
    }
    g.history.push({
      actor: e.actor,
      decision: e.decision,
      disputed,
      reason: e.reason,
      spanId: e.spanId,
      time: e.time,
      type: 'resolved',
      ...segmentOf(e.spanId, e.time),
    });
    g.resolvedAt = e.time;
    g.decision = e.decision;
    g.actor = e.actor;
    g.reason = e.reason;
    const a = answered ? parseBundleTime(answered) : null;
    const b = e.time ? parseBundleTime(e.time) : null;
    if (answered !== undefined) g.waitMs = a !== null && b !== null ? Number(b - a) / 1000 : null;
  }
  const models = new Map<string, ModelTotals>();
  const totals = emptyTotals();
  for (const m of bundle.model_io) {
    const name = `${m.provider ?? '?'}/${m.model ?? '?'}`;
    let t = models.get(name);
    if (!t) models.set(name, (t = emptyTotals()));
    for (const x of [t, totals]) {
      x.calls++;
      x.inputTokens += m.usage.inputTokens ?? 0;
      x.outputTokens += m.usage.outputTokens ?? 0;
      x.cacheReadInputTokens += m.usage.cacheReadInputTokens ?? 0;
      x.cacheWriteInputTokens += m.usage.cacheWriteInputTokens ?? 0;
      x.reasoningOutputTokens += m.usage.reasoningOutputTokens ?? 0;
      x.durationMs += m.durationMs ?? 0;
      if (m.cost) {
        const c = m.cost.currency ?? '?';
        x.cost.set(c, (x.cost.get(c) ?? 0) + m.cost.amount);
      }
      if (m.responseModel !== null) addSorted(x.responseModels, m.responseModel);
      for (const v of m.vocabularies) addSorted(x.vocabularies, v);
    }
  }
  const tools = new Map<string, ToolTotals>();
  for (const e of bundle.events) {
    if (e.type !== 'tool_call') continue;
    const name = e.toolName ?? '?';
    const t = tools.get(name) ?? { calls: 0, errors: 0, durationMs: 0 };
    t.calls++;
    if (e.status.code === 'error') t.errors++;
    t.durationMs += e.durationMs ?? 0;
    tools.set(name, t);
  }
  const sortedTools = new Map([...tools].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { gates, models, totals, tools: sortedTools };
}

/**
 * The summary of a run with nothing in it: what a view shows when a value is not a run bundle.
 *
 * @example
 * emptySummary().totals.calls; // 0
 */
export function emptySummary(): BundleSummary {
  return { gates: new Map(), models: new Map(), totals: emptyTotals(), tools: new Map() };
}

const NO_DECISION = { actor: null, decision: null, reason: null } as const;

function addSorted(xs: string[], x: string): void {
  if (xs.includes(x)) return;
  xs.push(x);
  xs.sort();
}

function emptyTotals(): ModelTotals {
  return {
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
    reasoningOutputTokens: 0,
    durationMs: 0,
    cost: new Map(),
    responseModels: [],
    vocabularies: [],
  };
}

/**
 * For a run in segments, finds the segment of an event: by its span (the segment whose run span
 * the span's steps lead up to), else by its time (the last segment started by then). For a run
 * that is one trace, nothing.
 */
function segmentLocator(
  bundle: RunBundle,
): (spanId: string, time: string | null) => { segment?: number } {
  const segments = bundle.run.segments;
  if (segments === undefined || segments.length === 0) return () => ({});
  const byRunSpan = new Map(segments.map((g) => [g.runSpanId, g.segment] as const));
  const parentOf = new Map(bundle.steps.map((s) => [s.spanId, s.parentSpanId] as const));
  return (spanId, time) => {
    let cur: string | null | undefined = spanId;
    for (let hops = 0; cur != null && hops <= parentOf.size; hops++) {
      const found = byRunSpan.get(cur);
      if (found !== undefined) return { segment: found };
      cur = parentOf.get(cur);
    }
    let segment: number | undefined;
    for (const g of segments) {
      if (time !== null && g.startTime !== null && g.startTime <= time) segment = g.segment;
    }
    return segment === undefined ? {} : { segment };
  };
}
