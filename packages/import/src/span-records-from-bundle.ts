import { createHash } from 'node:crypto';
import {
  attributesFrom,
  cutUtf8,
  endMicros,
  EVENT_NAME_SUBJECT,
  identifierLimit,
  nanosToMicros,
  SPAN_NAME_SUBJECT,
  parseBundleTime,
  readDiagnostic,
  splitUtf8,
  utf8Length,
  VOCABULARIES,
  type AttributeValue,
  type BundleArtifact,
  type BundleDiagnostic,
  type BundleEvent,
  type BundleStatus,
  type ContentRef,
  type FoldDiagnostic,
  type JsonValue,
  type ModelIoReceipt,
  type ReceiptFields,
  type ReceiptSource,
  type RunBundle,
  type SpanEventRecord,
  type SpanRecord,
  type ToolCallEvent,
  type UnsealedRunBundle,
  modalityFields,
  modalityUsages,
} from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';
import { legacyDiagnostic } from './legacy-diagnostic.js';

/** Scope name of the spans {@link spanRecordsFromBundle} makes. */
export const REPLAY_SCOPE_NAME = '@llm-workbench/import';
/**
 * The scope of the spans replay writes for a receipt's sources: another instrumentation's than the
 * receipt span's, as the fold pairs sibling spans of one call only across instrumentations.
 */
export const REPLAY_SOURCE_SCOPE_NAME = '@llm-workbench/import/source';
/** Name of a span that stands for one the bundle counts but does not describe. */
export const PLACEHOLDER_SPAN_NAME = 'workbench.replay.placeholder';
/** Name of a span that carried events but whose own name the bundle does not hold. */
export const UNNAMED_SPAN_NAME = 'workbench.replay.span';

const DROPPED_KEY = 'workbench.dropped_attributes';
/** An event time in year 10000: one a bundle time cannot write, as the fold saw it. */
const BEYOND_YEAR_9999 = 253_402_300_800_000_000_000n;
const DROPPED_FILLER_PREFIX = 'workbench.replay.dropped.';
const MAX_EVENT_ATTRIBUTES = 64;
const MAX_VALUE_ITEMS = 128;

/**
 * Rebuilds span records from a bundle so that folding them gives the same bundle, hash for hash:
 * the run span, the step spans, every event with its attributes as the wire contract
 * (`@llm-workbench/semconv`) writes them, GenAI spans for receipts with `source: 'span'`, and
 * placeholder spans for the rest of `spanCount`. Ids, times (to the microsecond), statuses and
 * event order are the original ones. Used by `replayBundle` to send a run back as OTLP.
 *
 * What a bundle does not hold cannot come back: names, kinds, attributes and times of spans that
 * are neither the run, a step nor a GenAI span and carry no event (they come back as placeholders
 * under the run span); span kinds, scopes, links and resource attributes other than
 * `service.name`; times below the microsecond; content over the inline limit (it comes back as a
 * filler of the same size class, so that the bundle still says `over_inline_limit`); `unknown`
 * events beyond the first 1000. Odd input recorded as diagnostics is rebuilt where the diagnostic
 * says enough (missing, mistyped or non-finite attributes, bad hashes, missing parents, extra run
 * or root spans, identifiers cut at their limit, event times a bundle cannot write); a disputed
 * span comes back in every version the bundle's `disputes` lists, differing where they did (but
 * for values a dispute shows only by hash, or omitted, or beyond the versions and paths it
 * lists); a bundle marked `folded_early` folds back complete.
 *
 * @example
 * const spans = spanRecordsFromBundle(bundle);
 * bundleRun(spans).integrity.sha256 === bundle.integrity.sha256; // true
 */
export function spanRecordsFromBundle(bundle: RunBundle | UnsealedRunBundle): SpanRecord[] {
  return new Rebuild(bundle).spans();
}

// ---------------------------------------------------------------------------------------------

interface Draft {
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  startNs: bigint;
  endNs: bigint;
  timesHeld: boolean;
  status: { code: BundleStatus['code']; message?: string | undefined };
  attributes: Map<string, AttributeValue>;
  events: Array<{
    name: string;
    timeNs: bigint;
    attributes: Map<string, AttributeValue>;
    /** The bundle held no time for the event. */
    undated?: boolean;
  }>;
  /** The step the span's events say encloses it (undefined: no event said). */
  enclosing: string | null | undefined;
  isStep: boolean;
  receipt: ModelIoReceipt | null;
  /** The parent a receipt's chain of sources fixes (the fold read one call through it). */
  fixedParent: string | undefined;
  /** Written for a receipt's source: in a scope of its own. */
  isSource: boolean;
}

class Rebuild {
  private readonly run: UnsealedRunBundle['run'];
  private readonly drafts = new Map<string, Draft>();
  private readonly toolSpans = new Set<string>();
  private readonly diags: DiagIndex;
  private readonly rootId: string | null;
  private readonly rootStartNs: bigint;
  private readonly rootEndNs: bigint;

  constructor(private readonly bundle: RunBundle | UnsealedRunBundle) {
    this.run = bundle.run;
    this.diags = new DiagIndex(bundle.diagnostics);
    this.rootId = bundle.run.rootSpanId;
    const [s, e] = heldTimes(bundle.run.startTime, bundle.run.endTime, bundle.run.durationMs);
    this.rootStartNs = s ?? firstEventTime(bundle) ?? 0n;
    this.rootEndNs = e ?? this.rootStartNs;
  }

  spans(): SpanRecord[] {
    this.addRoot();
    this.addSteps();
    this.addEvents();
    this.addSpanReceipts();
    this.addDiagnosticSpans();
    this.placeSpans();
    this.applyParentDiagnostics();
    const extras = this.extraRunAndRootSpans();
    this.fixEventSpanTimes();
    this.applyAttributeDiagnostics();
    this.applyTruncations();
    const placeholders = this.placeholders(this.run.spanCount - this.drafts.size - extras.length);
    const resource = attributesFrom(
      this.run.service === null ? [] : [[sc.ATTR_SERVICE_NAME, this.run.service]],
    );
    const out: SpanRecord[] = [];
    for (const d of [...this.drafts.values(), ...extras, ...placeholders]) {
      out.push(toRecord(this.run.traceId, d, resource));
    }
    // A span that came in differing versions comes back in each, differing where they did.
    for (const dispute of this.bundle.disputes ?? []) {
      const at = out.findIndex((s) => s.spanId === dispute.spanId);
      const [kept, ...others] = dispute.variants;
      if (at < 0 || kept === undefined) continue;
      const base = out[at]!;
      out[at] = withVariant(base, dispute.paths, kept, kept);
      for (const values of others) out.push(withVariant(base, dispute.paths, values, kept));
    }
    return out;
  }

