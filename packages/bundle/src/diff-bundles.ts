import type { RunBundle, SpanDispute } from './types.js';
import { summarizeBundle, type GateSummary, type ModelTotals } from './summarize-bundle.js';

/** One difference between two runs. */
export interface BundleChange {
  /**
   * What changed: `workflow`, `gate` (decision, actor, state, every decision in order, disputed),
   * `model` (calls, response models, vocabularies read), `usage`, `cost`, `tool` (calls and errors
   * per tool), `artifact`, `status`, `step`, `dispute` (how many versions a disputed span came in).
   */
  area:
    | 'workflow'
    | 'gate'
    | 'model'
    | 'usage'
    | 'cost'
    | 'tool'
    | 'artifact'
    | 'status'
    | 'step'
    | 'dispute';
  /** A stable name for the thing that changed, e.g. `review` or `draft.md@2`. */
  subject: string;
  before: string | number | null;
  after: string | number | null;
}

/** The result of {@link diffBundles}. */
export interface BundleDiff {
  a: { traceId: string; sha256: string };
  b: { traceId: string; sha256: string };
  identical: boolean;
  changes: BundleChange[];
}

/** Usage counts compared beside input and output tokens. */
const CACHE_AND_REASONING = [
  'cacheReadInputTokens',
  'cacheWriteInputTokens',
  'reasoningOutputTokens',
] as const;

/**
 * What changed between two runs: workflow revision, gate decisions and actors, models used,
 * token usage and cost, artifact versions and hashes, step and run status; for runs that span
 * traces, their segments and each gate's segments and wait.
 *
 * @example
 * for (const c of diffBundles(a, b).changes) console.log(c.area, c.subject, c.before, '→', c.after);
 */
