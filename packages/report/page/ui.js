// Small pieces shared by the sections: badges, tables, notes.

import { h } from './dom.js';

/** @typedef {'ok' | 'bad' | 'warn' | 'info' | 'muted'} Tone */

/**
 * A short coloured label; the colour repeats what the text says, never replaces it.
 *
 * @example
 * badge('approved', 'ok');
 * @param {string} text
 * @param {Tone} tone
 * @returns {HTMLSpanElement}
 */
export function badge(text, tone) {
  return h('span', { class: `badge badge--${tone}` }, text);
}

/**
 * The tone of a span status code.
 *
 * @example
 * statusTone('error'); // 'bad'
 * @param {string | null} code
 * @returns {Tone}
 */
export function statusTone(code) {
  return code === 'ok' ? 'ok' : code === 'error' ? 'bad' : 'muted';
}

/**
 * A readable label for a span status code.
 *
 * @example
 * statusLabel('ok'); // 'succeeded'
 * @param {string | null} code
 * @returns {string}
 */
export function statusLabel(code) {
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
 * @param {string | null} decision
 * @returns {Tone}
 */
export function decisionTone(decision) {
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
 * @param {string} caption
 * @param {Array<string | { text: string, class: string }>} headers
 * @param {string} [className]
 * @returns {{ table: HTMLTableElement, tbody: HTMLTableSectionElement }}
 */
export function dataTable(caption, headers, className) {
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
 * A muted paragraph for an empty section.
 *
 * @example
 * note('No human gates in this run.');
 * @param {string} text
 * @returns {HTMLParagraphElement}
 */
export function note(text) {
  return h('p', { class: 'note' }, text);
}

/**
 * Text in a scrollable, wrapping block; JSON is pretty-printed.
 *
 * @example
 * codeBlock(prompt);
 * @param {string} text
 * @returns {HTMLPreElement}
 */
export function codeBlock(text) {
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
 * @param {string | null | undefined} value
 * @returns {string}
 */
export function orDash(value) {
  return value === null || value === undefined || value === '' ? '—' : value;
}

/**
 * Prompt or response content: a chat transcript when it is a JSON list of `{ role, content }`
 * messages, else the text (JSON pretty-printed).
 *
 * @example
 * contentBlock('[{"role":"user","content":"Hi"}]');
 * @param {string} text
 * @returns {HTMLElement}
 */
export function contentBlock(text) {
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

/**
 * @param {string} text
 * @returns {Array<{ role: string, content: string }> | null}
 */
function chatMessages(text) {
  if (!text.trimStart().startsWith('[')) return null;
  /** @type {unknown} */
  let value;
  try {
    value = /** @type {unknown} */ (JSON.parse(text));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length === 0) return null;
  /** @type {Array<{ role: string, content: string }>} */
  const out = [];
  for (const m of /** @type {unknown[]} */ (value)) {
    if (typeof m !== 'object' || m === null) return null;
    const { role, content } = /** @type {{ role?: unknown, content?: unknown }} */ (m);
    if (typeof role !== 'string') return null;
    if (typeof content === 'string') out.push({ role, content });
    else if (Array.isArray(content)) {
      // Content parts: keep the text ones, name the others.
      const parts = /** @type {unknown[]} */ (content).map((part) => {
        const p = /** @type {{ type?: unknown, text?: unknown }} */ (
          typeof part === 'object' && part !== null ? part : {}
        );
        return typeof p.text === 'string'
          ? p.text
          : `[${typeof p.type === 'string' ? p.type : 'part'}]`;
      });
      out.push({ role, content: parts.join('\n') });
    } else return null;
  }
  return out;
}