  // ---- spans the bundle describes ----------------------------------------------------------

  private draft(spanId: string, name = UNNAMED_SPAN_NAME): Draft {
    let d = this.drafts.get(spanId);
    if (d === undefined) {
      d = {
        spanId,
        parentSpanId: undefined,
        name,
        startNs: this.rootStartNs,
        endNs: this.rootEndNs,
        timesHeld: false,
        status: { code: 'unset' },
        attributes: new Map(),
        events: [],
        enclosing: undefined,
        isStep: false,
        receipt: null,
        fixedParent: undefined,
        isSource: false,
      };
      this.drafts.set(spanId, d);
    }
    return d;
  }

  private addRoot(): void {
    if (this.rootId === null) return;
    const run = this.run;
    const d = this.draft(this.rootId, run.runId === null ? run.name : `run ${run.name}`);
    d.startNs = this.rootStartNs;
    d.endNs = this.rootEndNs;
    d.timesHeld = true;
    d.status = statusOf(run.status);
    if (run.runId !== null) {
      d.attributes.set(sc.ATTR_RUN_ID, run.runId);
      d.attributes.set(sc.ATTR_RUN_NAME, run.name);
    } else if (this.diags.has('wrong_type', this.rootId, sc.ATTR_RUN_NAME)) {
      d.name = run.name;
    }
  }

  private addSteps(): void {
    for (const step of this.bundle.steps) {
      const d = this.draft(step.spanId, step.name);
      d.name = step.name;
      d.isStep = true;
      if (step.vocabularies.includes('workbench') || step.kind === null) {
        d.attributes.set(sc.ATTR_STEP_ID, step.stepId);
        if (step.kind !== null) d.attributes.set(sc.ATTR_STEP_KIND, step.kind);
      } else {
        // An agent span of a run with no workbench steps: its own vocabularies say it again.
        for (const name of step.vocabularies) {
          const written = VOCABULARIES.find((v) => v.name === name)?.step?.write(step.kind);
          for (const [k, v] of Object.entries(written ?? {})) d.attributes.set(k, v);
        }
      }
      d.status = statusOf(step.status);
      const [s, e] = heldTimes(step.startTime, step.endTime, step.durationMs);
      if (s !== null && e !== null) {
        d.startNs = s;
        d.endNs = e;
        d.timesHeld = true;
      }
      if (step.parentSpanId !== null) d.parentSpanId = step.parentSpanId;
    }
  }

  private addEvents(): void {
    const receipts = this.bundle.model_io;
    const artifacts = new Multimap<BundleArtifact>();
    for (const a of this.bundle.artifacts) {
      artifacts.add(artifactKey(a.spanId, a.time, a.key, a.version, a.sha256), a);
    }
    let receiptIndex = 0;
    let snapshotTaken = false;
    for (const event of this.bundle.events) {
      if (event.type === 'step_started' || event.type === 'step_ended') continue;
      if (event.type === 'model_io') {
        const receipt = receipts[receiptIndex++];
        if (receipt === undefined || receipt.source === 'span') continue;
        this.addEvent(event, sc.EVENT_MODEL_IO, modelIoAttributes(receipt, true));
        continue;
      }
      switch (event.type) {
        case 'workflow_snapshot': {
          const snap = this.run.workflowSnapshot;
          const main =
            !snapshotTaken &&
            snap !== null &&
            (this.rootId === null || event.spanId === this.rootId);
          if (main) snapshotTaken = true;
          this.addEvent(
            event,
            sc.EVENT_WORKFLOW_SNAPSHOT,
            this.snapshotAttributes(
              event.spanId,
              event.workflowId,
              event.revision,
              event.sha256,
              snap !== null && (main || snap.sha256 === event.sha256) ? snap.definition : null,
            ),
          );
          break;
        }
        case 'human_gate_requested': {
          const a = new Map<string, AttributeValue>();
          put(a, sc.ATTR_GATE_ID, event.gateId);
          put(a, sc.ATTR_GATE_POLICY, event.policy);
          put(a, sc.ATTR_GATE_SUBJECT_ARTIFACT_KEY, event.subject?.artifactKey ?? null);
          put(a, sc.ATTR_GATE_SUBJECT_ARTIFACT_VERSION, event.subject?.artifactVersion ?? null);
          put(a, sc.ATTR_GATE_SUBJECT_TOOL_NAME, event.subject?.tool?.name ?? null);
          put(a, sc.ATTR_GATE_SUBJECT_TOOL_CALL_ID, event.subject?.tool?.callId ?? null);
          put(
            a,
            sc.ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256,
            event.subject?.tool?.argumentsSha256 ?? null,
          );
          this.addEvent(event, sc.EVENT_GATE_REQUESTED, a);
          break;
        }
        case 'human_gate_resolved': {
          const a = new Map<string, AttributeValue>();
          put(a, sc.ATTR_GATE_ID, event.gateId);
          put(a, sc.ATTR_GATE_DECISION, event.decision);
          put(a, sc.ATTR_GATE_ACTOR, event.actor);
          put(a, sc.ATTR_GATE_REASON, event.reason);
          this.addEvent(event, sc.EVENT_GATE_RESOLVED, a);
          break;
        }
        case 'artifact': {
          const artifact = artifacts.take(
            artifactKey(event.spanId, event.time, event.key ?? '', event.version, event.sha256),
          );
          this.addEvent(event, sc.EVENT_ARTIFACT, artifactAttributes(event, artifact, this.diags));
          break;
        }
        case 'unknown':
          this.addEvent(event, event.name, fromBundleAttributes(event.attributes, 0));
          break;
        case 'tool_call':
          this.addToolCall(event);
          break;
      }
    }
  }

