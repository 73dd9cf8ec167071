// The bundle as the page shows it: every member read defensively (a wrong type reads as absent),
// steps put in tree order with their depth. Nothing here is derived from anything but the
// embedded bundle.

import type { BundleArtifact } from '@llm-workbench/bundle/browser';
import { asArray, asNumber, asObject, asString, member, parseTime } from './read.js';

export type StatusView = { code: string | null; message: string | null };
export type WorkflowView = {
  id: string | null;
  revision: string | null;
  sha256: string | null;
  definition: unknown;
};
export type RunView = {
  name: string | null;
  runId: string | null;
  traceId: string | null;
  service: string | null;
  startTime: string | null;
  endTime: string | null;
  durationMs: number | null;
  status: StatusView;
  complete: boolean | null;
  spanCount: number | null;
  workflow: WorkflowView | null;
  schemaVersion: unknown;
  /** The traces of a run that spans traces (suspended and resumed); null for a one-trace run. */
  segments: SegmentView[] | null;
};
export type SegmentView = {
  segment: number | null;
  traceId: string | null;
  state: string | null;
  startTime: string | null;
  endTime: string | null;
};
export type StepView = {
  stepId: string;
  name: string;
  kind: string | null;
  spanId: string | null;
  parentStepId: string | null;
  startTime: string | null;
  endTime: string | null;
  durationMs: number | null;
  status: StatusView;
  depth: number;
};
export type ContentView = {
  sha256: string | null;
  content: string | null;
  omitted: string | null;
  redacted: boolean;
};
export type ModelCallView = {
  source: string | null;
  time: string | null;
  operation: string | null;
  provider: string | null;
  model: string | null;
  responseModel: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadInputTokens: number | null;
  cacheWriteInputTokens: number | null;
  vocabularies: string[];
  reasoningOutputTokens: number | null;
  durationMs: number | null;
  modalities: Array<{
    modality: string;
    inputTokens: number | null;
    outputTokens: number | null;
    cacheReadInputTokens: number | null;
  }>;
  cost: { amount: number; currency: string } | null;
  stepId: string | null;
  spanId: string | null;
  input: ContentView;
  output: ContentView;
  status: StatusView | null;
  sources: Array<{
    spanId: string | null;
    role: string | null;
    vocabularies: string[];
    disagreements: string[];
  }>;
  disputed: boolean;
};
export type ToolCallView = {
  time: string | null;
  stepId: string | null;
  spanId: string | null;
  toolName: string | null;
  callId: string | null;
  toolType: string | null;
  durationMs: number | null;
  status: StatusView;
  arguments: ContentView;
  result: ContentView;
  vocabularies: string[];
  disputed: boolean;
};
/** A bundle artifact as read from the page's input, with what its `omitted` and `redacted` say. */
export type ArtifactView = Pick<
  BundleArtifact,
  'key' | 'version' | 'sha256' | 'mediaType' | 'size' | 'parentVersion' | 'content' | 'patch'
> & {
  omittedContent: string | null;
  omittedPatch: string | null;
  redactedContent: boolean;
  redactedPatch: boolean;
  patchSha256: string | null;
  stepId: string | null;
  spanId: string | null;
  time: string | null;
  disputed: boolean;
};
export type DiagnosticView = {
  code: string;
  message: string;
  spanId: string | null;
  subject: string | null;
};
export type EventView = {
  type: string;
  name: string | null;
  time: string | null;
  stepId: string | null;
};
export type BundleView = {
  run: RunView;
  steps: StepView[];
  modelCalls: ModelCallView[];
  toolCalls: ToolCallView[];
  artifacts: ArtifactView[];
  diagnostics: DiagnosticView[];
  events: EventView[];
  isObject: boolean;
};

/**
 * Reads whatever JSON value the page was given as a bundle view; never throws on data.
 *
 * @example
 * readBundle(JSON.parse(text)).run.name; // 'newsletter'
 */
