// Gate waits and model totals, computed the way @llm-workbench/bundle's summarizeBundle computes
// them (test/summarize.test.ts holds the two to the same answers), but from untrusted JSON: the
// page shows what the embedded, hashed bundle says, never a summary made elsewhere.

import { asArray, asNumber, asObject, asString, member, parseBundleTime } from './read.js';

/**
 * @typedef {{ type: 'requested' | 'resolved', time: string | null, spanId: string,
 *   decision: string | null, actor: string | null, reason: string | null,
 *   disputed: boolean }} GateHistoryEntry
 * @typedef {'pending' | 'resolved' | 'resolved_without_request'} GateState
 * @typedef {{ gateId: string, stepId: string | null, requestedAt: string | null,
 *   resolvedAt: string | null, decision: string | null, actor: string | null,
 *   reason: string | null, waitMs: number | null, state: GateState, resolvedAgain: boolean,
 *   disputed: boolean, history: GateHistoryEntry[] }} GateSummary
 * @typedef {{ calls: number, inputTokens: number, outputTokens: number,
 *   cacheReadInputTokens: number, cacheWriteInputTokens: number, reasoningOutputTokens: number,
 *   durationMs: number,
 *   cost: Map<string, number>, responseModels: string[], vocabularies: string[] }} ModelTotals
 * @typedef {{ policy: string | null, artifactKey: string | null, artifactVersion: number | null,
 *   toolName: string | null, toolCallId: string | null, toolArgumentsSha256: string | null }} GateRequest
 */

/**
 * One entry per gate, requested and maybe resolved, with how long it waited, where it stands
 * (pending, resolved, resolved without a request), whether it was resolved again or came from a
 * disputed span, and every request and resolution in order.
 *
 * @example
 * summarizeGates(bundle.events).get('review')?.waitMs; // 2500
 * @param {unknown} events
 * @returns {Map<string, GateSummary>}
 */
export function summarizeGates(events) {
  /** @type {Map<string, GateSummary>} */
  const gates = new Map();
  /** @type {Map<string, string | null>} the time of each gate's request not yet answered */
  const open = new Map();
  for (const e of asArray(events)) {
    const type = member(e, 'type');
    if (type !== 'human_gate_requested' && type !== 'human_gate_resolved') continue;
    const id = asString(member(e, 'gateId')) ?? '(unnamed)';
    let g = gates.get(id);
    if (!g) {
      g = {
        gateId: id,
        stepId: asString(member(e, 'stepId')),
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
    const time = asString(member(e, 'time'));
    const spanId = asString(member(e, 'spanId')) ?? '';
    const disputed = member(e, 'disputed') === true;
    if (disputed) g.disputed = true;
    if (type === 'human_gate_requested') {
      g.requestedAt ??= time;
      open.set(id, time);
      g.history.push({
        actor: null,
        decision: null,
        reason: null,
        disputed,
        spanId,
        time,
        type: 'requested',
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
    const decision = asString(member(e, 'decision'));
    const actor = asString(member(e, 'actor'));
    const reason = asString(member(e, 'reason'));
    g.history.push({ actor, decision, disputed, reason, spanId, time, type: 'resolved' });
    g.resolvedAt = time;
    g.decision = decision;
    g.actor = actor;
    g.reason = reason;
    if (answered !== undefined) {
      const a = parseBundleTime(answered);
      const b = parseBundleTime(time);
      g.waitMs = a !== null && b !== null ? Number(b - a) / 1000 : null;
    }
  }
  return gates;
}

/**
 * What each gate was asked to approve: the policy and subject of its first request.
 *
 * @example
 * gateRequests(bundle.events).get('review')?.artifactKey; // 'draft.md'
 * @param {unknown} events
 * @returns {Map<string, GateRequest>}
 */
export function gateRequests(events) {
  /** @type {Map<string, GateRequest>} */
  const requests = new Map();
  for (const e of asArray(events)) {
    if (member(e, 'type') !== 'human_gate_requested') continue;
    const id = asString(member(e, 'gateId')) ?? '(unnamed)';
    if (requests.has(id)) continue;
    const subject = member(e, 'subject');
    requests.set(id, {
      policy: asString(member(e, 'policy')),
      artifactKey: asString(member(subject, 'artifactKey')),
      artifactVersion: asNumber(member(subject, 'artifactVersion')),
      toolName: asString(member(member(subject, 'tool'), 'name')),
      toolCallId: asString(member(member(subject, 'tool'), 'callId')),
      toolArgumentsSha256: asString(member(member(subject, 'tool'), 'argumentsSha256')),
    });
  }
  return requests;
}

/**
 * Calls, tokens, duration and cost per `provider/model` and in total.
 *
 * @example
 * summarizeModels(bundle.model_io).totals.inputTokens; // 107
 * @param {unknown} modelIo
 * @returns {{ models: Map<string, ModelTotals>, totals: ModelTotals }}
 */
export function summarizeModels(modelIo) {
  /** @type {Map<string, ModelTotals>} */
  const models = new Map();
  const totals = emptyTotals();
  for (const m of asArray(modelIo)) {
    if (!asObject(m)) continue;
    const name = `${asString(member(m, 'provider')) ?? '?'}/${asString(member(m, 'model')) ?? '?'}`;
    let t = models.get(name);
    if (!t) models.set(name, (t = emptyTotals()));
    const usage = member(m, 'usage');
    const cost = asObject(member(m, 'cost'));
    const amount = cost ? asNumber(cost['amount']) : null;
    const responseModel = asString(member(m, 'responseModel'));
    const vocabularies = asArray(member(m, 'vocabularies')).flatMap((v) => {
      const s = asString(v);
      return s === null ? [] : [s];
    });
    for (const x of [t, totals]) {
      x.calls++;
      x.inputTokens += asNumber(member(usage, 'inputTokens')) ?? 0;
      x.outputTokens += asNumber(member(usage, 'outputTokens')) ?? 0;
      x.cacheReadInputTokens += asNumber(member(usage, 'cacheReadInputTokens')) ?? 0;
      // Version 1 bundles name cache writes cacheCreationInputTokens.
      x.cacheWriteInputTokens +=
        asNumber(member(usage, 'cacheWriteInputTokens')) ??
        asNumber(member(usage, 'cacheCreationInputTokens')) ??
        0;
      x.reasoningOutputTokens += asNumber(member(usage, 'reasoningOutputTokens')) ?? 0;
      x.durationMs += asNumber(member(m, 'durationMs')) ?? 0;
      if (cost && amount !== null) {
        const c = asString(cost['currency']) ?? '?';
        x.cost.set(c, (x.cost.get(c) ?? 0) + amount);
      }
      if (responseModel !== null) addSorted(x.responseModels, responseModel);
      for (const v of vocabularies) addSorted(x.vocabularies, v);
    }
  }
  return { models, totals };
}

/**
 * @param {string[]} xs
 * @param {string} x
 */
function addSorted(xs, x) {
  if (xs.includes(x)) return;
  xs.push(x);
  xs.sort();
}

/** @returns {ModelTotals} */
function emptyTotals() {
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