export function diffBundles(a: RunBundle, b: RunBundle): BundleDiff {
  const changes: BundleChange[] = [];
  const push = (
    area: BundleChange['area'],
    subject: string,
    before: string | number | null,
    after: string | number | null,
  ): void => {
    if (before !== after) changes.push({ area, subject, before, after });
  };
  const wa = a.run.workflowSnapshot;
  const wb = b.run.workflowSnapshot;
  push('workflow', 'id', wa?.id ?? null, wb?.id ?? null);
  push('workflow', 'revision', wa?.revision ?? null, wb?.revision ?? null);
  push('workflow', 'definition.sha256', wa?.sha256 ?? null, wb?.sha256 ?? null);
  push('status', 'run', a.run.status.code, b.run.status.code);
  push('status', 'complete', String(a.run.complete), String(b.run.complete));
  // Runs that span traces: their segments, and where and how long each gate waited. Compared only
  // when either run has segments, so diffs of one-trace runs stay as they were.
  const segmented = a.run.segments !== undefined || b.run.segments !== undefined;
  if (segmented) push('status', 'segments', segmentStates(a), segmentStates(b));

  const sa = summarizeBundle(a);
  const sb = summarizeBundle(b);
  for (const id of union(sa.gates.keys(), sb.gates.keys())) {
    const ga = sa.gates.get(id);
    const gb = sb.gates.get(id);
    push('gate', `${id}.decision`, ga?.decision ?? null, gb?.decision ?? null);
    push('gate', `${id}.actor`, ga?.actor ?? null, gb?.actor ?? null);
    push('gate', `${id}.state`, ga?.state ?? null, gb?.state ?? null);
    // Every decision in order, where a gate was decided more than once on either side.
    if (resolutions(ga) > 1 || resolutions(gb) > 1) {
      push('gate', `${id}.decisions`, decisions(ga), decisions(gb));
    }
    push('gate', `${id}.disputed`, flag(ga?.disputed), flag(gb?.disputed));
    if (segmented) {
      push('gate', `${id}.segments`, gateSegments(ga), gateSegments(gb));
      push('gate', `${id}.waitMs`, ga?.waitMs ?? null, gb?.waitMs ?? null);
    }
  }
  const da = new Map((a.disputes ?? []).map((x) => [x.spanId, x]));
  const db = new Map((b.disputes ?? []).map((x) => [x.spanId, x]));
  for (const spanId of union(da.keys(), db.keys())) {
    const versions = (x: SpanDispute | undefined): number | null =>
      x === undefined ? null : x.variants.length + x.variantsOmitted;
    push('dispute', `${spanId}.versions`, versions(da.get(spanId)), versions(db.get(spanId)));
  }
  for (const model of union(sa.models.keys(), sb.models.keys())) {
    const ma: ModelTotals | undefined = sa.models.get(model);
    const mb: ModelTotals | undefined = sb.models.get(model);
    push('model', `${model}.calls`, ma?.calls ?? null, mb?.calls ?? null);
    push('model', `${model}.responseModels`, list(ma?.responseModels), list(mb?.responseModels));
    push('model', `${model}.vocabularies`, list(ma?.vocabularies), list(mb?.vocabularies));
    push('usage', `${model}.inputTokens`, ma?.inputTokens ?? null, mb?.inputTokens ?? null);
    push('usage', `${model}.outputTokens`, ma?.outputTokens ?? null, mb?.outputTokens ?? null);
    for (const k of CACHE_AND_REASONING)
      push('usage', `${model}.${k}`, ma?.[k] ?? null, mb?.[k] ?? null);
  }
  push('usage', 'total.inputTokens', sa.totals.inputTokens, sb.totals.inputTokens);
  push('usage', 'total.outputTokens', sa.totals.outputTokens, sb.totals.outputTokens);
  for (const k of CACHE_AND_REASONING) push('usage', `total.${k}`, sa.totals[k], sb.totals[k]);
  for (const currency of union(sa.totals.cost.keys(), sb.totals.cost.keys())) {
    push(
      'cost',
      `total.${currency}`,
      round(sa.totals.cost.get(currency)),
      round(sb.totals.cost.get(currency)),
    );
  }
  for (const tool of union(sa.tools.keys(), sb.tools.keys())) {
    const ta = sa.tools.get(tool);
    const tb = sb.tools.get(tool);
    push('tool', `${tool}.calls`, ta?.calls ?? null, tb?.calls ?? null);
    push('tool', `${tool}.errors`, ta?.errors ?? null, tb?.errors ?? null);
  }
  const artA = new Map(a.artifacts.map((x) => [`${x.key}@${x.version ?? '?'}`, x]));
  const artB = new Map(b.artifacts.map((x) => [`${x.key}@${x.version ?? '?'}`, x]));
  for (const key of union(artA.keys(), artB.keys())) {
    push('artifact', `${key}.sha256`, artA.get(key)?.sha256 ?? null, artB.get(key)?.sha256 ?? null);
  }
  const stepA = new Map(a.steps.map((s) => [s.stepId, s]));
  const stepB = new Map(b.steps.map((s) => [s.stepId, s]));
  for (const id of union(stepA.keys(), stepB.keys())) {
    push(
      'step',
      `${id}.status`,
      stepA.get(id)?.status.code ?? null,
      stepB.get(id)?.status.code ?? null,
    );
  }
  return {
    a: { traceId: a.run.traceId, sha256: a.integrity.sha256 },
    b: { traceId: b.run.traceId, sha256: b.integrity.sha256 },
    identical: a.integrity.sha256 === b.integrity.sha256,
    changes,
  };
}

/** Every decision of a gate, in order (null for a gate the run lacks). */
function decisions(g: GateSummary | undefined): string | null {
  if (g === undefined) return null;
  return g.history
    .filter((h) => h.type === 'resolved')
    .map((h) => h.decision ?? '?')
    .join(' → ');
}

/** A run's segments as their states in order (`suspended → ended`); null for a one-trace run. */
function segmentStates(b: RunBundle): string | null {
  const segments = b.run.segments;
  if (segments === undefined) return null;
  return segments.map((g) => `${g.segment} ${g.state ?? '?'}`).join(' → ');
}

/** The segments a gate's requests and decisions were recorded in, in order: `1 → 3`. */
function gateSegments(g: GateSummary | undefined): string | null {
  if (g === undefined) return null;
  const seen: number[] = [];
  for (const h of g.history) {
    if (h.segment !== undefined && seen[seen.length - 1] !== h.segment) seen.push(h.segment);
  }
  return seen.length === 0 ? null : seen.join(' → ');
}

function resolutions(g: GateSummary | undefined): number {
  return g === undefined ? 0 : g.history.filter((h) => h.type === 'resolved').length;
}

function flag(disputed: boolean | undefined): string | null {
  return disputed === undefined ? null : String(disputed);
}

function union<T>(a: Iterable<T>, b: Iterable<T>): T[] {
  return [...new Set([...a, ...b])].sort();
}

/** A sorted list as one value (null for a model the run did not call). */
function list(xs: string[] | undefined): string | null {
  return xs === undefined ? null : xs.join(', ');
}

function round(n: number | undefined): number | null {
  return n === undefined ? null : Math.round(n * 1e9) / 1e9;
}
