import { parseBundleTime } from './time.js';
import type { RunBundle } from './types.js';

/** One gate of a run, requested and (maybe) resolved. */
export interface GateSummary {
  gateId: string;
  stepId: string | null;
  requestedAt: string | null;
  resolvedAt: string | null;
  decision: string | null;
  actor: string | null;
  reason: string | null;
  /** Milliseconds from request to decision, when both are known. */
  waitMs: number | null;
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
      };
      gates.set(id, g);
    }
    if (e.type === 'human_gate_requested') g.requestedAt ??= e.time;
    else {
      g.resolvedAt = e.time;
      g.decision = e.decision;
      g.actor = e.actor;
      g.reason = e.reason;
    }
  }
  for (const g of gates.values()) {
    const a = g.requestedAt ? parseBundleTime(g.requestedAt) : null;
    const b = g.resolvedAt ? parseBundleTime(g.resolvedAt) : null;
    g.waitMs = a !== null && b !== null ? Number(b - a) / 1000 : null;
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