export function readBundle(value: unknown): BundleView {
  const run = member(value, 'run');
  // Paths of redacted content (schema version 3): shown as redacted, not as "not captured".
  const redacted = new Set(readRedactions(value).map((r) => r.path));
  /**
   * @param path the ContentRef's JSON pointer
   */
  const readContent = (ref: unknown, path: string) => ({
    sha256: asString(member(ref, 'sha256')),
    content: asString(member(ref, 'content')),
    omitted: asString(member(ref, 'omitted')),
    redacted: redacted.has(`${path}/content`),
  });
  const snapshot = asObject(member(run, 'workflowSnapshot'));
  return {
    isObject: asObject(value) !== null,
    run: {
      name: asString(member(run, 'name')),
      runId: asString(member(run, 'runId')),
      traceId: asString(member(run, 'traceId')),
      service: asString(member(run, 'service')),
      startTime: asString(member(run, 'startTime')),
      endTime: asString(member(run, 'endTime')),
      durationMs: asNumber(member(run, 'durationMs')),
      status: readStatus(member(run, 'status')),
      complete:
        typeof member(run, 'complete') === 'boolean' ? member(run, 'complete') === true : null,
      spanCount: asNumber(member(run, 'spanCount')),
      schemaVersion: member(value, 'schemaVersion'),
      segments: Array.isArray(member(run, 'segments'))
        ? asArray(member(run, 'segments')).map((g) => ({
            segment: asNumber(member(g, 'segment')),
            traceId: asString(member(g, 'traceId')),
            state: asString(member(g, 'state')),
            startTime: asString(member(g, 'startTime')),
            endTime: asString(member(g, 'endTime')),
          }))
        : null,
      workflow: snapshot
        ? {
            id: asString(snapshot['id']),
            revision: asString(snapshot['revision']),
            sha256: asString(snapshot['sha256']),
            definition: snapshot['definition'] ?? null,
          }
        : null,
    },
    steps: orderSteps(
      asArray(member(value, 'steps'))
        .filter((s) => asObject(s))
        .map(readStep),
    ),
    modelCalls: indexed(member(value, 'model_io'))
      .filter(([m]) => asObject(m))
      .map(([m, i]) => {
        const usage = member(m, 'usage');
        const cost = asObject(member(m, 'cost'));
        const amount = cost ? asNumber(cost['amount']) : null;
        return {
          source: asString(member(m, 'source')),
          disputed: member(m, 'disputed') === true,
          time: asString(member(m, 'time')),
          operation: asString(member(m, 'operation')),
          provider: asString(member(m, 'provider')),
          model: asString(member(m, 'model')),
          responseModel: asString(member(m, 'responseModel')),
          inputTokens: asNumber(member(usage, 'inputTokens')),
          outputTokens: asNumber(member(usage, 'outputTokens')),
          cacheReadInputTokens: asNumber(member(usage, 'cacheReadInputTokens')),
          // Version 1 bundles name cache writes cacheCreationInputTokens.
          cacheWriteInputTokens:
            asNumber(member(usage, 'cacheWriteInputTokens')) ??
            asNumber(member(usage, 'cacheCreationInputTokens')),
          vocabularies: asArray(member(m, 'vocabularies')).filter((v) => typeof v === 'string'),
          reasoningOutputTokens: asNumber(member(usage, 'reasoningOutputTokens')),
          modalities: modalitiesOf(member(usage, 'modalities')),
          durationMs: asNumber(member(m, 'durationMs')),
          cost:
            cost && amount !== null
              ? { amount, currency: asString(cost['currency']) ?? '?' }
              : null,
          stepId: asString(member(m, 'stepId')),
          spanId: asString(member(m, 'spanId')),
          input: readContent(member(m, 'input'), `/model_io/${i}/input`),
          output: readContent(member(m, 'output'), `/model_io/${i}/output`),
          status: asObject(member(m, 'status')) ? readStatus(member(m, 'status')) : null,
          sources: asArray(member(m, 'sources'))
            .filter((s) => asObject(s))
            .map((s) => ({
              spanId: asString(member(s, 'spanId')),
              role: asString(member(s, 'role')),
              vocabularies: strings(member(s, 'vocabularies')),
              disagreements: Object.keys(asObject(member(s, 'disagreements')) ?? {}).sort(),
            })),
        };
      }),
    toolCalls: indexed(member(value, 'events'))
      .filter(([e]) => asObject(e) && member(e, 'type') === 'tool_call')
      .map(([e, i]) => ({
        time: asString(member(e, 'time')),
        stepId: asString(member(e, 'stepId')),
        spanId: asString(member(e, 'spanId')),
        toolName: asString(member(e, 'toolName')),
        disputed: member(e, 'disputed') === true,
        callId: asString(member(e, 'callId')),
        toolType: asString(member(e, 'toolType')),
        durationMs: asNumber(member(e, 'durationMs')),
        status: readStatus(member(e, 'status')),
        arguments: readContent(member(e, 'arguments'), `/events/${i}/arguments`),
        result: readContent(member(e, 'result'), `/events/${i}/result`),
        vocabularies: strings(member(e, 'vocabularies')),
      })),
    artifacts: indexed(member(value, 'artifacts'))
      .filter(([a]) => asObject(a))
      .map(([a, i]) => ({
        key: asString(member(a, 'key')) ?? '(no key)',
        disputed: member(a, 'disputed') === true,
        version: asNumber(member(a, 'version')),
        sha256: asString(member(a, 'sha256')),
        mediaType: asString(member(a, 'mediaType')),
        size: asNumber(member(a, 'size')),
        parentVersion: asNumber(member(a, 'parentVersion')),
        content: asString(member(a, 'content')),
        patch: asString(member(a, 'patch')),
        omittedContent: asString(member(member(a, 'omitted'), 'content')),
        omittedPatch: asString(member(member(a, 'omitted'), 'patch')),
        redactedContent: redacted.has(`/artifacts/${i}/content`),
        redactedPatch: redacted.has(`/artifacts/${i}/patch`),
        patchSha256: asString(member(a, 'patchSha256')),
        stepId: asString(member(a, 'stepId')),
        spanId: asString(member(a, 'spanId')),
        time: asString(member(a, 'time')),
      })),
    diagnostics: asArray(member(value, 'diagnostics'))
      .filter((d) => asObject(d))
      .map((d) => ({
        code: asString(member(d, 'code')) ?? '(no code)',
        message: asString(member(d, 'message')) ?? '',
        spanId: asString(member(d, 'spanId')),
        subject: asString(member(d, 'subject')),
      })),
    events: asArray(member(value, 'events'))
      .filter((e) => asObject(e))
      .map((e) => ({
        type: asString(member(e, 'type')) ?? '(no type)',
        name: asString(member(e, 'name')),
        time: asString(member(e, 'time')),
        stepId: asString(member(e, 'stepId')),
      })),
  };
}

