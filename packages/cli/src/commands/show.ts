import {
  parseBundleTime,
  REDACTION_KINDS,
  summarizeBundle,
  type BundleEvent,
  type ContentRef,
  type GateRequestedEvent,
  type GateSummary,
  type ModelIoReceipt,
  type Redaction,
  type RedactionKind,
  type RunBundle,
} from '@llm-workbench/bundle';
import { estimateCosts } from '@llm-workbench/pricing';
import { estimateLines, formatEstimated, formatEstimatedTotals } from '../estimated-cost.js';
import { CliError, EXIT, writeText, writeLines, type Command } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { loadBundle } from '../load-bundle.js';
import { findRunBundle } from '../find-run-bundle.js';
import { formatCost, formatMs, formatTokens, table } from '../format.js';
import { S3_ENDPOINT_HELP, S3_ENDPOINT_OPTION, s3SettingsFrom } from '../s3-input.js';

const HELP = `Usage: workbench show FILE [--json] [--s3-endpoint URL]
       workbench show --run-id ID DIR [--json]

Prints a readable account of a run: header and integrity, the timeline of steps, gates (decision,
actor, time and wait), model calls (tokens, cache and reasoning tokens, response model, status,
cost, duration, the vocabulary read) with totals, tool calls, and artifacts with their versions.
A call that reported no cost shows an estimate, marked '~… (est.)', from the price data of
@pydantic/genai-prices (its version is printed); estimates are not part of the bundle.
A bundle whose integrity fails is still shown, under a warning, and exits 1.
Spans that arrived in versions that differ (disputes) are listed first, each version's values
side by side, and everything folded from them is marked DISPUTED. A gate decided more than once
shows its history; one resolved again or without a request is flagged; a pending gate makes the
run INCOMPLETE (Awaiting).
Content removed by \`workbench redact\` is counted by kind under Redacted, and marked where it
was (model calls, tool calls, artifacts); its sha256 commitments still verify.
--json prints the derived summary (gates, model and tool totals) with the verification result,
the redactions (path and kind) and their counts by kind, and the estimates under estimatedCost
(with pricing.source and pricing.version).
A run that spans traces (suspended and resumed) lists its segments, each gate says in which
segment it was requested and resolved, and its wait spans the pause.
--run-id ID DIR shows the bundle of run ID found in the folder DIR: the complete one if any (a run
folded incomplete when it expired may have one beside it), the others listed.
FILE may be '-' (standard input) or an S3 object, s3://bucket/key.

${S3_ENDPOINT_HELP}`;

