// Small pieces shared by the sections: badges, tables, notes.

import { h } from './dom.js';
import { formatClock } from './format.js';

export type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'muted';

/**
 * A short coloured label; the colour repeats what the text says, never replaces it.
 *
 * @example
 * badge('approved', 'ok');
 */
export function badge(text: string, tone: Tone): HTMLSpanElement {
  return h('span', { class: `badge badge--${tone}` }, text);
}

/**
 * The tone of a span status code.
 *
 * @example
 * statusTone('error'); // 'bad'
 */
export function statusTone(code: string | null): Tone {
  return code === 'ok' ? 'ok' : code === 'error' ? 'bad' : 'muted';
}

/**
 * A readable label for a span status code.
 *
 * @example
 * statusLabel('ok'); // 'succeeded'
 */
export function statusLabel(code: string | null): string {
  return code === 'ok'
    ? 'succeeded'
    : code === 'error'
      ? 'failed'
      : code === 'unset'
        ? 'status unset'
        : 'no status';
}

/**
 * The tone of a gate decision; no decision means the gate is still waiting.
 *
 * @example
 * decisionTone('approved'); // 'ok'
 */
export function decisionTone(decision: string | null): Tone {
  if (decision === null) return 'warn';
  if (decision === 'approved') return 'ok';
  if (decision === 'rejected' || decision === 'timed_out') return 'bad';
  return 'warn';
}

/**
 * A table with a caption and column headers (`th scope="col"`); returns it and its body.
 *
 * @example
 * const { table, tbody } = dataTable('Gates', ['Gate', 'Decision']);
 */
export function dataTable(
  caption: string,
  headers: Array<string | { text: string; class: string }>,
  className?: string,
): { table: HTMLTableElement; tbody: HTMLTableSectionElement } {
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: `data${className ? ` ${className}` : ''}` },
    h('caption', { class: 'sr-only' }, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ...headers.map((c) =>
          typeof c === 'string'
            ? h('th', { scope: 'col' }, c)
            : h('th', { scope: 'col', class: c.class }, c.text),
        ),
      ),
    ),
    tbody,
  );
  return { table, tbody };
}

/**
 * The first two cells of a row in a table of calls (columns `Time (UTC)` and `Step`): the row
 * header with the call's clock time (the exact time in a title) and its number in the run, `#1`
 * for the first, then its step.
 *
 * @example
 * h('tr', null, ...callLeadCells(call, i), h('td', null, call.name));
 */
export function callLeadCells(
  call: { time: string | null; stepId: string | null },
  index: number,
): [HTMLTableCellElement, HTMLTableCellElement] {
  return [
    h(
      'th',
      { scope: 'row', class: 'time', title: call.time ?? null },
      formatClock(call.time),
      h('span', { class: 'cell-sub' }, `#${index + 1}`),
    ),
    h('td', null, orDash(call.stepId)),
  ];
}

/**
 * A muted paragraph for an empty section.
 *
 * @example
 * note('No human gates in this run.');
 */
export function note(text: string): HTMLParagraphElement {
  return h('p', { class: 'note' }, text);
}

/**
 * Text in a scrollable, wrapping block; JSON is pretty-printed.
 *
 * @example
 * codeBlock(prompt);
 */
export function codeBlock(text: string): HTMLPreElement {
  let shown = text;
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not JSON after all: show as is.
    }
  }
  return h('pre', { class: 'code' }, shown);
}

/**
 * A cell value or an em dash.
 *
 * @example
 * orDash(step.kind);
 */
export function orDash(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : value;
}

/**
 * Prompt or response content: a chat transcript when it is a JSON list of `{ role, content }`
 * messages, else the text (JSON pretty-printed).
 *
 * @example
 * contentBlock('[{"role":"user","content":"Hi"}]');
 */
export function contentBlock(text: string): HTMLElement {
  const messages = chatMessages(text);
  if (!messages) return codeBlock(text);
  return h(
    'ol',
    { class: 'messages' },
    ...messages.map((m) =>
      h(
        'li',
        { class: 'message' },
        h('span', { class: 'message__role' }, m.role),
        h('pre', { class: 'code message__text' }, m.content),
      ),
    ),
  );
}
function chatMessages(text: string): Array<{ role: string; content: string }> | null {
  if (!text.trimStart().startsWith('[')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length === 0) return null;
  const out: Array<{ role: string; content: string }> = [];
  for (const m of value as unknown[]) {
    if (typeof m !== 'object' || m === null) return null;
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string') return null;
    if (typeof content === 'string') out.push({ role, content });
    else if (Array.isArray(content)) {
      // Content parts: keep the text ones, name the others.
      const parts = (content as unknown[]).map((part) => {
        const p = (typeof part === 'object' && part !== null ? part : {}) as {
          type?: unknown;
          text?: unknown;
        };
        return typeof p.text === 'string'
          ? p.text
          : `[${typeof p.type === 'string' ? p.type : 'part'}]`;
      });
      out.push({ role, content: parts.join('\n') });
    } else return null;
  }
  return out;
}
