import * as sc from '@llm-workbench/semconv';
import { canonicalize } from './canonicalize.js';
import type { SpanRecord } from './span-record.js';
import { endMicros, nanosToMicros } from './time.js';
import type {
  BundleStatus,
  ContentRef,
  JsonValue,
  ModelCost,
  ReceiptSource,
  ReceiptVocabulary,
} from './types.js';
import { MODALITY_FIELD, MODALITIES, type ReceiptFields } from './vocabularies/vocabulary.js';

/** The per-modality receipt fields, in receipt order (modality, then count). */
const MODALITY_FIELDS = MODALITIES.flatMap((m) => [
  MODALITY_FIELD[m].cacheReadInputTokens,
  MODALITY_FIELD[m].inputTokens,
  MODALITY_FIELD[m].outputTokens,
]);

/** What one span says about the model call it describes, before the spans of one call merge. */
export interface ModelCallSpan {
  spanId: string;
  /** The fields read, the provider normalized; the cost fields are read into `cost`. */
  fields: ReceiptFields;
  providerRaw: string | null;
  vocabularies: ReceiptVocabulary[];
  cost: ModelCost | null;
  input: ContentRef;
  output: ContentRef;
  status: BundleStatus;
}

/** The call of a receipt: the innermost span's values filled from its wrappers, and its sources. */
export interface MergedCall {
  call: ModelCallSpan;
  sources: ReceiptSource[];
}

/** One receipt field as the merge sees it: absent (null), or a value to fill or compare. */
interface Part {
  name: string;
  value(c: ModelCallSpan): JsonValue | null;
  take(into: ModelCallSpan, from: ModelCallSpan): void;
  /** How a disagreeing value is kept: as the span gave it. */
  shown(c: ModelCallSpan): JsonValue;
}

const field = (name: Exclude<keyof ReceiptFields, 'costAmount' | 'costCurrency'>): Part => ({
  name,
  value: (c) => c.fields[name],
  take: (into, from) => {
    (into.fields as unknown as Record<string, unknown>)[name] = from.fields[name];
  },
  shown: (c) => c.fields[name],
});

const content = (name: 'input' | 'output'): Part => ({
  name,
  value: (c) => {
    const ref = c[name];
    return ref.sha256 === null && ref.content === null && ref.omitted === null
      ? null
      : { content: ref.content, omitted: ref.omitted, sha256: ref.sha256 };
  },
  take: (into, from) => {
    into[name] = from[name];
  },
  shown: (c) => ({ content: c[name].content, omitted: c[name].omitted, sha256: c[name].sha256 }),
});

/** In receipt order; `provider` compares normalized names and keeps the raw one. */
const PARTS: readonly Part[] = [
  {
    name: 'provider',
    value: (c) => c.fields.provider,
    take: (into, from) => {
      into.fields.provider = from.fields.provider;
      into.providerRaw = from.providerRaw;
    },
    shown: (c) => c.providerRaw ?? c.fields.provider,
  },
  field('model'),
  field('responseModel'),
  field('operation'),
  field('inputTokens'),
  field('outputTokens'),
  field('cacheReadInputTokens'),
  field('cacheWriteInputTokens'),
  field('reasoningOutputTokens'),
  ...MODALITY_FIELDS.map(field),
  {
    name: 'cost',
    value: (c) => (c.cost === null ? null : { amount: c.cost.amount, currency: c.cost.currency }),
    take: (into, from) => {
      into.cost = from.cost;
    },
    shown: (c) => (c.cost === null ? null : { amount: c.cost.amount, currency: c.cost.currency }),
  },
  content('input'),
  content('output'),
  {
    name: 'status',
    value: (c) =>
      c.status.code === 'unset' && c.status.message === null
        ? null
        : { code: c.status.code, message: c.status.message },
    take: (into, from) => {
      into.status = from.status;
    },
    shown: (c) => ({ code: c.status.code, message: c.status.message }),
  },
];

