// The run's figures, as `workbench show` derives them: @llm-workbench/bundle's summarizeBundle
// over the embedded bundle (read in the current model through upgradeBundle), when it is a run
// bundle by the schema; none when it is not. Plus what each gate was asked to approve.

import {
  anyRunBundleSchema,
  emptySummary,
  summarizeBundle,
  upgradeBundle,
  type BundleSummary,
  type RunBundleV1,
  type RunBundleV2,
} from '@llm-workbench/bundle/browser';
import { asArray, asNumber, asString, member } from './read.js';

export type { GateSummary, ModelTotals } from '@llm-workbench/bundle/browser';

/** What a gate's first request asked to approve. */
export interface GateRequest {
  policy: string | null;
  artifactKey: string | null;
  artifactVersion: number | null;
  toolName: string | null;
  toolCallId: string | null;
  toolArgumentsSha256: string | null;
}

/**
 * The bundle's summary by summarizeBundle, or an empty one when the value is not a run bundle
 * of any schema version (the page then shows what it can read, and no derived figures).
 *
 * @example
 * summarize(JSON.parse(text)).totals.inputTokens; // 107
 */
export function summarize(value: unknown): BundleSummary {
  const parsed = anyRunBundleSchema.safeParse(value);
  if (!parsed.success) return emptySummary();
  return summarizeBundle(upgradeBundle(value as RunBundleV1 | RunBundleV2));
}

/**
 * What each gate was asked to approve: the policy and subject of its first request.
 *
 * @example
 * gateRequests(bundle.events).get('review')?.artifactKey; // 'draft.md'
 */
export function gateRequests(events: unknown): Map<string, GateRequest> {
  const requests = new Map<string, GateRequest>();
  for (const e of asArray(events)) {
    if (member(e, 'type') !== 'human_gate_requested') continue;
    const id = asString(member(e, 'gateId')) ?? '(unnamed)';
    if (requests.has(id)) continue;
    const subject = member(e, 'subject');
    const tool = member(subject, 'tool');
    requests.set(id, {
      policy: asString(member(e, 'policy')),
      artifactKey: asString(member(subject, 'artifactKey')),
      artifactVersion: asNumber(member(subject, 'artifactVersion')),
      toolName: asString(member(tool, 'name')),
      toolCallId: asString(member(tool, 'callId')),
      toolArgumentsSha256: asString(member(tool, 'argumentsSha256')),
    });
  }
  return requests;
}
