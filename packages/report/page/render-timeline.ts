// The timeline: one row per step in tree order, bars on a shared time axis, gate waits drawn as
// hatched spans on their step's row and model calls as thin marks beneath.

import { h } from './dom.js';
import { formatClock, formatDuration } from './format.js';
import { renderPaged } from './paging.js';
import { parseTime } from './read.js';
import { badge, decisionTone, note, statusLabel } from './ui.js';
import type { BundleView, StepView } from './view-model.js';
import type { GateSummary } from './summarize.js';

export type Row = {
  step: StepView | null;
  gates: GateSummary[];
  calls: Array<{ from: bigint; to: bigint; label: string }>;
};

/** Steps shown before "Show more". */
export const TIMELINE_PAGE = 100;

/**
 * Draws the run's steps as a Gantt chart.
 *
 * @example
 * renderTimeline(section, view, gates);
 */
export function renderTimeline(
  el: HTMLElement,
  view: BundleView,
  gates: Map<string, GateSummary>,
): void {
  const starts = view.steps.map((s) => parseTime(s.startTime));
  const ends = view.steps.map((s) => parseTime(s.endTime));
  const times: bigint[] = [];
  for (const t of [
    parseTime(view.run.startTime),
    parseTime(view.run.endTime),
    ...starts,
    ...ends,
  ]) {
    if (t !== null) times.push(t);
  }
  for (const g of gates.values()) {
    for (const t of [parseTime(g.requestedAt), parseTime(g.resolvedAt)])
      if (t !== null) times.push(t);
  }
  if (view.steps.length === 0 && gates.size === 0) {
    el.append(note('This run recorded no steps.'));
    return;
  }
  if (times.length === 0) {
    el.append(note('No step in this run has a time, so there is no timeline to draw.'));
    return;
  }
  const t0 = times.reduce((a, b) => (b < a ? b : a));
  const t1 = times.reduce((a, b) => (b > a ? b : a));
  const total = Number(t1 - t0) || 1;
  /** @param t */
  const pct = (t: bigint) => Math.min(100, Math.max(0, (Number(t - t0) / total) * 100));

  const rows: Row[] = view.steps.map((step) => ({ step, gates: [], calls: [] }));
  const rowsById: Map<string, number[]> = new Map();
  view.steps.forEach((s, i) => {
    const list = rowsById.get(s.stepId);
    if (list) list.push(i);
    else rowsById.set(s.stepId, [i]);
  });
  /**
   * The row of a step id whose time range holds `t`, else the first with that id.
   */
  const rowFor = (stepId: string | null, t: bigint | null) => {
    const candidates = stepId === null ? undefined : rowsById.get(stepId);
    if (!candidates) return undefined;
    const holding = candidates.find((i) => {
      const a = starts[i];
      const b = ends[i];
      return t !== null && a != null && b != null && a <= t && t <= b;
    });
    return holding ?? candidates[0];
  };
  for (const g of gates.values()) {
    const i = rowFor(g.stepId, parseTime(g.requestedAt));
    if (i === undefined) rows.push({ step: null, gates: [g], calls: [] });
    else rows[i]?.gates.push(g);
  }
  for (const m of view.modelCalls) {
    const t = parseTime(m.time);
    if (t === null || m.durationMs === null) continue;
    const us = BigInt(Math.round(m.durationMs * 1000));
    // An event is recorded when the call returns; a span starts when it is made.
    let [from, to] = m.source === 'span' ? [t, t + us] : [t - us, t];
    const i = rowFor(m.stepId, t);
    if (i === undefined) continue;
    // A reported duration can exceed the step's own (a cached or simulated call): keep the mark
    // inside its step.
    const a = starts[i];
    const b = ends[i];
    if (a != null && from < a) from = a;
    if (b != null && to > b) to = b;
    if (to < from) to = from;
    rows[i]?.calls.push({
      from,
      to,
      label: `${m.provider ?? '?'}/${m.model ?? '?'} · ${formatDuration(m.durationMs)}`,
    });
  }

  const tickMs = niceTick(total / 1000 / 6);
  const ticks = [];
  for (let ms = 0; ms <= total / 1000 + 1e-9; ms += tickMs) ticks.push(ms);
  const tickPct = ((tickMs * 1000) / total) * 100;
  const axis = h(
    'div',
    { class: 'axis', 'aria-hidden': 'true' },
    ...ticks.map((ms) =>
      h(
        'span',
        { class: 'axis__tick', style: `left: ${((ms * 1000) / total) * 100}%` },
        ms === 0 ? '0' : `+${formatDuration(ms)}`,
      ),
    ),
  );
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'gantt', style: `--tick: ${tickPct}%` },
    h(
      'caption',
      { class: 'sr-only' },
      'Steps of the run on a time axis, with human gate waits and model calls',
    ),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col', class: 'gantt__step' }, 'Step'),
        h(
          'th',
          { scope: 'col', class: 'gantt__chart' },
          h('span', { class: 'sr-only' }, 'Timeline'),
          axis,
        ),
        h('th', { scope: 'col', class: 'num gantt__dur' }, 'Duration'),
      ),
    ),
    tbody,
  );
  el.append(
    h(
      'p',
      { class: 'section__lead' },
      `From ${formatClock(view.run.startTime ?? null)} UTC; bars are steps, hatched spans are waits for a human decision, marks beneath are model calls.`,
    ),
    h('div', { class: 'table-frame' }, table),
    h(
      'ul',
      { class: 'legend', 'aria-label': 'Legend' },
      legend('swatch swatch--ok', 'step succeeded'),
      legend('swatch swatch--error', 'step failed'),
      legend('swatch swatch--ran', 'status unset'),
      legend('swatch swatch--wait', 'waiting for a human gate'),
      legend('swatch swatch--call', 'model call'),
    ),
  );

  renderPaged({
    container: tbody,
    anchor: table.parentElement ?? table,
    items: rows,
    pageSize: TIMELINE_PAGE,
    noun: 'timeline rows',
    render: (row) => {
      const track = h('div', { class: 'track' });
      const s = row.step;
      let durationText = '—';
      if (s) {
        const a = parseTime(s.startTime);
        const b = parseTime(s.endTime);
        if (a !== null) {
          const left = pct(a);
          const right = b !== null ? pct(b) : left;
          const state = s.status.code === 'error' ? 'error' : s.status.code === 'ok' ? 'ok' : 'ran';
          track.append(
            h('span', {
              class: `bar bar--${state}`,
              style: `left: ${left}%; width: ${right - left}%`,
              title: `${s.name}: ${formatClock(s.startTime)} → ${formatClock(s.endTime)} UTC (${formatDuration(s.durationMs)}), ${statusLabel(s.status.code)}${s.status.message ? `: ${s.status.message}` : ''}`,
            }),
          );
        }
        durationText = formatDuration(s.durationMs);
      }
      const waits: Node[] = [];
      for (const g of row.gates) {
        const a = parseTime(g.requestedAt);
        const b = parseTime(g.resolvedAt) ?? (a !== null ? t1 : null);
        if (a === null || b === null) continue;
        const said =
          g.decision === null
            ? 'still waiting'
            : `${g.decision.replace(/_/g, ' ')}${g.actor ? ` by ${g.actor}` : ''}`;
        track.append(
          h('span', {
            class: `wait wait--${decisionTone(g.decision)}`,
            style: `left: ${pct(a)}%; width: ${pct(b) - pct(a)}%`,
            title: `Gate ${g.gateId}: waited ${formatDuration(g.waitMs)}, ${said}`,
          }),
        );
        waits.push(
          h(
            'span',
            {
              class: 'cell-sub gantt__wait',
              style: s ? `padding-left: ${Math.min(s.depth, 8) * 14}px` : null,
            },
            `gate ${g.gateId}: waited ${formatDuration(g.waitMs)}`,
          ),
        );
      }
      for (const c of row.calls) {
        track.append(
          h('span', {
            class: 'call',
            style: `left: ${pct(c.from)}%; width: ${pct(c.to) - pct(c.from)}%`,
            title: c.label,
          }),
        );
      }
      const name = s
        ? h(
            'th',
            { scope: 'row', class: 'gantt__step' },
            h(
              'span',
              { class: 'gantt__name', style: `padding-left: ${Math.min(s.depth, 8) * 14}px` },
              s.name,
              s.kind ? h('span', { class: 'chip' }, s.kind) : null,
              s.status.code === 'error' ? badge('failed', 'bad') : null,
            ),
            ...waits,
          )
        : h(
            'th',
            { scope: 'row', class: 'gantt__step' },
            h('span', { class: 'gantt__name muted' }, 'outside any step'),
            ...waits,
          );
      return h(
        'tr',
        null,
        name,
        h('td', { class: 'gantt__chart' }, track),
        h('td', { class: 'num gantt__dur' }, durationText),
      );
    },
  });
}

/**
 * A round tick interval (1, 2 or 5 × a power of ten milliseconds) near `ms`.
 *
 */
function niceTick(ms: number): number {
  if (!(ms > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(ms));
  for (const m of [1, 2, 5, 10]) if (m * p >= ms) return m * p;
  return 10 * p;
}
function legend(swatch: string, text: string) {
  return h('li', null, h('span', { class: swatch, 'aria-hidden': 'true' }), text);
}
