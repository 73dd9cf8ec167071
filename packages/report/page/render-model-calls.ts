// What the model was asked and answered: totals per model, then each call with its tokens, cost,
// duration and, when captured, the prompt and response.

import { disputedBadge } from './render-disputes.js';
import { h } from './dom.js';
import { estimateFor, pricingLabel } from './estimates.js';
import {
  formatCost,
  formatCosts,
  formatCount,
  formatDuration,
  formatOmitted,
  shortHash,
} from './format.js';
import { renderPagedTable } from './paging.js';
import { callLeadCells, contentBlock, dataTable, note } from './ui.js';
import type { ContentView, ModelCallView } from './view-model.js';
import type { ModelTotals } from './summarize.js';
import type { CostEstimatesView } from './estimates.js';

/** Calls shown before "Show more". */
export const MODEL_CALLS_PAGE = 100;

/**
 * Fills the model calls section. Reported costs are shown as the bundle has them; estimates
 * (embedded beside the bundle by the renderer, for calls that reported none) are marked
 * "estimated" and name the pricing data they came from.
 *
 * @example
 * renderModelCalls(section, view.modelCalls, summarizeModels(bundle.model_io), estimates);
 */
export function renderModelCalls(
  el: HTMLElement,
  calls: ModelCallView[],
  summary: { models: Map<string, ModelTotals>; totals: ModelTotals },
  estimates: CostEstimatesView | null = null,
): void {
  if (calls.length === 0) {
    el.append(note('No model calls were recorded in this run.'));
    return;
  }
  // The estimated column appears only when something was estimated.
  const shown = estimates && estimates.priced > 0 ? estimates : null;
  const totals = dataTable(
    'Model usage per model and in total',
    [
      'Model',
      { text: 'Calls', class: 'num' },
      { text: 'Input tokens', class: 'num' },
      { text: 'Output tokens', class: 'num' },
      { text: 'Time in calls', class: 'num' },
      { text: 'Cost', class: 'num' },
      ...(shown ? [{ text: 'Estimated cost', class: 'num' }] : []),
    ],
    'totals',
  );
  for (const [name, t] of summary.models)
    totals.tbody.append(
      totalsRow(name, t, false, shown ? (shown.models.get(name) ?? new Map()) : undefined),
    );
  totals.table.append(
    h('tfoot', null, totalsRow('Total', summary.totals, true, shown ? shown.totals : undefined)),
  );
  el.append(h('h3', null, 'Totals'), h('div', { class: 'table-frame' }, totals.table));
  if (estimates && (estimates.priced > 0 || estimates.unpriced > 0))
    el.append(estimateNote(estimates));

  const uncaptured = calls.filter(
    (m) => m.input.content === null && m.output.content === null,
  ).length;
  el.append(h('h3', null, 'Calls'));
  if (uncaptured === calls.length) {
    el.append(
      note(
        'Prompts and responses were not captured in this run (content capture is off by default).',
      ),
    );
  } else if (uncaptured > 0) {
    el.append(
      note(
        `Prompts and responses were captured for ${formatCount(calls.length - uncaptured)} of ${formatCount(calls.length)} calls.`,
      ),
    );
  }
  renderPagedTable(el, {
    caption: 'Each model call',
    headers: [
      'Time (UTC)',
      'Step',
      'Model',
      { text: 'Input', class: 'num' },
      { text: 'Output', class: 'num' },
      { text: 'Duration', class: 'num' },
      { text: 'Cost', class: 'num' },
    ],
    className: 'calls',
    items: calls,
    pageSize: MODEL_CALLS_PAGE,
    noun: 'model calls',
    render: (m, i) => {
      const row = h(
        'tr',
        null,
        ...callLeadCells(m, i),
        h(
          'td',
          null,
          h('span', { class: 'strong' }, `${m.provider ?? '?'}/${m.model ?? '?'}`),
          disputedBadge(m.disputed),
          m.responseModel && m.responseModel !== m.model
            ? h('span', { class: 'cell-sub' }, `answered by ${m.responseModel}`)
            : null,
          h(
            'span',
            { class: 'cell-sub' },
            [
              m.operation,
              m.source === 'span'
                ? `read from ${m.vocabularies.length > 0 ? m.vocabularies.join(', ') : 'a GenAI span'}`
                : null,
              ...m.sources.map(
                (s) =>
                  `${s.role ?? 'source'} ${s.vocabularies.join(', ')}${s.disagreements.length > 0 ? ` (differs: ${s.disagreements.join(', ')})` : ''}`,
              ),
              m.status !== null && m.status.code === 'error'
                ? `error${m.status.message !== null ? `: ${m.status.message}` : ''}`
                : null,
            ]
              .filter(Boolean)
              .join(' · '),
          ),
        ),
        h(
          'td',
          { class: 'num' },
          formatCount(m.inputTokens),
          m.cacheReadInputTokens
            ? h('span', { class: 'cell-sub' }, `${formatCount(m.cacheReadInputTokens)} cached`)
            : null,
          m.cacheWriteInputTokens
            ? h(
                'span',
                { class: 'cell-sub' },
                `${formatCount(m.cacheWriteInputTokens)} written to cache`,
              )
            : null,
          ...modalityNotes(m, 'inputTokens', 'in'),
        ),
        h(
          'td',
          { class: 'num' },
          formatCount(m.outputTokens),
          m.reasoningOutputTokens
            ? h('span', { class: 'cell-sub' }, `${formatCount(m.reasoningOutputTokens)} reasoning`)
            : null,
          ...modalityNotes(m, 'outputTokens', 'out'),
        ),
        h('td', { class: 'num' }, formatDuration(m.durationMs)),
        h('td', { class: 'num' }, costCell(m, i, estimates)),
      );
      // Redacted content is shown as such, where it was.
      const shown = (c: ContentView) => c.content !== null || c.redacted;
      if (!shown(m.input) && !shown(m.output)) return row;
      // The content gets a full-width row of its own beneath the call.
      row.className = 'has-content';
      const fragment = document.createDocumentFragment();
      fragment.append(
        row,
        h('tr', { class: 'content-row' }, h('td', { colspan: 7 }, content(m, i))),
      );
      return fragment;
    },
  });
}