  /** A tool-call span, written in each vocabulary that named it, with the commitments held. */
  private addToolCall(event: ToolCallEvent): void {
    const d = this.draft(event.spanId);
    this.toolSpans.add(event.spanId);
    const fields = { callId: event.callId, toolName: event.toolName, toolType: event.toolType };
    for (const name of event.vocabularies) {
      const tool = VOCABULARIES.find((v) => v.name === name)?.tool;
      if (tool === undefined) continue;
      for (const [k, v] of Object.entries(tool.write(fields))) d.attributes.set(k, v);
      const sides = [
        [event.arguments, tool.arguments[0]],
        [event.result, tool.result[0]],
      ] as const;
      for (const [ref, source] of sides) {
        if (ref.omitted === 'over_inline_limit' && source !== undefined && 'key' in source) {
          d.attributes.set(source.key, overLimitFiller(null));
        }
      }
    }
    put(d.attributes, sc.ATTR_TOOL_CALL_ARGUMENTS_SHA256, event.arguments.sha256);
    put(d.attributes, sc.ATTR_TOOL_CALL_RESULT_SHA256, event.result.sha256);
    if (d.name === UNNAMED_SPAN_NAME) d.name = `execute_tool ${event.toolName ?? ''}`.trim();
    if (!d.isStep) d.status = statusOf(event.status);
    if (d.enclosing === undefined && !d.isStep) d.enclosing = event.stepId;
    holdTimes(d, event.time, event.durationMs);
  }

  private addEvent(
    event: BundleEvent,
    name: string,
    attributes: Map<string, AttributeValue>,
  ): void {
    const d = this.draft(event.spanId);
    const us = event.time === null ? null : parseBundleTime(event.time);
    d.events.push({
      name,
      timeNs: us === null ? this.rootStartNs : us * 1000n,
      attributes,
      undated: event.time === null,
    });
    if (d.enclosing === undefined) d.enclosing = event.stepId;
  }

  private snapshotAttributes(
    spanId: string,
    id: string | null,
    revision: string | null,
    sha256: string | null,
    definition: JsonValue | null,
  ): Map<string, AttributeValue> {
    const a = new Map<string, AttributeValue>();
    put(a, sc.ATTR_WORKFLOW_ID, id);
    put(a, sc.ATTR_WORKFLOW_REVISION, revision);
    const mismatch = this.diags.has(
      'definition_hash_mismatch',
      spanId,
      sc.ATTR_WORKFLOW_DEFINITION_SHA256,
    );
    // The declared hash itself is not held when it did not match; any other hash says the same.
    put(a, sc.ATTR_WORKFLOW_DEFINITION_SHA256, mismatch ? '0'.repeat(64) : sha256);
    if (definition !== null) {
      const text = JSON.stringify(definition);
      const parts = splitUtf8(text, sc.INLINE_LIMIT_BYTES);
      if (parts.length === 1) a.set(sc.ATTR_WORKFLOW_DEFINITION, text);
      else {
        a.set(sc.ATTR_WORKFLOW_DEFINITION_PARTS, parts.length);
        parts.forEach((p, i) => a.set(`${sc.ATTR_WORKFLOW_DEFINITION_PART_PREFIX}${i}`, p));
      }
    } else if (this.diags.has('over_inline_limit', spanId, sc.ATTR_WORKFLOW_DEFINITION)) {
      a.set(sc.ATTR_WORKFLOW_DEFINITION, overLimitFiller(sha256));
    }
    return a;
  }

  private addSpanReceipts(): void {
    for (const receipt of this.bundle.model_io) {
      if (receipt.source !== 'span') continue;
      const d = this.draft(receipt.spanId);
      d.receipt = receipt;
      for (const [k, v] of modelIoAttributes(receipt, false)) d.attributes.set(k, v);
      if (d.name === UNNAMED_SPAN_NAME) {
        d.name = [receipt.operation, receipt.model].filter((x) => x !== null).join(' ') || 'gen_ai';
      }
      if (receipt.status !== null && !d.isStep) d.status = statusOf(receipt.status);
      if (d.enclosing === undefined && !d.isStep) d.enclosing = receipt.stepId;
      holdTimes(d, receipt.time, receipt.durationMs);
      this.addReceiptSources(receipt);
    }
  }

  /**
   * The spans that wrap a receipt's span, nearest first, each the parent of the one before:
   * written in their own vocabularies with the receipt's values (a wrapper's disagreeing values
   * as it gave them), so that the fold reads the same one call through them again.
   */
  private addReceiptSources(receipt: ModelIoReceipt): void {
    if (receipt.sources.length === 0) return;
    const stepBySpan = new Map(this.bundle.steps.map((s) => [s.spanId, s]));
    let enclosing = receipt.stepId;
    let child = this.drafts.get(receipt.spanId)!;
    for (const source of receipt.sources) {
      const step = stepBySpan.get(child.spanId);
      if (step !== undefined) enclosing = step.parentStepId;
      const d = this.draft(source.spanId);
      d.isSource = true;
      if (d.name === UNNAMED_SPAN_NAME) d.name = `${receipt.operation ?? 'gen_ai'} wrapper`;
      const given = { ...receipt, ...sourceValues(receipt, source) };
      for (const [k, v] of modelIoAttributes(given, false, source.vocabularies)) {
        if (!d.attributes.has(k)) d.attributes.set(k, v);
      }
      if (source.role === 'wrapper' && given.status !== null && !d.isStep) {
        d.status = statusOf(given.status);
      }
      if (!d.timesHeld && child.timesHeld) {
        // A microsecond around the span it wraps: where a diagnostic keeps the two apart (a
        // missing parent), the fold pairs them by time within the step, as it did the original.
        d.startNs = child.startNs - 1000n;
        d.endNs = child.endNs + 1000n;
        d.timesHeld = true;
      }
      this.hang(child, step?.parentSpanId ?? null, source.spanId);
      child = d;
    }
    const step = stepBySpan.get(child.spanId);
    if (step !== undefined) enclosing = step.parentStepId;
    if (!child.isStep && child.spanId !== this.rootId && child.enclosing === undefined) {
      child.enclosing = enclosing;
    }
  }

  /** Puts `child` under `parent`: a step through the parent its record names. */
  private hang(child: Draft, stepParent: string | null, parent: string): void {
    if (child.spanId === this.rootId) return;
    if (!child.isStep) {
      child.fixedParent = parent;
      return;
    }
    if (stepParent === null || stepParent === parent) return;
    const between = this.draft(stepParent, PLACEHOLDER_SPAN_NAME);
    if (!between.isStep && between.spanId !== this.rootId) between.fixedParent = parent;
  }

  /** Spans named only by a diagnostic (a mistyped attribute on an otherwise plain span, say). */
  private addDiagnosticSpans(): void {
    for (const diag of this.bundle.diagnostics) {
      if (diag.spanId === null || this.drafts.has(diag.spanId)) continue;
      if (diag.code === 'conflicting_duplicate_span') continue;
      this.draft(diag.spanId, PLACEHOLDER_SPAN_NAME);
    }
  }

