// What the model was asked and answered: totals per model, then each call with its tokens, cost,
// duration and, when captured, the prompt and response.

import { h } from './dom.js';
import {
  formatClock,
  formatCost,
  formatCosts,
  formatCount,
  formatDuration,
  shortHash,
} from './format.js';
import { renderPaged } from './paging.js';
import { contentBlock, dataTable, note, orDash } from './ui.js';

/**
 * @typedef {import('./view-model.js').ModelCallView} ModelCallView
 * @typedef {import('./view-model.js').ContentView} ContentView
 * @typedef {import('./summarize.js').ModelTotals} ModelTotals
 */

/** Calls shown before "Show more". */
export const MODEL_CALLS_PAGE = 100;

const OMITTED = /** @type {Record<string, string>} */ ({
  not_captured: 'not captured',
  over_inline_limit: 'too large to keep inline',
  hash_mismatch: 'dropped: did not match its hash',
});

/**
 * Fills the model calls section.
 *
 * @example
 * renderModelCalls(section, view.modelCalls, summarizeModels(bundle.model_io));
 * @param {HTMLElement} el
 * @param {ModelCallView[]} calls
 * @param {{ models: Map<string, ModelTotals>, totals: ModelTotals }} summary
 * @returns {void}
 */
export function renderModelCalls(el, calls, summary) {
  if (calls.length === 0) {
    el.append(note('No model calls were recorded in this run.'));
    return;
  }
  const totals = dataTable(
    'Model usage per model and in total',
    [
      'Model',
      { text: 'Calls', class: 'num' },
      { text: 'Input tokens', class: 'num' },
      { text: 'Output tokens', class: 'num' },
      { text: 'Time in calls', class: 'num' },
      { text: 'Cost', class: 'num' },
    ],
    'totals',
  );
  for (const [name, t] of summary.models) totals.tbody.append(totalsRow(name, t, false));
  totals.table.append(h('tfoot', null, totalsRow('Total', summary.totals, true)));
  el.append(h('h3', null, 'Totals'), h('div', { class: 'table-frame' }, totals.table));

  const { table, tbody } = dataTable(
    'Each model call',
    [
      'Time (UTC)',
      'Step',
      'Model',
      { text: 'Input', class: 'num' },
      { text: 'Output', class: 'num' },
      { text: 'Duration', class: 'num' },
      { text: 'Cost', class: 'num' },
    ],
    'calls',
  );
  const frame = h('div', { class: 'table-frame' }, table);
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
  el.append(frame);
  renderPaged({
    container: tbody,
    anchor: frame,
    items: calls,
    pageSize: MODEL_CALLS_PAGE,
    noun: 'model calls',
    render: (m, i) => {
      const row = h(
        'tr',
        null,
        h(
          'th',
          { scope: 'row', class: 'time', title: m.time ?? null },
          formatClock(m.time),
          h('span', { class: 'cell-sub' }, `#${i + 1}`),
        ),
        h('td', null, orDash(m.stepId)),
        h(
          'td',
          null,
          h('span', { class: 'strong' }, `${m.provider ?? '?'}/${m.model ?? '?'}`),
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
        ),
        h(
          'td',
          { class: 'num' },
          formatCount(m.outputTokens),
          m.reasoningOutputTokens
            ? h('span', { class: 'cell-sub' }, `${formatCount(m.reasoningOutputTokens)} reasoning`)
            : null,
        ),
        h('td', { class: 'num' }, formatDuration(m.durationMs)),
        h('td', { class: 'num' }, m.cost ? formatCost(m.cost.amount, m.cost.currency) : '—'),
      );
      if (m.input.content === null && m.output.content === null) return row;
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
 * @param {string} name
 * @param {ModelTotals} t
 * @param {boolean} total
 */
function totalsRow(name, t, total) {
  return h(
    'tr',
    { class: total ? 'total' : null },
    h('th', { scope: 'row' }, name),
    h('td', { class: 'num' }, formatCount(t.calls)),
    h('td', { class: 'num' }, formatCount(t.inputTokens)),
    h('td', { class: 'num' }, formatCount(t.outputTokens)),
    h('td', { class: 'num' }, formatDuration(t.durationMs)),
    h('td', { class: 'num' }, formatCosts(t.cost)),
  );
}

/**
 * @param {ModelCallView} m
 * @param {number} i
 */
function content(m, i) {
  return h(
    'details',
    { class: 'disclosure' },
    h('summary', null, `Prompt and response of call #${i + 1}`),
    h(
      'div',
      { class: 'exchange' },
      h(
        'div',
        null,
        h('p', { class: 'content-label' }, 'Prompt'),
        m.input.content !== null
          ? contentBlock(m.input.content)
          : h('p', { class: 'muted' }, describe(m.input, 'prompt')),
      ),
      h(
        'div',
        null,
        h('p', { class: 'content-label' }, 'Response'),
        m.output.content !== null
          ? contentBlock(m.output.content)
          : h('p', { class: 'muted' }, describe(m.output, 'response')),
      ),
    ),
  );
}

/**
 * @param {ContentView} c
 * @param {string} what
 */
function describe(c, what) {
  const why = c.omitted !== null ? (OMITTED[c.omitted] ?? c.omitted) : 'not captured';
  return `${what} ${why}${c.sha256 ? ` (sha256 ${shortHash(c.sha256)}…)` : ''}`;
}