/**
 * Groups artifact versions by key, in order of first appearance, each sorted by version.
 *
 * @example
 * groupArtifacts(view.artifacts).get('draft.md')?.length; // 2
 */
export function groupArtifacts(artifacts: ArtifactView[]): Map<string, ArtifactView[]> {
  const byKey: Map<string, ArtifactView[]> = new Map();
  for (const a of artifacts) {
    const list = byKey.get(a.key);
    if (list) list.push(a);
    else byKey.set(a.key, [a]);
  }
  for (const list of byKey.values()) {
    list.sort((x, y) => (x.version ?? Infinity) - (y.version ?? Infinity));
  }
  return byKey;
}
function readStep(s: unknown): StepView {
  return {
    stepId: asString(member(s, 'stepId')) ?? '(no id)',
    name: asString(member(s, 'name')) ?? asString(member(s, 'stepId')) ?? '(unnamed step)',
    kind: asString(member(s, 'kind')),
    spanId: asString(member(s, 'spanId')),
    parentStepId: asString(member(s, 'parentStepId')),
    startTime: asString(member(s, 'startTime')),
    endTime: asString(member(s, 'endTime')),
    durationMs: asNumber(member(s, 'durationMs')),
    status: readStatus(member(s, 'status')),
    depth: 0,
  };
}

