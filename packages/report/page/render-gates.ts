// Who approved what, and when: one row per human gate.

import { append, h } from './dom.js';
import { formatClock, formatDuration, formatTime } from './format.js';
import { renderPagedTable } from './paging.js';
import { badge, decisionTone, orDash } from './ui.js';
import type { GateRequest, GateSummary } from './summarize.js';

/**
 * Fills the gates section.
 *
 * @example
 * renderGates(section, gates, requests);
 */
export function renderGates(
  el: HTMLElement,
  gates: Map<string, GateSummary>,
  requests: Map<string, GateRequest>,
): void {
  renderPagedTable(el, {
    empty: 'No human gates in this run.',
    caption: 'Human gates: request, decision, actor and wait',
    headers: [
      'Gate',
      'Subject',
      'Requested',
      'Resolved',
      { text: 'Waited', class: 'num' },
      'Decision',
      'Actor',
      'Reason',
    ],
    items: [...gates.values()],
    pageSize: 200,
    noun: 'gates',
    render: (g) => {
      const req = requests.get(g.gateId);
      const artifact = req?.artifactKey
        ? `${req.artifactKey}${req.artifactVersion !== null ? ` v${req.artifactVersion}` : ''}`
        : null;
      // A framework's tool approval: the tool, its call id and the arguments' hash.
      const tool =
        req?.toolName || req?.toolCallId
          ? `tool ${req.toolName ?? '?'}${req.toolCallId ? ` [${req.toolCallId}]` : ''}`
          : null;
      const subject = [artifact, tool].filter((x) => x !== null).join(' · ') || '—';
      const args = req?.toolArgumentsSha256
        ? h(
            'span',
            { class: 'cell-sub', title: req.toolArgumentsSha256 },
            `args sha256 ${req.toolArgumentsSha256.slice(0, 12)}…`,
          )
        : null;
      return h(
        'tr',
        null,
        h(
          'th',
          { scope: 'row' },
          h('span', { class: 'strong nowrap' }, g.gateId),
          g.stepId !== null ? h('span', { class: 'cell-sub' }, `step ${g.stepId}`) : null,
          req?.policy ? h('span', { class: 'cell-sub' }, `policy ${req.policy}`) : null,
        ),
        h('td', null, subject, args),
        timeCell(g.requestedAt),
        timeCell(g.resolvedAt),
        h(
          'td',
          { class: 'num' },
          formatDuration(g.waitMs),
          segmentsOf(g) !== null
            ? h('span', { class: 'cell-sub' }, `segments ${segmentsOf(g)}`)
            : null,
        ),
        h(
          'td',
          null,
          badge(
            g.state === 'pending' || g.decision === null
              ? 'pending'
              : g.decision.replace(/_/g, ' '),
            g.state === 'pending' ? 'warn' : decisionTone(g.decision),
          ),
          ...gateFlags(g),
          gateHistory(g),
        ),
        h('td', { class: 'strong actor' }, g.actor === null ? '—' : breakAfterAt(g.actor)),
        h('td', { class: 'reason' }, orDash(g.reason)),
      );
    },
  });
}

/**
 * What a gate's row warns of: a decision from a span that arrived in differing versions (see the
 * disputes above), a gate resolved again without a new request, a decision nobody asked for.
 *
 */
function gateFlags(g: GateSummary): HTMLElement[] {
  const flags: HTMLElement[] = [];
  if (g.disputed) flags.push(badge('disputed', 'bad'));
  if (g.resolvedAgain) flags.push(badge('resolved again', 'warn'));
  if (g.state === 'resolved_without_request') flags.push(badge('no request', 'warn'));
  return flags.map((f) => h('span', { class: 'cell-sub' }, f));
}

/**
 * Every request and decision of a gate decided more than once, in order: the last decision is not
 * the whole story.
 *
 */
function gateHistory(g: GateSummary): HTMLElement | null {
  const acrossSegments = new Set(g.history.map((x) => x.segment)).size > 1;
  if (g.history.filter((x) => x.type === 'resolved').length < 2 && !acrossSegments) return null;
  return h(
    'ol',
    { class: 'gate-history cell-sub', 'aria-label': `History of gate ${g.gateId}` },
    ...g.history.map((x) =>
      h(
        'li',
        null,
        `${formatClock(x.time)} `,
        x.segment !== undefined ? `(segment ${x.segment}) ` : '',
        x.type === 'requested'
          ? 'requested'
          : `${(x.decision ?? '?').replace(/_/g, ' ')} by ${x.actor ?? '?'}`,
        x.disputed ? ' (disputed)' : '',
      ),
    ),
  );
}

/**
 * For a run in segments, the segments a gate's requests and decisions were recorded in: `1 → 3`.
 *
 */
function segmentsOf(g: GateSummary): string | null {
  const seen: number[] = [];
  for (const x of g.history) {
    if (x.segment !== undefined && seen[seen.length - 1] !== x.segment) seen.push(x.segment);
  }
  return seen.length === 0 ? null : seen.join(' → ');
}

/**
 * A time as its clock, with the date beneath and the exact time in a title.
 *
 */
function timeCell(time: string | null) {
  return h(
    'td',
    { class: 'time', title: time === null ? null : formatTime(time) },
    formatClock(time),
    time !== null ? h('span', { class: 'cell-sub' }, time.slice(0, 10)) : null,
  );
}

/**
 * An email-like actor with a line-break opportunity after the `@`, so a narrow column (or paper)
 * wraps it there rather than mid-word.
 *
 */
function breakAfterAt(actor: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const at = actor.indexOf('@');
  // Through dom.js's append, as all page text, so that bidi controls show escaped.
  if (at < 0) append(fragment, [actor]);
  else append(fragment, [actor.slice(0, at + 1), h('wbr'), actor.slice(at + 1)]);
  return fragment;
}