/** `workbench show FILE [--json]` */
export const showCommand: Command = async (argv, io) => {
  const args = parseCommandArgs(argv, io, HELP, {
    json: { type: 'boolean' },
    'run-id': { type: 'string' },
    ...S3_ENDPOINT_OPTION,
  });
  if (args === undefined) return EXIT.ok;
  const { values, positionals } = args;
  const runId = values['run-id'];
  if (positionals.length !== 1) {
    throw new CliError(runId === undefined ? `expected one FILE` : `expected one DIR`, EXIT.usage, {
      help: HELP,
    });
  }
  if (runId === '') throw new CliError('--run-id must not be empty', EXIT.usage, { help: HELP });
  const found = runId === undefined ? null : await findRunBundle(positionals[0]!, runId);
  const file = found?.path ?? positionals[0]!;
  const { bundle, verification } = await loadBundle(file, io.stdin, s3SettingsFrom(values));
  const summary = summarizeBundle(bundle);
  // Derived here, never stored: the bundle's hash must not depend on the reader's price data.
  const estimates = estimateCosts(bundle);
  // What the file lists as redacted; verify checked each entry when it passed.
  const redactions: Redaction[] = Array.isArray(bundle.redactions) ? bundle.redactions : [];
  const redacted = new Set(redactions.map((x) => x.path));
  const counts = new Map<RedactionKind, number>();
  for (const x of redactions) counts.set(x.kind, (counts.get(x.kind) ?? 0) + 1);
  if (values.json) {
    writeText(
      io.stdout,
      JSON.stringify(
        {
          file,
          ...(found !== null ? { otherFiles: found.others } : {}),
          verified: verification.ok,
          problems: verification.ok ? [] : verification.problems,
          sha256: verification.sha256,
          run: bundle.run,
          disputes: bundle.disputes ?? [],
          gates: [...summary.gates.values()],
          models: Object.fromEntries(
            [...summary.models].map(([k, v]) => [k, { ...v, cost: Object.fromEntries(v.cost) }]),
          ),
          totals: { ...summary.totals, cost: Object.fromEntries(summary.totals.cost) },
          tools: Object.fromEntries(summary.tools),
          artifacts: bundle.artifacts.map(({ content: _c, patch: _p, ...a }) => a),
          redactions,
          redacted: Object.fromEntries(counts),
          estimatedCost: estimates,
        },
        null,
        2,
      ),
    );
    return verification.ok ? EXIT.ok : EXIT.failed;
  }
  const out: string[] = [];
  const r = bundle.run;
  if (found !== null) {
    out.push(`File       ${file}`);
    for (const other of found.others) out.push(`Also       ${other}`);
  }
  if (verification.ok) out.push(`Integrity  verified  sha256 ${verification.sha256}`);
  else {
    const p = verification.problems[0];
    out.push(
      `!! INTEGRITY FAILED: ${p?.code ?? ''} ${p?.path ?? ''}: ${p?.message ?? ''}`,
      '!! What follows may have been altered.',
    );
  }
  if (redactions.length > 0) {
    out.push(
      `Redacted   ${redactions.length} content(s) removed after sealing; their sha256 commitments remain and verify`,
      ...REDACTION_KINDS.filter((k) => counts.has(k)).map(
        (k) => `           ${k.padEnd(17)} ${counts.get(k)}`,
      ),
    );
  }
  out.push(...disputeLines(bundle));
  out.push('');
  out.push(`Run        ${r.name}${r.runId ? ` (${r.runId})` : ''}`);
  out.push(`Trace      ${r.traceId}${r.service ? `   service ${r.service}` : ''}`);
  const w = r.workflowSnapshot;
  if (w)
    out.push(
      `Workflow   ${w.id ?? '?'} @ revision ${w.revision ?? '?'}${w.sha256 ? `   definition sha256 ${w.sha256.slice(0, 16)}…` : ''}`,
    );
  out.push(`Time       ${r.startTime ?? '?'} → ${r.endTime ?? '?'}   ${formatMs(r.durationMs)}`);
  // A gate still waiting on a person leaves the run unfinished, whatever its spans say.
  const pending = [...summary.gates.values()].filter((g) => g.state === 'pending');
  out.push(
    `Status     ${r.status.code}${r.status.message ? ` (${r.status.message})` : ''}   ${r.complete && pending.length === 0 ? 'complete' : 'INCOMPLETE'}   ${r.spanCount} spans`,
  );
  if (pending.length > 0) {
    out.push(`Awaiting   gate ${pending.map((g) => g.gateId).join(', ')}: requested, not resolved`);
  }
  out.push(...segmentLines(bundle));

  out.push('', 'Timeline');
  const t0 = r.startTime ? parseBundleTime(r.startTime) : null;
  // A run in segments: where each later segment begins, the timeline says so.
  const starts = (r.segments ?? []).filter((g) => g.segment > 1 && g.startTime !== null);
  let next = 0;
  for (const e of bundle.events) {
    while (next < starts.length && e.time !== null && starts[next]!.startTime! <= e.time) {
      const g = starts[next++]!;
      out.push(`  ${offset(g.startTime, t0)}  ── segment ${g.segment} (trace ${g.traceId})`);
    }
    out.push(`  ${offset(e.time, t0)}  ${describe(e, bundle)}${e.disputed ? '   DISPUTED' : ''}`);
  }

  if (summary.gates.size > 0) {
    out.push('', 'Gates');
    out.push(
      ...table(
        [
          'gate',
          'decision',
          'actor',
          'requested',
          'resolved',
          'waited',
          ...(r.segments !== undefined ? ['segments'] : []),
          'reason',
          'flags',
        ],
        [...summary.gates.values()].map((g) => [
          g.gateId,
          g.state === 'pending' ? 'PENDING' : (g.decision ?? '?'),
          g.actor ?? '',
          g.requestedAt ?? '',
          g.resolvedAt ?? '',
          formatMs(g.waitMs),
          ...(r.segments !== undefined ? [gateSegments(g)] : []),
          g.reason ?? '',
          gateFlags(g),
        ]),
      ).map((l) => `  ${l}`),
    );
    // Every decision of a gate decided more than once, in order: the last is not the whole story.
    for (const g of summary.gates.values()) {
      const acrossSegments = new Set(g.history.map((h) => h.segment)).size > 1;
      if (g.history.filter((h) => h.type === 'resolved').length < 2 && !acrossSegments) continue;
      out.push(`  ${g.gateId} history:`);
      for (const h of g.history) {
        out.push(
          `    ${h.time ?? '?'}  ${h.segment !== undefined ? `segment ${h.segment}  ` : ''}${h.type === 'requested' ? 'requested' : `${h.decision ?? '?'} by ${h.actor ?? '?'}${h.reason ? `: ${h.reason}` : ''}`}${h.disputed ? '   DISPUTED' : ''}`,
        );
      }
    }
  }
  if (bundle.model_io.length > 0) {
    out.push('', 'Model calls');
    const optional = (n: number | null) => (n === null ? '' : formatTokens(n));
    const estimated = new Map(estimates.receipts.map((r) => [r.index, r.estimate]));
    const costOf = (m: ModelIoReceipt, i: number): string => {
      if (m.cost) return formatCost(m.cost.amount, m.cost.currency);
      const e = estimated.get(i);
      return e ? formatEstimated(e.amount, e.currency) : '';
    };
    const rows = bundle.model_io.map((m, i) => [
      m.stepId ?? '',
      `${m.provider ?? '?'}/${m.model ?? '?'}`,
      m.responseModel !== null && m.responseModel !== m.model ? m.responseModel : '',
      formatTokens(m.usage.inputTokens),
      formatTokens(m.usage.outputTokens),
      optional(m.usage.cacheReadInputTokens),
      optional(m.usage.cacheWriteInputTokens),
      optional(m.usage.reasoningOutputTokens),
      formatMs(m.durationMs),
      [
        m.status === null || m.status.code === 'unset' ? '' : m.status.code,
        m.disputed ? 'DISPUTED' : '',
      ]
        .filter(Boolean)
        .join(' '),
      costOf(m, i),
      readFrom(m),
      contentState(`/model_io/${i}`, m, redacted),
    ]);
    const t = summary.totals;
    rows.push([
      'TOTAL',
      `${t.calls} calls`,
      '',
      formatTokens(t.inputTokens),
      formatTokens(t.outputTokens),
      optional(t.cacheReadInputTokens || null),
      optional(t.cacheWriteInputTokens || null),
      optional(t.reasoningOutputTokens || null),
      formatMs(t.durationMs),
      '',
      [
        ...[...t.cost].map(([c, a]) => formatCost(a, c)),
        ...(estimates.priced > 0 ? [formatEstimatedTotals(estimates.totals)] : []),
      ].join(' + '),
      '',
      '',
    ]);
    out.push(
      ...table(
        [
          'step',
          'model',
          'answered by',
          'in tokens',
          'out tokens',
          'cache read',
          'cache write',
          'reasoning',
          'duration',
          'status',
          'cost',
          'read from',
          'content',
        ],
        rows,
        [3, 4, 5, 6, 7, 8, 10],
      ).map((l) => `  ${l}`),
      ...estimateLines(estimates).map((l) => `  ${l}`),
    );
    const byModality = bundle.model_io.flatMap((m) =>
      Object.entries(m.usage.modalities ?? {}).map(([modality, u]) => [
        m.stepId ?? '',
        `${m.provider ?? '?'}/${m.model ?? '?'}`,
        modality,
        optional(u.inputTokens),
        optional(u.outputTokens),
        optional(u.cacheReadInputTokens),
      ]),
    );
    if (byModality.length > 0) {
      out.push('', 'Usage by modality (parts of the totals above)');
      out.push(
        ...table(
          ['step', 'model', 'modality', 'in tokens', 'out tokens', 'cache read'],
          byModality,
          [3, 4, 5],
        ).map((l) => `  ${l}`),
      );
    }
  }
  const toolCalls = bundle.events.filter((e) => e.type === 'tool_call');
  if (toolCalls.length > 0) {
    out.push('', 'Tool calls');
    const hash = (ref: ContentRef, path: string): string =>
      (ref.sha256 !== null ? `${ref.sha256.slice(0, 12)}…` : (ref.omitted ?? '')) +
      (redacted.has(path) ? ' (redacted)' : '');
    const at = new Map(bundle.events.map((e, i) => [e, i]));
    out.push(
      ...table(
        ['step', 'tool', 'call id', 'status', 'duration', 'arguments', 'result', 'read from'],
        toolCalls.map((e) => [
          e.stepId ?? '',
          e.toolName ?? '?',
          e.callId ?? '',
          [e.status.code === 'unset' ? '' : e.status.code, e.disputed ? 'DISPUTED' : '']
            .filter(Boolean)
            .join(' '),
          formatMs(e.durationMs),
          hash(e.arguments, `/events/${at.get(e)}/arguments/content`),
          hash(e.result, `/events/${at.get(e)}/result/content`),
          e.vocabularies.join(', '),
        ]),
        [4],
      ).map((l) => `  ${l}`),
    );
  }
  if (bundle.artifacts.length > 0) {
    out.push('', 'Artifacts');
    out.push(
      ...table(
        ['key', 'version', 'from', 'sha256', 'size', 'type', 'step', 'held'],
        bundle.artifacts.map((a, i) => [
          a.disputed ? `${a.key} (DISPUTED)` : a.key,
          `v${a.version ?? '?'}`,
          a.parentVersion !== null ? `v${a.parentVersion}` : '',
          a.sha256 ? `${a.sha256.slice(0, 12)}…` : '',
          a.size !== null ? `${a.size} B` : '',
          a.mediaType ?? '',
          a.stepId ?? '',
          [
            a.content !== null ? 'content' : '',
            redacted.has(`/artifacts/${i}/content`) ? 'content redacted' : '',
            a.patch !== null ? 'patch' : '',
            redacted.has(`/artifacts/${i}/patch`) ? 'patch redacted' : '',
          ]
            .filter(Boolean)
            .join(', '),
        ]),
      ).map((l) => `  ${l}`),
    );
  }
  if (bundle.diagnostics.length > 0) {
    out.push('', `Diagnostics (${bundle.diagnostics.length})`);
    for (const d of bundle.diagnostics)
      out.push(`  ${d.code}${d.spanId ? ` [span ${d.spanId}]` : ''}: ${d.message}`);
  }
  writeLines(io.stdout, out);
  return verification.ok ? EXIT.ok : EXIT.failed;
};