/**
 * Folds the spans that describe one model call into one receipt: an instrumentation's span around
 * the SDK's own span (OpenLLMetry's `chat claude-...` around `anthropic.messages.create`, a
 * LangChain `LLM` span around the OpenAI client's) is one call, not two.
 *
 * The rule, on span parentage only (never arrival order): a call span's *wrapper* is the nearest
 * call span above it, walking up through plain spans (a step or tool-call span ends the walk, and
 * is a wrapper only when it is itself a call span). A call span no other call span names as wrapper is a
 * *call*, and gets the receipt. Each span above a call is a source of it: a `wrapper` when it
 * encloses that call only (its values fill what the call's span lacks, nearest first; a value that
 * differs is kept under `disagreements`), an `aggregate` when it encloses several calls (none of
 * its values is taken). Wrapper links that form a cycle are dropped, so every span of a cycle is a
 * call of its own.
 *
 * Some instrumentations do not make their span the active context, so the SDK's span of the same
 * call is its sibling, not its child (LangChain's `LLM` span beside the OpenAI client's; the
 * Anthropic stream helper under OpenLLMetry). A call span with no wrapper and no wrapped span is
 * then paired with another such span of the same step when
 * - the two come from different instrumentations (scope names): one instrumentation makes one
 *   span per call, so two of its spans are two calls;
 * - their times overlap (microseconds, as every backend keeps them): the one that starts first
 *   is the wrapper (of equal starts, the one that ends later; of equal intervals, the smaller
 *   span id), the other holds the receipt;
 * - they describe the same call: the same request or response model, and no differing provider,
 *   model, operation or token count (input token counts may differ by exactly the cached tokens
 *   one of them reports, as Anthropic's own count leaves them out and the GenAI one includes
 *   them);
 * - and the pairing is one to one: each is the only candidate of the other. Two parallel calls
 *   of one model under two instrumentations stay four receipts rather than pair by guess.
 * (The step, not the parent: a bundle keeps each receipt's step, and so a replay of it pairs the
 * same spans.)
 *
 * @example
 * const merged = oneReceiptPerCall(calls, spansById);
 * merged.get(sdkSpanId)?.sources; // [{ spanId: wrapperSpanId, role: 'wrapper', ... }]
 */
export function oneReceiptPerCall(
  calls: ReadonlyMap<string, ModelCallSpan>,
  spans: ReadonlyMap<string, SpanRecord>,
  endsWalk: (span: SpanRecord) => boolean = (span) =>
    span.attributes[sc.ATTR_STEP_ID] !== undefined,
  /** The step of a span, which call spans must share to pair by time. */
  stepOf: (spanId: string) => string | null = () => null,
): Map<string, MergedCall> {
  const wrapperOf = new Map<string, string>();
  for (const id of calls.keys()) {
    const w = nearestCallAbove(id, calls, spans, endsWalk);
    if (w !== null) wrapperOf.set(id, w);
  }
  // Spans the parentage rule linked, a cycle's too: the time rule is for the spans it left alone.
  const linked = new Set([...wrapperOf.keys(), ...wrapperOf.values()]);
  dropCycles(wrapperOf);
  for (const [inner, outer] of siblingWrappers(calls, spans, linked, stepOf)) {
    wrapperOf.set(inner, outer);
  }
  const wrapped = new Set(wrapperOf.values());
  const chains = new Map<string, string[]>();
  const enclosed = new Map<string, number>();
  for (const id of calls.keys()) {
    if (wrapped.has(id)) continue;
    const chain: string[] = [];
    for (let w = wrapperOf.get(id); w !== undefined; w = wrapperOf.get(w)) {
      chain.push(w);
      enclosed.set(w, (enclosed.get(w) ?? 0) + 1);
    }
    chains.set(id, chain);
  }
  const out = new Map<string, MergedCall>();
  for (const [id, chain] of chains) {
    const leaf = calls.get(id)!;
    const merged: ModelCallSpan = { ...leaf, fields: { ...leaf.fields } };
    const sources: ReceiptSource[] = [];
    for (const w of chain) {
      const source = calls.get(w)!;
      const role = enclosed.get(w) === 1 ? 'wrapper' : 'aggregate';
      const disagreements: { [field: string]: JsonValue } = {};
      if (role === 'wrapper') {
        for (const part of PARTS) {
          const theirs = part.value(source);
          if (theirs === null) continue;
          const ours = part.value(merged);
          if (ours === null) part.take(merged, source);
          else if (canonicalize(ours) !== canonicalize(theirs)) {
            disagreements[part.name] = part.shown(source);
          }
        }
      }
      // Members in RFC 8785 order, as everything the fold writes.
      sources.push({
        disagreements: sortedKeys(disagreements),
        role,
        spanId: w,
        vocabularies: source.vocabularies,
      });
    }
    out.set(id, { call: merged, sources });
  }
  return out;
}