  // ---- topology ----------------------------------------------------------------------------

  /** The span a non-step span hangs under so that its nearest enclosing step is `stepId`. */
  private anchorFor(stepId: string | null, forSpan?: string): string | undefined {
    if (stepId === null) {
      const root = this.rootId === null ? undefined : this.drafts.get(this.rootId);
      if (root !== undefined) return root.isStep ? undefined : root.spanId;
      // No root: the run span never arrived, and every span hangs under a missing parent. A
      // plain span whose parent is missing keeps the others off the top: one that is no model or
      // tool call if there is one, since a call span above another call would make it a wrapper.
      let orphan: string | undefined;
      for (const d of this.drafts.values()) {
        if (d.isStep || this.diags.missingParentOf(d.spanId) === null) continue;
        if (d.receipt === null && !this.toolSpans.has(d.spanId)) return d.spanId;
        orphan ??= d.spanId;
      }
      return orphan;
    }
    // A step id can name several spans (a retried step, a step nested in itself): take one
    // that is not below the span being placed.
    for (const step of this.bundle.steps) {
      if (step.stepId !== stepId) continue;
      if (forSpan === undefined || !this.isBelow(step.spanId, forSpan)) return step.spanId;
    }
    return this.rootId ?? undefined;
  }

  /** Whether `spanId` is `ancestor` or lies below it, following the parents set so far. */
  private isBelow(spanId: string, ancestor: string): boolean {
    const seen = new Set<string>();
    let cur: string | undefined = spanId;
    while (cur !== undefined && !seen.has(cur)) {
      if (cur === ancestor) return true;
      seen.add(cur);
      cur = this.drafts.get(cur)?.parentSpanId;
    }
    return false;
  }

  /**
   * Hangs every non-step span under a span of the step that encloses it (its events say which;
   * for a span that is only the parent of a step, that step's `parentStepId` does), adding the
   * step parents the bundle names but does not describe. A step id can name several spans (a
   * retried step, or one nested in itself): spans with fewer choices are placed first, and a
   * span is never hung below itself.
   */
  private placeSpans(): void {
    const enclosingOfParent = new Map<string, string | null>();
    for (const step of this.bundle.steps) {
      const parent = step.parentSpanId;
      if (parent === null) continue;
      enclosingOfParent.set(parent, step.parentStepId);
      if (!this.drafts.has(parent) && this.diags.missingParentOf(step.spanId) !== parent) {
        this.draft(parent, PLACEHOLDER_SPAN_NAME);
      }
    }
    const choices = (stepId: string | null): number =>
      stepId === null ? 1 : this.bundle.steps.filter((s) => s.stepId === stepId).length;
    const todo: Array<{ d: Draft; enclosing: string | null }> = [];
    for (const d of this.drafts.values()) {
      if (d.spanId === this.rootId || d.isStep) continue;
      if (d.fixedParent !== undefined) {
        d.parentSpanId = d.fixedParent;
        continue;
      }
      todo.push({ d, enclosing: d.enclosing ?? enclosingOfParent.get(d.spanId) ?? null });
    }
    todo.sort((a, b) => choices(a.enclosing) - choices(b.enclosing));
    for (const { d, enclosing } of todo) {
      const anchor = this.anchorFor(enclosing, d.spanId);
      d.parentSpanId = anchor === d.spanId ? undefined : anchor;
    }
  }

  private applyParentDiagnostics(): void {
    for (const d of this.drafts.values()) {
      const missing = this.diags.missingParentOf(d.spanId);
      if (missing !== null) d.parentSpanId = missing;
      if (this.diags.has('self_parent', d.spanId, null)) d.parentSpanId = d.spanId;
    }
  }

  /** Spans that also carried `workbench.run.id`, or extra roots, as the diagnostics count them. */
  private extraRunAndRootSpans(): Draft[] {
    const extras: Draft[] = [];
    const runSpans = this.diags.count('multiple_run_spans');
    const roots = this.diags.count('multiple_roots');
    const make = (i: number, kind: string): Draft =>
      countedDraft(
        this.freshId(`${kind}:${i}`),
        kind === 'root' ? undefined : (this.rootId ?? undefined),
        // Later than the run span, so that the run span stays the earliest.
        this.rootStartNs + 1000n,
        this.rootEndNs > this.rootStartNs + 1000n ? this.rootEndNs : this.rootStartNs + 1000n,
        new Map<string, AttributeValue>(
          kind === 'run' ? [[sc.ATTR_RUN_ID, this.run.runId ?? 'replayed']] : [],
        ),
      );
    for (let i = 1; i < runSpans; i++) extras.push(make(i, 'run'));
    for (let i = 1; i < roots; i++) extras.push(make(i, 'root'));
    return extras;
  }

  private fixEventSpanTimes(): void {
    for (const d of this.drafts.values()) {
      if (!d.timesHeld && d.events.length > 0) {
        let min = d.events[0]!.timeNs;
        let max = min;
        for (const e of d.events) {
          if (e.timeNs < min) min = e.timeNs;
          if (e.timeNs > max) max = e.timeNs;
        }
        d.startNs = min;
        d.endNs = max;
      }
      if (this.diags.has('end_before_start', d.spanId, null) && !(d.endNs < d.startNs)) {
        d.endNs = d.startNs - 1n;
      }
    }
  }

  /** Mistyped, out-of-range, non-finite and malformed values, as the diagnostics describe them. */
  private applyAttributeDiagnostics(): void {
    for (const diag of this.bundle.diagnostics) {
      if (diag.spanId === null || diag.subject === null) continue;
      const d = this.drafts.get(diag.spanId);
      if (d === undefined) continue;
      const key = diag.subject;
      const typed = this.diags.typed(diag);
      const value = typed === undefined ? undefined : valueFor(typed, key);
      if (typed === undefined || value === undefined) continue;
      const onEvent = eventOf(typed);
      if (typed.code === 'bad_hash') {
        for (const e of d.events)
          if (readsHash(e.name, key) && !e.attributes.has(key)) e.attributes.set(key, value);
        if (d.receipt !== null && !d.attributes.has(key) && readsHash(sc.EVENT_MODEL_IO, key)) {
          d.attributes.set(key, value);
        }
        continue;
      }
      if (onEvent !== null) {
        for (const e of d.events) {
          if (e.name === onEvent && !e.attributes.has(key)) e.attributes.set(key, value);
        }
      } else if (!d.attributes.has(key)) {
        d.attributes.set(key, value);
      }
    }
  }

