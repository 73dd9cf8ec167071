// The tools the agent ran: each call with its tool, call id, status, duration and the commitments
// to its arguments and result (a bundle holds their hashes, never the content).

import { disputedBadge } from './render-disputes.js';
import { h } from './dom.js';
import { formatDuration, shortHash } from './format.js';
import { renderPagedTable } from './paging.js';
import { callLeadCells, orDash } from './ui.js';
import type { ContentView, ToolCallView } from './view-model.js';

/** Calls shown before "Show more". */
export const TOOL_CALLS_PAGE = 100;

/**
 * Fills the tool calls section.
 *
 * @example
 * renderToolCalls(section, view.toolCalls);
 */
export function renderToolCalls(el: HTMLElement, calls: ToolCallView[]): void {
  renderPagedTable(el, {
    empty: 'No tool calls were recorded in this run.',
    caption: 'Each tool call',
    headers: [
      'Time (UTC)',
      'Step',
      'Tool',
      'Status',
      { text: 'Duration', class: 'num' },
      'Arguments',
      'Result',
    ],
    className: 'tool-calls',
    items: calls,
    pageSize: TOOL_CALLS_PAGE,
    noun: 'tool calls',
    render: (t, i) =>
      h(
        'tr',
        null,
        ...callLeadCells(t, i),
        h(
          'td',
          null,
          h('span', { class: 'strong' }, t.toolName ?? '?'),
          disputedBadge(t.disputed),
          t.callId !== null ? h('span', { class: 'cell-sub' }, `call ${t.callId}`) : null,
          t.vocabularies.length > 0
            ? h('span', { class: 'cell-sub' }, `read from ${t.vocabularies.join(', ')}`)
            : null,
        ),
        h(
          'td',
          null,
          orDash(t.status.code === 'unset' ? null : t.status.code),
          t.status.message !== null ? h('span', { class: 'cell-sub' }, t.status.message) : null,
        ),
        h('td', { class: 'num' }, formatDuration(t.durationMs)),
        h('td', null, commitment(t.arguments)),
        h('td', null, commitment(t.result)),
      ),
  });
}

/** @param c */
function commitment(c: ContentView) {
  if (c.sha256 !== null) {
    const hash = h('code', { title: c.sha256 }, `sha256 ${shortHash(c.sha256)}…`);
    return c.redacted
      ? h('span', null, hash, h('span', { class: 'cell-sub redacted' }, 'content redacted'))
      : hash;
  }
  if (c.omitted === 'over_inline_limit') return 'too large to commit to';
  return '—';
}