/** The nearest call span above a span, through plain spans only; null when there is none. */
function nearestCallAbove(
  spanId: string,
  calls: ReadonlyMap<string, ModelCallSpan>,
  spans: ReadonlyMap<string, SpanRecord>,
  endsWalk: (span: SpanRecord) => boolean,
): string | null {
  const seen = new Set<string>([spanId]);
  let cur = spans.get(spanId)?.parentSpanId;
  while (cur !== undefined && !seen.has(cur)) {
    if (calls.has(cur)) return cur;
    const span = spans.get(cur);
    if (span === undefined || endsWalk(span)) return null;
    seen.add(cur);
    cur = span.parentSpanId;
  }
  return null;
}

/** Removes every link of a cycle (each span has at most one wrapper, so a walk finds them all). */
function dropCycles(wrapperOf: Map<string, string>): void {
  const done = new Set<string>();
  for (const start of [...wrapperOf.keys()]) {
    const path: string[] = [];
    const onPath = new Set<string>();
    let cur: string | undefined = start;
    while (cur !== undefined && !done.has(cur) && !onPath.has(cur)) {
      path.push(cur);
      onPath.add(cur);
      cur = wrapperOf.get(cur);
    }
    if (cur !== undefined && onPath.has(cur)) {
      for (let i = path.indexOf(cur); i < path.length; i++) wrapperOf.delete(path[i]!);
    }
    for (const id of path) done.add(id);
  }
}

