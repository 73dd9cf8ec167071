import * as sc from '@llm-workbench/semconv';
import { canonicalize } from './canonicalize.js';
import type { SpanRecord } from './span-record.js';
import type {
  BundleStatus,
  ContentRef,
  JsonValue,
  ModelCost,
  ReceiptSource,
  ReceiptVocabulary,
} from './types.js';
import type { ReceiptFields } from './vocabularies/vocabulary.js';

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
 * @example
 * const merged = oneReceiptPerCall(calls, spansById);
 * merged.get(sdkSpanId)?.sources; // [{ spanId: wrapperSpanId, role: 'wrapper', ... }]
 */
export function oneReceiptPerCall(
  calls: ReadonlyMap<string, ModelCallSpan>,
  spans: ReadonlyMap<string, SpanRecord>,
  endsWalk: (span: SpanRecord) => boolean = (span) =>
    span.attributes[sc.ATTR_STEP_ID] !== undefined,
): Map<string, MergedCall> {
  const wrapperOf = new Map<string, string>();
  for (const id of calls.keys()) {
    const w = nearestCallAbove(id, calls, spans, endsWalk);
    if (w !== null) wrapperOf.set(id, w);
  }
  dropCycles(wrapperOf);
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
