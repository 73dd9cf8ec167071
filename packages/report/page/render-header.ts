// The run header: what ran, when, how it ended, and the figures at a glance.

import { h, visible } from './dom.js';
import { pricingLabel } from './estimates.js';
import { formatCosts, formatCount, formatDuration, formatTime, shortHash } from './format.js';
import { badge, orDash, statusLabel, statusTone } from './ui.js';
import type { BundleView } from './view-model.js';
import type { GateSummary, ModelTotals } from './summarize.js';
import type { CostEstimatesView } from './estimates.js';

/**
 * Fills the run header: title, status badges, facts, and the at-a-glance tiles.
 *
 * @example
 * renderRunHeader(el, view, gates, totals);
 * @param estimates the embedded estimates
 *   of calls that reported no cost (never part of the bundle)
 */
export function renderRunHeader(
  el: HTMLElement,
  view: BundleView,
  gates: Map<string, GateSummary>,
  totals: ModelTotals,
  estimates: CostEstimatesView | null = null,
): void {
  const { run } = view;
  const wf = run.workflow;
  const title = view.isObject ? (run.name ?? 'Untitled run') : 'Not a run bundle';
  document.title = visible(`${title} · Run report`);

  const badges = h('p', { class: 'run__badges' });
  if (view.isObject) {
    badges.append(badge(statusLabel(run.status.code), statusTone(run.status.code)));
    // A gate still waiting on a person leaves the run unfinished, whatever its spans say.
    const pending = [...gates.values()].filter((g) => g.state === 'pending');
    if (run.complete === true && pending.length === 0) badges.append(badge('complete', 'ok'));
    if (run.complete === false || pending.length > 0) badges.append(badge('incomplete', 'warn'));
    if (pending.length > 0) {
      badges.append(badge(`awaiting gate ${pending.map((g) => g.gateId).join(', ')}`, 'warn'));
    }
    if (run.schemaVersion !== 1 && run.schemaVersion !== 2 && run.schemaVersion !== 3)
      badges.append(
        badge(`schema version ${JSON.stringify(run.schemaVersion) ?? 'missing'}`, 'warn'),
      );
  }

  const facts: Array<[string, string | Node, string | null]> = [
    [
      'Workflow',
      wf ? `${orDash(wf.id)}${wf.revision !== null ? ` · revision ${wf.revision}` : ''}` : '—',
      wf?.sha256 ? `definition sha256 ${wf.sha256}` : null,
    ],
    ['Run ID', mono(run.runId), null],
    ['Trace ID', mono(run.traceId), null],
    ['Service', orDash(run.service), null],
    ['Started', formatTime(run.startTime), null],
    ['Ended', formatTime(run.endTime), null],
    ['Duration', formatDuration(run.durationMs), null],
    ['Spans', formatCount(run.spanCount), null],
  ];
  // A run that spans traces: how many, how each ended, and their trace ids in the title.
  if (run.segments !== null) {
    facts.push([
      'Segments',
      `${run.segments.length} · ${run.segments.map((g) => `${g.segment ?? '?'} ${g.state ?? '?'}`).join(' → ')}`,
      run.segments.map((g) => `segment ${g.segment ?? '?'}: trace ${g.traceId ?? '?'}`).join('\n'),
    ]);
  }
  const dl = h('dl', { class: 'facts' });
  for (const [label, value, title] of facts) {
    dl.append(h('div', { class: 'facts__item' }, h('dt', null, label), h('dd', { title }, value)));
  }

  const el2 = [
    h('h1', { class: 'run__title' }, title),
    badges,
    run.status.code === 'error' && run.status.message
      ? h('p', { class: 'run__error' }, run.status.message)
      : null,
    view.isObject ? dl : null,
    view.isObject ? glance(view, gates, totals, estimates) : null,
  ];
  for (const child of el2) if (child) el.append(child);
}
function glance(
  view: BundleView,
  gates: Map<string, GateSummary>,
  totals: ModelTotals,
  estimates: CostEstimatesView | null,
) {
  const failedSteps = view.steps.filter((s) => s.status.code === 'error').length;
  const decisions: Map<string, number> = new Map();
  for (const g of gates.values()) {
    const d = g.state === 'pending' ? 'pending' : (g.decision ?? 'pending');
    decisions.set(d, (decisions.get(d) ?? 0) + 1);
  }
  const disputedGates = [...gates.values()].filter((g) => g.disputed).length;
  const keys = new Set(view.artifacts.map((a) => a.key));
  const tiles = [
    tile(
      '#timeline',
      'Steps',
      formatCount(view.steps.length),
      failedSteps ? `${formatCount(failedSteps)} failed` : 'none failed',
      failedSteps ? 'bad' : null,
    ),
    tile(
      '#gates',
      'Human gates',
      formatCount(gates.size),
      gates.size
        ? [
            ...[...decisions].map(([d, n]) => `${n} ${d.replace(/_/g, ' ')}`),
            ...(disputedGates > 0 ? [`${disputedGates} disputed`] : []),
          ].join(', ')
        : 'none',
      disputedGates > 0 || decisions.has('rejected') || decisions.has('timed_out')
        ? 'bad'
        : decisions.has('pending')
          ? 'warn'
          : null,
    ),
    tile(
      '#model-calls',
      'Model calls',
      formatCount(totals.calls),
      `${formatCount(totals.inputTokens)} in · ${formatCount(totals.outputTokens)} out tokens`,
      null,
    ),
    tile(
      '#model-calls',
      'Model cost',
      formatCosts(totals.cost),
      [
        ...(estimates && estimates.totals.size > 0
          ? [`≈ ${formatCosts(estimates.totals)} estimated (${pricingLabel(estimates)})`]
          : []),
        `${formatDuration(totals.durationMs)} in model calls`,
      ].join(' · '),
      null,
    ),
    tile(
      '#artifacts',
      'Artifacts',
      formatCount(keys.size),
      `${formatCount(view.artifacts.length)} versions`,
      null,
    ),
    tile(
      '#diagnostics',
      'Diagnostics',
      formatCount(view.diagnostics.length),
      view.diagnostics.length ? 'see below' : 'nothing odd found',
      view.diagnostics.length ? 'warn' : null,
    ),
  ];
  return h('ul', { class: 'glance', 'aria-label': 'At a glance' }, ...tiles);
}
function tile(
  href: string,
  label: string,
  value: string,
  detail: string,
  tone: 'bad' | 'warn' | null,
) {
  return h(
    'li',
    { class: `glance__tile${tone ? ` glance__tile--${tone}` : ''}` },
    h(
      'a',
      { href },
      h('span', { class: 'glance__label' }, label),
      h('span', { class: 'glance__value' }, value),
      h('span', { class: 'glance__detail' }, detail),
    ),
  );
}

/** @param value */
function mono(value: string | null) {
  return value === null
    ? '—'
    : h('code', { title: value }, value.length > 40 ? `${shortHash(value)}…` : value);
}