function sortedKeys(o: { [field: string]: JsonValue }): { [field: string]: JsonValue } {
  const out: { [field: string]: JsonValue } = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

/**
 * A call span's microsecond interval, as every backend gives it back (start plus duration), and
 * the instrumentation scope that wrote it.
 */
export interface Interval {
  id: string;
  scope: string;
  start: bigint;
  end: bigint;
}

/**
 * Wrapper links between call spans of one step (inner → outer), for spans the parentage rule left
 * alone: see {@link oneReceiptPerCall}. On microsecond times, so that every path agrees; of two
 * spans with the same interval the one with the smaller span id is the outer.
 */
function siblingWrappers(
  calls: ReadonlyMap<string, ModelCallSpan>,
  spans: ReadonlyMap<string, SpanRecord>,
  linked: ReadonlySet<string>,
  stepOf: (spanId: string) => string | null,
): Map<string, string> {
  const byStep = new Map<string | null, Interval[]>();
  for (const id of calls.keys()) {
    const span = spans.get(id);
    if (linked.has(id) || span === undefined) continue;
    const step = stepOf(id);
    const list = byStep.get(step) ?? [];
    list.push({
      id,
      scope: span.scope.name,
      start: nanosToMicros(span.startTimeUnixNano),
      end: endMicros(span.startTimeUnixNano, span.endTimeUnixNano),
    });
    byStep.set(step, list);
  }
  const outersOf = new Map<string, string[]>();
  const innersOf = new Map<string, string[]>();
  for (const siblings of byStep.values()) {
    for (const [o, i] of wrappingPairs(siblings)) {
      if (!sameCall(calls.get(o.id)!, calls.get(i.id)!)) continue;
      outersOf.set(i.id, [...(outersOf.get(i.id) ?? []), o.id]);
      innersOf.set(o.id, [...(innersOf.get(o.id) ?? []), i.id]);
    }
  }
  const links = new Map<string, string>();
  for (const [inner, outers] of outersOf) {
    const outer = outers[0]!;
    // One to one, and neither also on the other side of another pair.
    if (outers.length !== 1 || innersOf.get(outer)?.length !== 1) continue;
    if (innersOf.has(inner) || outersOf.has(outer)) continue;
    links.set(inner, outer);
  }
  return links;
}

/**
 * The pairs `[o, i]` of intervals of two scopes where `o` {@link wraps} `i`, in the order of a
 * loop over `o` then `i` in the list's order. Pairs overlap, so a sweep in start order meets each
 * one while both are open: linear in the calls of a step when they follow each other, as they
 * do in a long agent run (every pair of siblings compared took seconds at a few thousand calls),
 * and nothing at all to do when one instrumentation wrote all of a step's calls.
 */
export function wrappingPairs(siblings: readonly Interval[]): Array<[Interval, Interval]> {
  if (siblings.length < 2 || siblings.every((s) => s.scope === siblings[0]!.scope)) return [];
  const order = siblings.map((_, k) => k);
  order.sort((a, b) => {
    const x = siblings[a]!.start;
    const y = siblings[b]!.start;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const open: number[] = [];
  const pairs: Array<[number, number]> = [];
  for (const k of order) {
    const x = siblings[k]!;
    let kept = 0;
    for (const a of open) if (siblings[a]!.end >= x.start) open[kept++] = a;
    open.length = kept;
    for (const a of open) {
      const y = siblings[a]!;
      if (y.scope === x.scope) continue;
      if (wraps(y, x)) pairs.push([a, k]);
      else if (wraps(x, y)) pairs.push([k, a]);
    }
    open.push(k);
  }
  pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  return pairs.map(([o, i]) => [siblings[o]!, siblings[i]!]);
}

/**
 * Whether `o` wraps `i` in time: they overlap and `o` starts first (of equal starts, ends later;
 * of equal intervals, has the smaller span id).
 */
function wraps(o: Interval, i: Interval): boolean {
  if (o.start > i.start || i.start > o.end) return false;
  if (o.start < i.start) return true;
  if (o.end !== i.end) return o.end > i.end;
  return o.id < i.id;
}

/**
 * The same request (or response) model on both, and no differing provider, model, operation or
 * token count: two parallel calls of one model answer with other token counts and stay two. Input
 * token counts may differ by exactly the cached tokens (read plus written) that one of them
 * reports: Anthropic's `input_tokens` leaves them out, the GenAI count includes them.
 */
function sameCall(a: ModelCallSpan, b: ModelCallSpan): boolean {
  const f = a.fields;
  const g = b.fields;
  const differ = (x: string | number | null, y: string | number | null): boolean =>
    x !== null && y !== null && x !== y;
  if (differ(f.provider, g.provider) || differ(f.operation, g.operation)) return false;
  if (differ(f.model, g.model) || differ(f.responseModel, g.responseModel)) return false;
  if (differ(f.outputTokens, g.outputTokens)) return false;
  if (differ(f.cacheReadInputTokens, g.cacheReadInputTokens)) return false;
  if (differ(f.cacheWriteInputTokens, g.cacheWriteInputTokens)) return false;
  if (differ(f.inputTokens, g.inputTokens)) {
    const cached =
      (f.cacheReadInputTokens ?? g.cacheReadInputTokens ?? 0) +
      (f.cacheWriteInputTokens ?? g.cacheWriteInputTokens ?? 0);
    if (cached === 0 || Math.abs(f.inputTokens! - g.inputTokens!) !== cached) return false;
  }
  return (
    (f.model !== null && f.model === g.model) ||
    (f.responseModel !== null && f.responseModel === g.responseModel)
  );
}