  /**
   * Identifiers the fold cut (`identifier_truncated`) come back one character too long, which it
   * cuts again to the same bytes; event times it could not write (`time_out_of_range`) come back
   * beyond year 9999.
   */
  private applyTruncations(): void {
    for (const diag of this.bundle.diagnostics) {
      if (diag.spanId === null || diag.subject === null) continue;
      const d = this.drafts.get(diag.spanId);
      if (d === undefined) continue;
      if (diag.code === 'time_out_of_range') {
        for (const e of d.events)
          if (cutUtf8(e.name, sc.INLINE_LIMIT_BYTES) === diag.subject && e.undated) {
            e.timeNs = BEYOND_YEAR_9999;
          }
        continue;
      }
      if (diag.code !== 'identifier_truncated') continue;
      const limit = identifierLimit(diag.subject);
      if (limit === undefined) continue;
      // A character of four bytes never fits the at most three bytes a cut leaves unused.
      const longer = (v: AttributeValue | undefined): AttributeValue | undefined =>
        typeof v === 'string' && utf8Length(v) > limit - 4 ? `${v}\u{1F600}` : undefined;
      if (diag.subject === EVENT_NAME_SUBJECT) {
        for (const e of d.events) e.name = (longer(e.name) as string | undefined) ?? e.name;
        continue;
      }
      if (diag.subject === SPAN_NAME_SUBJECT) {
        if (d.spanId === this.rootId && this.run.runId !== null) {
          // The run's name came from its span's name: there was no workbench.run.name.
          d.attributes.delete(sc.ATTR_RUN_NAME);
          d.name = this.run.name;
        }
        d.name = (longer(d.name) as string | undefined) ?? d.name;
        continue;
      }
      const key = diag.subject;
      const typed = this.diags.typed(diag);
      if (typed === undefined) continue;
      const onEvent = eventOf(typed);
      const maps =
        onEvent === null
          ? [d.attributes]
          : d.events.filter((e) => e.name === onEvent).map((e) => e.attributes);
      for (const map of maps) {
        const v = longer(map.get(key));
        if (v !== undefined) map.set(key, v);
      }
    }
  }

  private placeholders(count: number): Draft[] {
    const out: Draft[] = [];
    const parent = this.anchorFor(null) ?? this.rootId ?? this.drafts.keys().next().value;
    for (let i = 0; i < count; i++) {
      out.push(
        countedDraft(
          this.freshId(`placeholder:${i}`),
          parent,
          this.rootStartNs,
          this.rootEndNs < this.rootStartNs ? this.rootStartNs : this.rootEndNs,
          new Map(),
        ),
      );
    }
    return out;
  }

  private readonly taken = new Set<string>();