/**
 * A call's cost: the reported one as it is; else the estimate, marked as one.
 *
 */
function costCell(m: ModelCallView, i: number, estimates: CostEstimatesView | null): Node | string {
  if (m.cost) return formatCost(m.cost.amount, m.cost.currency);
  const e = estimates ? estimateFor(estimates, i, m.spanId) : null;
  if (!estimates || !e) return '—';
  return h(
    'span',
    {
      class: 'estimated',
      title: `Estimated with ${pricingLabel(estimates)}${e.provider && e.model ? ` as ${e.provider}/${e.model}` : ''}; not part of the bundle`,
    },
    `≈ ${formatCost(e.amount, e.currency)}`,
    h('span', { class: 'cell-sub' }, 'estimated'),
  );
}

/**
 * What the estimates are and where they came from.
 *
 */
function estimateNote(estimates: CostEstimatesView): HTMLParagraphElement {
  const parts = [];
  if (estimates.priced > 0) {
    parts.push(
      `Costs marked “estimated” are not part of the bundle: the renderer estimated the ${formatCount(estimates.priced)} call${estimates.priced === 1 ? '' : 's'} that reported no cost with ${pricingLabel(estimates)}.`,
    );
  }
  if (estimates.unpriced > 0) {
    parts.push(
      `${formatCount(estimates.unpriced)} call${estimates.unpriced === 1 ? '' : 's'} without a reported cost could not be priced with ${pricingLabel(estimates)} (model or provider not in its data).`,
    );
  }
  return h(
    'p',
    { class: 'note estimate-note', 'data-pricing-version': estimates.version },
    parts.join(' '),
  );
}

/**
 * @param estimated estimated amounts by currency, when the column is shown
 */
function totalsRow(name: string, t: ModelTotals, total: boolean, estimated?: Map<string, number>) {
  return h(
    'tr',
    { class: total ? 'total' : null },
    h('th', { scope: 'row' }, name),
    h('td', { class: 'num' }, formatCount(t.calls)),
    h('td', { class: 'num' }, formatCount(t.inputTokens)),
    h('td', { class: 'num' }, formatCount(t.outputTokens)),
    h('td', { class: 'num' }, formatDuration(t.durationMs)),
    h('td', { class: 'num' }, formatCosts(t.cost)),
    estimated
      ? h(
          'td',
          { class: 'num' },
          estimated.size > 0
            ? h('span', { class: 'estimated' }, `≈ ${formatCosts(estimated)}`)
            : '—',
        )
      : null,
  );
}
function content(m: ModelCallView, i: number) {
  return h(
    'details',
    { class: 'disclosure' },
    h('summary', null, `Prompt and response of call #${i + 1}`),
    h(
      'div',
      { class: 'exchange' },
      exchangeSide('Prompt', m.input, 'prompt'),
      exchangeSide('Response', m.output, 'response'),
    ),
  );
}

/** One side of a call's exchange: its content, or why there is none. */
function exchangeSide(label: string, c: ContentView, what: string) {
  return h(
    'div',
    null,
    h('p', { class: 'content-label' }, label),
    c.content !== null
      ? contentBlock(c.content)
      : h('p', { class: c.redacted ? 'muted redacted' : 'muted' }, describe(c, what)),
  );
}
function describe(c: ContentView, what: string) {
  const why = c.redacted
    ? 'redacted after the run was sealed'
    : c.omitted !== null
      ? formatOmitted(c.omitted)
      : 'not captured';
  return `${what} ${why}${c.sha256 ? ` (sha256 ${shortHash(c.sha256)}…)` : ''}`;
}

/**
 * One note per modality that reported this count (`40 audio in`): parts of the total above.
 */
function modalityNotes(m: ModelCallView, count: 'inputTokens' | 'outputTokens', label: string) {
  return m.modalities
    .filter((u) => u[count] !== null)
    .map((u) =>
      h('span', { class: 'cell-sub' }, `${formatCount(u[count])} ${u.modality} ${label}`),
    );
}