/** What a gate's row warns of: a disputed span, a second decision, a decision never asked for. */
/** Where a gate's requests and decisions were recorded, for a run in segments: `1 → 3`. */
function gateSegments(g: GateSummary): string {
  const seen: number[] = [];
  for (const h of g.history) {
    if (h.segment !== undefined && seen[seen.length - 1] !== h.segment) seen.push(h.segment);
  }
  return seen.join(' → ');
}

/**
 * The segments of a run that spans traces: each trace, its state, its times, and the pause before
 * it. None for a run that is one trace.
 */
function segmentLines(bundle: RunBundle): string[] {
  const segments = bundle.run.segments;
  if (segments === undefined) return [];
  const numbers = new Set(segments.map((g) => g.segment));
  const last = Math.max(...numbers);
  const missing: number[] = [];
  for (let n = 1; n < last && missing.length < 20; n++) if (!numbers.has(n)) missing.push(n);
  const lines = [
    `Segments   ${segments.length} trace(s)${missing.length > 0 ? `   MISSING segment ${missing.join(', ')}` : ''}${segments[segments.length - 1]?.state === 'ended' ? '' : '   the run has not ended'}`,
  ];
  let previousEnd: bigint | null = null;
  const rows = segments.map((g) => {
    const start = g.startTime !== null ? parseBundleTime(g.startTime) : null;
    const paused =
      previousEnd !== null && start !== null ? formatMs(Number(start - previousEnd) / 1000) : '';
    previousEnd = g.endTime !== null ? parseBundleTime(g.endTime) : null;
    return [
      String(g.segment),
      g.state ?? '?',
      g.traceId,
      g.startTime ?? '?',
      g.endTime ?? '?',
      paused,
    ];
  });
  lines.push(
    ...table(['segment', 'state', 'trace', 'start', 'end', 'paused before'], rows).map(
      (l) => `           ${l}`,
    ),
  );
  return lines;
}