  /** A span id derived from the trace id and a label: the same bundle gives the same ids. */
  private freshId(label: string): string {
    for (let n = 0; ; n++) {
      const id = createHash('sha256')
        .update(`${this.run.traceId}/${label}/${n}`)
        .digest('hex')
        .slice(0, 16);
      if (id !== '0'.repeat(16) && !this.drafts.has(id) && !this.taken.has(id)) {
        this.taken.add(id);
        return id;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Values

/** Gives a span whose times nothing else set the start and duration a receipt or tool call holds. */
function holdTimes(d: Draft, time: string | null, durationMs: number | null): void {
  if (d.timesHeld || time === null) return;
  const us = parseBundleTime(time);
  if (us === null) return;
  d.startNs = us * 1000n;
  const durUs = durationMs === null ? 0n : BigInt(Math.round(durationMs * 1000));
  d.endNs = d.startNs + durUs * 1000n;
  d.timesHeld = true;
}

function put(a: Map<string, AttributeValue>, key: string, value: AttributeValue | undefined): void {
  if (value !== null && value !== undefined) a.set(key, value);
}

function modelIoAttributes(
  m: ModelIoReceipt,
  isEvent: boolean,
  vocabularies: readonly string[] = m.vocabularies,
): Map<string, AttributeValue> {
  const a = new Map<string, AttributeValue>();
  const fields = receiptFields(m);
  // An event carries the GenAI names under its own contract; a span is written back in each
  // vocabulary it was read from, so that reading it again lists the same ones.
  const names = isEvent || vocabularies.length === 0 ? ['gen_ai'] : vocabularies;
  for (const name of names) {
    const vocabulary = VOCABULARIES.find((v) => v.name === name);
    if (vocabulary === undefined) continue;
    for (const [key, value] of Object.entries(vocabulary.write(fields))) a.set(key, value);
  }
  if (isEvent) put(a, sc.ATTR_MODEL_IO_DURATION_MS, m.durationMs);
  if (m.cost !== null) {
    a.set(sc.ATTR_MODEL_IO_COST_AMOUNT, m.cost.amount);
    put(a, sc.ATTR_MODEL_IO_COST_CURRENCY, m.cost.currency);
  }
  putContent(a, m.input, sc.ATTR_MODEL_IO_INPUT, sc.ATTR_MODEL_IO_INPUT_SHA256);
  putContent(a, m.output, sc.ATTR_MODEL_IO_OUTPUT, sc.ATTR_MODEL_IO_OUTPUT_SHA256);
  return a;
}

/**
 * A wrapper's values as it gave them: the receipt's, but for those it disagreed on. (An aggregate
 * is written with the receipt's values: the fold takes none of them.)
 */
function sourceValues(m: ModelIoReceipt, source: ReceiptSource): Partial<ModelIoReceipt> {
  const d = source.disagreements;
  const out: Partial<ModelIoReceipt> = {};
  const str = (k: string): string | null | undefined =>
    k in d ? (typeof d[k] === 'string' ? d[k] : null) : undefined;
  const int = (k: string): number | null | undefined =>
    k in d ? (typeof d[k] === 'number' ? d[k] : null) : undefined;
  const provider = str('provider');
  if (provider !== undefined) {
    out.provider = provider;
    out.providerRaw = provider;
  }
  // The request model, as the wrapper named it: written under the request-model names.
  const model = str('model');
  if (model !== undefined) out.model = model;
  const responseModel = str('responseModel');
  if (responseModel !== undefined) out.responseModel = responseModel;
  const operation = str('operation');
  if (operation !== undefined) out.operation = operation;
  const { modalities, ...totals } = m.usage;
  for (const k of Object.keys(totals) as Array<keyof typeof totals>) {
    const v = int(k);
    if (v !== undefined) totals[k] = v;
  }
  const perModality = modalityFields(modalities);
  for (const k of Object.keys(perModality) as Array<keyof typeof perModality>) {
    const v = int(k);
    if (v !== undefined) perModality[k] = v;
  }
  out.usage = { ...totals, ...modalityUsages(perModality) };
  if ('cost' in d) out.cost = d['cost'] as ModelIoReceipt['cost'];
  if ('input' in d) out.input = d['input'] as unknown as ContentRef;
  if ('output' in d) out.output = d['output'] as unknown as ContentRef;
  if ('status' in d) out.status = d['status'] as unknown as BundleStatus;
  return out;
}

function receiptFields(m: ModelIoReceipt): ReceiptFields {
  return {
    cacheReadInputTokens: m.usage.cacheReadInputTokens,
    cacheWriteInputTokens: m.usage.cacheWriteInputTokens,
    costAmount: m.cost?.amount ?? null,
    costCurrency: m.cost?.currency ?? null,
    inputTokens: m.usage.inputTokens,
    model: m.model,
    operation: m.operation,
    outputTokens: m.usage.outputTokens,
    provider: m.providerRaw ?? m.provider,
    reasoningOutputTokens: m.usage.reasoningOutputTokens,
    responseModel: m.responseModel,
    ...modalityFields(m.usage.modalities),
  };
}

function putContent(
  a: Map<string, AttributeValue>,
  ref: ContentRef,
  contentKey: string,
  hashKey: string,
): void {
  put(a, hashKey, ref.sha256);
  if (ref.content !== null) a.set(contentKey, ref.content);
  else if (ref.omitted === 'over_inline_limit') a.set(contentKey, overLimitFiller(ref.sha256));
  else if (ref.omitted === 'hash_mismatch') a.set(contentKey, MISMATCH_FILLER);
}

function artifactAttributes(
  event: Extract<BundleEvent, { type: 'artifact' }>,
  artifact: BundleArtifact | undefined,
  diags: DiagIndex,
): Map<string, AttributeValue> {
  const a = new Map<string, AttributeValue>();
  const keyMissing = diags.missingOnEvent(event.spanId, sc.ATTR_ARTIFACT_KEY, sc.EVENT_ARTIFACT);
  if (!(event.key === '' && keyMissing)) put(a, sc.ATTR_ARTIFACT_KEY, event.key);
  put(a, sc.ATTR_ARTIFACT_VERSION, event.version);
  put(a, sc.ATTR_ARTIFACT_SHA256, event.sha256);
  if (artifact === undefined) return a;
  put(a, sc.ATTR_ARTIFACT_MEDIA_TYPE, artifact.mediaType);
  put(a, sc.ATTR_ARTIFACT_SIZE, artifact.size);
  put(a, sc.ATTR_ARTIFACT_PARENT_VERSION, artifact.parentVersion);
  if (artifact.content !== null) a.set(sc.ATTR_ARTIFACT_CONTENT, artifact.content);
  else if (artifact.omitted.content === 'over_inline_limit')
    a.set(sc.ATTR_ARTIFACT_CONTENT, overLimitFiller(artifact.sha256));
  else if (artifact.omitted.content === 'hash_mismatch')
    a.set(sc.ATTR_ARTIFACT_CONTENT, MISMATCH_FILLER);
  // The commitment, whether the patch is held, redacted, over the limit or not matching: the
  // fold takes a patch only with a commitment it matches, so the held one matches its own.
  put(a, sc.ATTR_ARTIFACT_PATCH_SHA256, artifact.patchSha256);
  if (artifact.patch !== null) a.set(sc.ATTR_ARTIFACT_PATCH, artifact.patch);
  else if (artifact.omitted.patch === 'over_inline_limit')
    a.set(sc.ATTR_ARTIFACT_PATCH, overLimitFiller(null));
  else if (artifact.omitted.patch === 'hash_mismatch')
    a.set(sc.ATTR_ARTIFACT_PATCH, MISMATCH_FILLER);
  return a;
}

/** Content known only to have been over the inline limit: a filler that is over it too. */
function overLimitFiller(sha256: string | null): string {
  const head = `[workbench replay: content over ${sc.INLINE_LIMIT_BYTES} bytes is not held in the bundle${sha256 === null ? '' : `; sha256 ${sha256}`}]`;
  return head.padEnd(sc.INLINE_LIMIT_BYTES + 1, '.');
}

/** Content a backend had truncated (its hash did not match): a filler whose hash does not either. */
const MISMATCH_FILLER =
  '[workbench replay: content not held in the bundle: it did not match its hash]';

/** Inverts the bundle's attribute form (see `toBundleAttributes` in `@llm-workbench/bundle`). */
function fromBundleAttributes(
  attrs: { [key: string]: JsonValue },
  depth: number,
  limit = MAX_EVENT_ATTRIBUTES,
): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  let dropped = 0;
  const keys = Object.keys(attrs);
  for (const key of keys) {
    const v = attrs[key]!;
    if (key === DROPPED_KEY && typeof v === 'number' && Number.isInteger(v)) {
      dropped = v;
      continue;
    }
    out.set(key, fromBundleValue(v, depth));
  }
  if (dropped > 0) {
    // The fold keeps the first `limit` keys in sorted order and counts the rest: keys that sort
    // after every kept one, or keys longer than the inline limit when fewer than `limit` were kept.
    const kept = [...out.keys()].sort();
    const last = kept[kept.length - 1] ?? '';
    for (let i = 0; i < dropped; i++) {
      const n = String(i).padStart(6, '0');
      const key =
        kept.length >= limit
          ? `${last}\uffff${n}`
          : `${DROPPED_FILLER_PREFIX}${n}.`.padEnd(sc.INLINE_LIMIT_BYTES + 1, 'k');
      out.set(key, '');
    }
  }
  return out;
}

function fromBundleValue(v: JsonValue, depth: number): AttributeValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') {
    return v;
  }
  if (Array.isArray(v)) {
    const last = v[v.length - 1];
    const omittedItems =
      last !== undefined && isOmitted(last) && last['omitted'] === 'too_many_items'
        ? last['size']
        : null;
    if (typeof omittedItems === 'number') {
      const items = v.slice(0, -1).map((x) => fromBundleValue(x, depth + 1));
      while (items.length < omittedItems) items.push('');
      return items;
    }
    return v.map((x) => fromBundleValue(x, depth + 1));
  }
  if (typeof v['bytesBase64'] === 'string' && Object.keys(v).length === 1) {
    return new Uint8Array(Buffer.from(v['bytesBase64'], 'base64'));
  }
  const kv = v['kvlist'];
  if (kv !== undefined && kv !== null && typeof kv === 'object' && !Array.isArray(kv)) {
    const inner = fromBundleAttributes(kv, depth + 1, MAX_VALUE_ITEMS);
    return { kvlist: attributesFrom(inner) };
  }
  if (isOmitted(v)) {
    if (v['omitted'] === 'too_deep') return [];
    const size = typeof v['size'] === 'number' ? v['size'] : sc.INLINE_LIMIT_BYTES + 1;
    return 'x'.repeat(size);
  }
  return null;
}

function isOmitted(v: JsonValue): v is { [key: string]: JsonValue } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof v['omitted'] === 'string' &&
    'size' in v &&
    Object.keys(v).length === 2
  );
}