/**
 * Depth-first by parent step, children by start time. A parent id shared by several steps (a
 * step run more than once) resolves to the one whose time range holds the child's start.
 *
 */
function orderSteps(steps: StepView[]): StepView[] {
  const start = steps.map((s) => parseTime(s.startTime));
  const end = steps.map((s) => parseTime(s.endTime));
  const byId: Map<string, number[]> = new Map();
  steps.forEach((s, i) => {
    const list = byId.get(s.stepId);
    if (list) list.push(i);
    else byId.set(s.stepId, [i]);
  });
  const children: number[][] = steps.map(() => []);
  const roots: number[] = [];
  steps.forEach((s, i) => {
    const candidates = (s.parentStepId !== null ? byId.get(s.parentStepId) : undefined) ?? [];
    const t = start[i];
    const parent =
      candidates.find((p) => {
        const a = start[p];
        const b = end[p];
        return (
          p !== i && t !== null && t !== undefined && a != null && b != null && a <= t && t <= b
        );
      }) ?? candidates.find((p) => p !== i);
    if (parent === undefined) roots.push(i);
    else children[parent]?.push(i);
  });
  const byStart = (a: number, b: number) => {
    const x = start[a];
    const y = start[b];
    if (x == null || y == null) return x == null ? (y == null ? a - b : 1) : -1;
    return x < y ? -1 : x > y ? 1 : a - b;
  };
  const ordered: StepView[] = [];
  const seen = new Uint8Array(steps.length);
  /** @param level */
  const walk = (level: number[]) => {
    const stack: Array<[number, number]> = [...level]
      .sort(byStart)
      .reverse()
      .map((i) => [i, 0]);
    while (stack.length > 0) {
      const [i, depth] = stack.pop() as [number, number];
      if (seen[i]) continue;
      seen[i] = 1;
      const step = steps[i] as StepView;
      ordered.push({ ...step, depth });
      const kids = [...(children[i] ?? [])].sort(byStart).reverse();
      for (const k of kids) stack.push([k, depth + 1]);
    }
  };
  walk(roots);
  // Steps caught in a parent cycle have no root: show them at the top level.
  walk(steps.map((_, i) => i).filter((i) => !seen[i]));
  return ordered;
}
function readStatus(value: unknown): StatusView {
  return { code: asString(member(value, 'code')), message: asString(member(value, 'message')) };
}

/**
 * The items of an array with their index in it (a JSON pointer needs the index before filtering).
 */
function indexed(value: unknown): Array<[unknown, number]> {
  return asArray(value).map((v, i) => [v, i]);
}

/**
 * The strings of an array, the rest dropped.
 */
function strings(value: unknown): string[] {
  return asArray(value).filter((v) => typeof v === 'string');
}

/**
 * Per-modality usage (`usage.modalities`, bundle version 2 on), in the bundle's key order.
 */
function modalitiesOf(value: unknown) {
  const o = asObject(value);
  if (o === null) return [];
  return Object.keys(o)
    .filter((k) => asObject(o[k]) !== null)
    .map((modality) => {
      const u = o[modality];
      return {
        modality,
        inputTokens: asNumber(member(u, 'inputTokens')),
        outputTokens: asNumber(member(u, 'outputTokens')),
        cacheReadInputTokens: asNumber(member(u, 'cacheReadInputTokens')),
      };
    });
}

/**
 * The `redactions` of a bundle as a list of `{ path, kind }`, malformed entries left out (the
 * integrity check reports them).
 *
 */
function readRedactions(bundle: unknown): Array<{ path: string; kind: string }> {
  return asArray(member(bundle, 'redactions')).flatMap((r) => {
    const path = asString(member(r, 'path'));
    const kind = asString(member(r, 'kind'));
    return path !== null && kind !== null ? [{ path, kind }] : [];
  });
}