function gateFlags(g: GateSummary): string {
  return [
    g.disputed ? 'DISPUTED' : '',
    g.resolvedAgain ? 'RESOLVED AGAIN' : '',
    g.state === 'resolved_without_request' ? 'NO REQUEST' : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * The bundle's disputes: spans that arrived in versions that differ, and how. Shown before the
 * run, since what they touch cannot be taken at its word.
 */
function disputeLines(bundle: RunBundle): string[] {
  const disputes = bundle.disputes ?? [];
  if (disputes.length === 0) return [];
  const out = [
    `!! DISPUTED ${disputes.length} span(s) arrived in versions that differ; the bundle shows the first version below, and everything from these spans is marked DISPUTED`,
  ];
  for (const d of disputes) {
    const what =
      d.spanId === bundle.run.rootSpanId
        ? 'the run span'
        : (bundle.steps.find((s) => s.spanId === d.spanId)?.stepId ?? null);
    out.push(
      `!!   span ${d.spanId}${what !== null ? ` (${what === 'the run span' ? what : `step ${what}`})` : ''}: ${d.variants.length + d.variantsOmitted} versions`,
    );
    for (const path of d.paths) {
      const values = d.variants.map((v) =>
        Object.hasOwn(v, path) ? JSON.stringify(v[path]) : '(absent)',
      );
      out.push(`!!     ${path}: ${values.join('  |  ')}${d.variantsOmitted > 0 ? '  | …' : ''}`);
    }
    if (d.pathsOmitted > 0) out.push(`!!     … and ${d.pathsOmitted} more differing facts`);
  }
  return out;
}

/** Whether a receipt holds its input and output: `in+out`, `in redacted`, ... */
function contentState(at: string, m: ModelIoReceipt, redacted: ReadonlySet<string>): string {
  const one = (name: 'input' | 'output', short: string): string =>
    m[name].content !== null
      ? short
      : redacted.has(`${at}/${name}/content`)
        ? `${short} redacted`
        : '';
  return [one('input', 'in'), one('output', 'out')].filter(Boolean).join(', ');
}

function offset(time: string | null, t0: bigint | null): string {
  if (time === null || t0 === null) return '         ?';
  const t = parseBundleTime(time);
  if (t === null) return '         ?';
  const s = Number(t - t0) / 1e6;
  return `${s >= 0 ? '+' : ''}${s.toFixed(3)}s`.padStart(10);
}

/** ` on draft.md v1`, ` on tool send_email [call_1] args sha256 3f9a1c2b7d4e…`, both, or nothing. */
function gateSubject(e: GateRequestedEvent): string {
  const s = e.subject;
  if (s === null) return '';
  const on: string[] = [];
  if (s.artifactKey !== null || s.artifactVersion !== null)
    on.push(`${s.artifactKey ?? '?'} v${s.artifactVersion ?? '?'}`);
  if (s.tool !== undefined)
    on.push(
      `tool ${s.tool.name ?? '?'}${s.tool.callId !== null ? ` [${s.tool.callId}]` : ''}${s.tool.argumentsSha256 !== null ? ` args sha256 ${s.tool.argumentsSha256.slice(0, 12)}…` : ''}`,
    );
  return on.length > 0 ? ` on ${on.join(' and ')}` : '';
}

function describe(e: BundleEvent, bundle: RunBundle): string {
  switch (e.type) {
    case 'workflow_snapshot':
      return `workflow ${e.workflowId ?? '?'} @ revision ${e.revision ?? '?'}`;
    case 'step_started': {
      const depth = depthOf(e.spanId, bundle);
      return `${'  '.repeat(depth)}▶ step ${e.stepId ?? '?'}${e.kind ? ` (${e.kind})` : ''}`;
    }
    case 'step_ended': {
      const depth = depthOf(e.spanId, bundle);
      return `${'  '.repeat(depth)}■ step ${e.stepId ?? '?'} ended ${e.status.code}`;
    }
    case 'human_gate_requested':
      return `    gate ${e.gateId ?? '?'} requested${e.policy ? ` (policy ${e.policy})` : ''}${gateSubject(e)}`;
    case 'human_gate_resolved':
      return `    gate ${e.gateId ?? '?'} ${e.decision ?? '?'} by ${e.actor ?? '?'}${e.reason ? `: ${e.reason}` : ''}`;
    case 'model_io':
      return `    model ${e.provider ?? '?'}/${e.model ?? '?'}  ${formatTokens(e.inputTokens)} in · ${formatTokens(e.outputTokens)} out · ${formatMs(e.durationMs)}`;
    case 'artifact':
      return `    artifact ${e.key ?? '?'} v${e.version ?? '?'} sha256 ${(e.sha256 ?? '?').slice(0, 12)}…`;
    case 'tool_call':
      return `    tool ${e.toolName ?? '?'}${e.callId !== null ? ` [${e.callId}]` : ''} ${e.status.code}${e.durationMs !== null ? ` · ${formatMs(e.durationMs)}` : ''}`;
    case 'unknown':
      return `    event ${e.name}`;
  }
}

type Step = RunBundle['steps'][number];

/** Each bundle's steps by span id and by step id, the first of each as `find` would give. */
const stepIndexes = new WeakMap<
  RunBundle,
  { bySpan: Map<string, Step>; byStepId: Map<string | null, Step> }
>();

function stepIndex(bundle: RunBundle): {
  bySpan: Map<string, Step>;
  byStepId: Map<string | null, Step>;
} {
  let index = stepIndexes.get(bundle);
  if (index === undefined) {
    // Built once, not searched per event: a run of 20,000 steps made show quadratic.
    index = { bySpan: new Map(), byStepId: new Map() };
    for (const s of bundle.steps) {
      if (!index.bySpan.has(s.spanId)) index.bySpan.set(s.spanId, s);
      if (!index.byStepId.has(s.stepId)) index.byStepId.set(s.stepId, s);
    }
    stepIndexes.set(bundle, index);
  }
  return index;
}

function depthOf(spanId: string, bundle: RunBundle): number {
  const { bySpan, byStepId } = stepIndex(bundle);
  let depth = 0;
  let step = bySpan.get(spanId);
  const seen = new Set<string>();
  while (step?.parentStepId && !seen.has(step.parentStepId) && depth < 16) {
    seen.add(step.parentStepId);
    depth++;
    step = byStepId.get(step.parentStepId);
  }
  return depth;
}

/**
 * The vocabularies a receipt was read in, then those of the spans wrapping the call, with the
 * fields a wrapper disagreed on: `gen_ai + wrapper openllmetry (differs: inputTokens)`.
 */
function readFrom(m: ModelIoReceipt): string {
  const parts = [m.vocabularies.join(', ')];
  for (const s of m.sources) {
    const differs = Object.keys(s.disagreements);
    parts.push(
      `${s.role} ${s.vocabularies.join(', ')}${differs.length > 0 ? ` (differs: ${differs.join(', ')})` : ''}`,
    );
  }
  return parts.join(' + ');
}