/** A value that makes the fold record `diag` again, or undefined when none is needed or known. */
function valueFor(diag: FoldDiagnostic, key: string): AttributeValue | undefined {
  switch (diag.code) {
    case 'wrong_type':
      switch (diag.got) {
        case 'string':
          return '?';
        case 'number':
          return diag.expected === 'integer' ? 0.5 : 0;
        case 'boolean':
          return false;
        case 'bigint':
          return 1n;
        case 'bytes':
          return new Uint8Array(0);
        case 'array':
          return [];
        case 'object':
          return { kvlist: attributesFrom([]) };
      }
      return undefined;
    case 'out_of_range':
      return 2n ** 60n;
    case 'non_finite':
      return Number(diag.got);
    case 'bad_hash':
      return key.endsWith('sha256') ? 'not-a-sha256' : undefined;
    default:
      return undefined;
  }
}

/** The event whose attribute a diagnostic is about, or null for a span's own attribute. */
function eventOf(diag: FoldDiagnostic): string | null {
  return 'event' in diag ? diag.event : null;
}

function readsHash(eventName: string, key: string): boolean {
  switch (eventName) {
    case sc.EVENT_MODEL_IO:
      return key === sc.ATTR_MODEL_IO_INPUT_SHA256 || key === sc.ATTR_MODEL_IO_OUTPUT_SHA256;
    case sc.EVENT_ARTIFACT:
      return key === sc.ATTR_ARTIFACT_SHA256 || key === sc.ATTR_ARTIFACT_PATCH_SHA256;
    case sc.EVENT_WORKFLOW_SNAPSHOT:
      return key === sc.ATTR_WORKFLOW_DEFINITION_SHA256;
    case sc.EVENT_GATE_REQUESTED:
      return key === sc.ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Times

/**
 * Nanosecond start and end that the fold turns back into the held microsecond times and duration:
 * the duration is the truncated nanosecond difference, which can be one microsecond less than the
 * difference of the truncated times; a start 999 ns into its microsecond gives that back.
 */
function heldTimes(
  start: string | null,
  end: string | null,
  durationMs: number | null,
): [bigint | null, bigint | null] {
  const s = start === null ? null : parseBundleTime(start);
  const e = end === null ? null : parseBundleTime(end);
  if (s === null || e === null)
    return [s === null ? null : s * 1000n, e === null ? null : e * 1000n];
  if (durationMs === null) {
    // The fold reports no duration when the span ends before it starts.
    return e < s ? [s * 1000n, e * 1000n] : [s * 1000n + 1n, e * 1000n];
  }
  const durUs = BigInt(Math.round(durationMs * 1000));
  if (durUs === e - s - 1n) return [s * 1000n + 999n, e * 1000n];
  return [s * 1000n, e * 1000n];
}

function firstEventTime(bundle: RunBundle | UnsealedRunBundle): bigint | null {
  for (const e of bundle.events) {
    const us = e.time === null ? null : parseBundleTime(e.time);
    if (us !== null) return us * 1000n;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function statusOf(s: BundleStatus): Draft['status'] {
  return s.message === null ? { code: s.code } : { code: s.code, message: s.message };
}

function toRecord(traceId: string, d: Draft, resource: SpanRecord['resource']): SpanRecord {
  const events: SpanEventRecord[] = d.events.map((e) => ({
    name: e.name,
    timeUnixNano: e.timeNs,
    attributes: attributesFrom(e.attributes),
  }));
  return {
    traceId,
    spanId: d.spanId,
    parentSpanId: d.parentSpanId,
    name: d.name,
    kind: 'internal',
    startTimeUnixNano: d.startNs,
    endTimeUnixNano: d.endNs,
    status: d.status,
    attributes: attributesFrom(d.attributes),
    events,
    resource,
    scope: { name: d.isSource ? REPLAY_SOURCE_SCOPE_NAME : REPLAY_SCOPE_NAME },
  };
}

/**
 * The span with the values one version of a disputed span had at the dispute's paths (a path the
 * version lacks is removed). Content shown by its hash is left as the bundle gave it back: the
 * bundle does not hold another version's content, so such a dispute does not come back whole.
 */
function withVariant(
  base: SpanRecord,
  paths: readonly string[],
  values: { readonly [path: string]: JsonValue },
  kept: { readonly [path: string]: JsonValue },
): SpanRecord {
  let name = base.name;
  let parentSpanId = base.parentSpanId;
  let status = { ...base.status };
  let scope = { ...base.scope };
  const attributes = new Map(Object.entries(base.attributes));
  const resource = new Map(Object.entries(base.resource));
  const events = base.events.map((e) => ({
    name: e.name,
    timeUnixNano: e.timeUnixNano,
    attributes: new Map(Object.entries(e.attributes)),
  }));
  const gone = new Set<number>();
  let startUs: bigint | null = null;
  let endUs: bigint | null = null;
  const setAttribute = (
    map: Map<string, AttributeValue>,
    key: string,
    v: JsonValue | undefined,
    keptHas: boolean,
  ): void => {
    if (keptHas && !map.has(key)) {
      // A key the bundle counted as dropped from the version it holds: it takes the place of a
      // stand-in for it (a key over the inline limit, or one past the last key kept) in every
      // version, which then has it or not.
      const keys = [...map.keys()];
      const long = utf8Length(key) > sc.INLINE_LIMIT_BYTES;
      const last = keys.every((k) => isDroppedFiller(k) || k < key);
      const filler = keys.find(
        (k) => isDroppedFiller(k) && (k.startsWith(DROPPED_FILLER_PREFIX) ? long : last),
      );
      if (filler !== undefined) map.delete(filler);
    }
    if (v === undefined) map.delete(key);
    else if (!isHashOnly(v)) map.set(key, fromBundleValue(v, 0));
    // Content shown by its hash: only the version the bundle holds comes back.
  };
  for (const path of paths) {
    const v = Object.hasOwn(values, path) ? values[path] : undefined;
    const keptHas = Object.hasOwn(kept, path);
    const [head, ...rest] = path
      .split('/')
      .slice(1)
      .map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
    const text = typeof v === 'string' ? v : null;
    switch (head) {
      case 'name':
        if (text !== null) name = text;
        break;
      case 'parentSpanId':
        parentSpanId = text ?? undefined;
        break;
      case 'startTime':
        startUs = microsOf(text);
        break;
      case 'endTime':
        endUs = microsOf(text);
        break;
      case 'status':
        if (rest[0] === 'code' && (text === 'ok' || text === 'error' || text === 'unset')) {
          status = { ...status, code: text };
        } else if (rest[0] === 'message') status = { ...status, message: text ?? undefined };
        break;
      case 'scope':
        if (text !== null) scope = { ...scope, name: text };
        break;
      case 'resource':
        setAttribute(resource, rest.join('/'), v, keptHas);
        break;
      case 'attributes':
        setAttribute(attributes, rest.join('/'), v, keptHas);
        break;
      case 'events': {
        const i = Number(rest[0]);
        if (!Number.isSafeInteger(i) || i < 0 || i > 100_000) break;
        while (events.length <= i) {
          events.push({ name: '', timeUnixNano: base.startTimeUnixNano, attributes: new Map() });
        }
        const e = events[i]!;
        if (rest[1] === 'name') {
          if (text !== null) e.name = text;
          else if (v === undefined) gone.add(i);
        } else if (rest[1] === 'time') {
          const us = microsOf(text);
          if (us !== null) e.timeUnixNano = us * 1000n;
        } else if (rest[1] === 'attributes')
          setAttribute(e.attributes, rest.slice(2).join('/'), v, keptHas);
        break;
      }
      default:
        break;
    }
  }
  let start = base.startTimeUnixNano;
  let end = base.endTimeUnixNano;
  if (startUs !== null || endUs !== null) {
    // The fold reads the end as the truncated start plus the truncated duration: keep the start's
    // nanoseconds on both, so that both microsecond times come back.
    const below = start - nanosToMicros(start) * 1000n;
    const s = startUs ?? nanosToMicros(start);
    const e = endUs ?? endMicros(start, end);
    start = s * 1000n + below;
    end = e * 1000n + below;
  }
  return {
    ...base,
    name,
    parentSpanId,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    status,
    scope,
    attributes: attributesFrom(attributes),
    resource: attributesFrom(resource),
    events: events
      .filter((_, i) => !gone.has(i))
      .map((e) => ({ ...e, attributes: attributesFrom(e.attributes) })),
  };
}

/** A bundle time, or decimal microseconds (a time beyond what a bundle time writes), as microseconds. */
function microsOf(text: string | null): bigint | null {
  if (text === null) return null;
  if (/^-?\d+$/.test(text)) return BigInt(text);
  return parseBundleTime(text);
}

/** A key {@link fromBundleAttributes} made up to stand for a dropped attribute. */
function isDroppedFiller(key: string): boolean {
  return key.startsWith(DROPPED_FILLER_PREFIX) || /\uffff\d{6}$/.test(key);
}

/** Content a dispute shows by its hash only. */
function isHashOnly(v: JsonValue): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof v['sha256'] === 'string' &&
    Object.keys(v).length === 1
  );
}

function artifactKey(
  spanId: string,
  time: string | null,
  key: string | null,
  version: number | null,
  sha256: string | null,
): string {
  return JSON.stringify([spanId, time, key, version, sha256]);
}

class Multimap<T> {
  private readonly map = new Map<string, T[]>();
  add(key: string, value: T): void {
    const list = this.map.get(key);
    if (list === undefined) this.map.set(key, [value]);
    else list.push(value);
  }
  take(key: string): T | undefined {
    return this.map.get(key)?.shift();
  }
}

/**
 * The bundle's diagnostics, each with the fold's diagnostic it holds: read from its structured
 * members, or, for a bundle written before it had them, from its message by the one legacy reader.
 */
class DiagIndex {
  private readonly list: readonly BundleDiagnostic[];
  private readonly read = new Map<BundleDiagnostic, FoldDiagnostic | undefined>();
  constructor(list: readonly BundleDiagnostic[]) {
    this.list = list;
    for (const d of list) this.read.set(d, readDiagnostic(d) ?? legacyDiagnostic(d));
  }

  typed(d: BundleDiagnostic): FoldDiagnostic | undefined {
    return this.read.get(d);
  }

  has(code: string, spanId: string | null, subject: string | null): boolean {
    return this.list.some(
      (d) => d.code === code && d.spanId === spanId && (subject === null || d.subject === subject),
    );
  }

  /** Whether the fold found `subject` missing on an event named `event` of the span. */
  missingOnEvent(spanId: string, subject: string, event: string): boolean {
    for (const d of this.read.values()) {
      if (d?.code !== 'missing_field') continue;
      if (d.spanId === spanId && d.subject === subject && d.event === event) return true;
    }
    return false;
  }

  spansWith(code: string): string[] {
    return this.list.filter((d) => d.code === code && d.spanId !== null).map((d) => d.spanId!);
  }

  missingParentOf(spanId: string): string | null {
    for (const d of this.read.values()) {
      if (d?.code === 'missing_parent' && d.spanId === spanId) return d.parentSpanId;
    }
    return null;
  }

  count(code: 'multiple_run_spans' | 'multiple_roots'): number {
    for (const d of this.read.values()) {
      if (d?.code === code) return d.count;
    }
    return 0;
  }
}

/** A span the bundle only counts (an extra run span or root, a placeholder): no events, no step. */
function countedDraft(
  spanId: string,
  parentSpanId: string | undefined,
  startNs: bigint,
  endNs: bigint,
  attributes: Map<string, AttributeValue>,
): Draft {
  return {
    spanId,
    parentSpanId,
    name: PLACEHOLDER_SPAN_NAME,
    startNs,
    endNs,
    timesHeld: true,
    status: { code: 'unset' },
    attributes,
    events: [],
    enclosing: null,
    isStep: false,
    receipt: null,
    fixedParent: undefined,
    isSource: false,
  };
}
