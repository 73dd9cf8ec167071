// Diagnostics the fold recorded instead of failing, and the raw bundle itself.

import { h } from './dom.js';
import { formatBytes } from './format.js';
import { renderPagedTable } from './paging.js';
import { orDash } from './ui.js';
import type { DiagnosticView } from './view-model.js';
import type { ParsedText } from './integrity.js';

/** Above this size the raw view shows the start of the bundle and offers the file instead. */
const RAW_LIMIT = 2_000_000;

/**
 * Fills the diagnostics section.
 *
 * @example
 * renderDiagnostics(section, view.diagnostics);
 */
export function renderDiagnostics(el: HTMLElement, diagnostics: DiagnosticView[]): void {
  renderPagedTable(el, {
    empty: 'None: the fold found nothing odd in this run’s trace.',
    caption: 'Diagnostics recorded by the fold',
    headers: ['Code', 'Message', 'Span', 'About'],
    items: diagnostics,
    pageSize: 200,
    noun: 'diagnostics',
    render: (d) =>
      h(
        'tr',
        null,
        h('th', { scope: 'row' }, h('code', null, d.code)),
        h('td', null, d.message),
        h('td', null, d.spanId ? h('code', null, d.spanId) : '—'),
        h('td', null, d.subject ? h('code', null, d.subject) : orDash(null)),
      ),
  });
}

/**
 * Fills the raw bundle section: a save button and the text, drawn when first opened.
 *
 * @example
 * renderRaw(section, text, parsed);
 * @param text the embedded bundle text, exactly as hashed
 */
export function renderRaw(
  el: HTMLElement,
  text: string,
  parsed: ParsedText,
  fileName: string,
): void {
  const bytes = new TextEncoder().encode(text).length;
  const save = h(
    'button',
    { type: 'button', class: 'button no-print' },
    'Save the bundle as a file',
  );
  save.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = h('a', { href: url, download: fileName });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  const body = h('div');
  const details = h(
    'details',
    { class: 'disclosure', 'data-print': 'skip' },
    h('summary', null, `Show the bundle (${formatBytes(bytes)})`),
    body,
  );
  details.addEventListener('toggle', () => {
    if (!details.open || body.firstChild) return;
    const pretty = parsed.ok ? JSON.stringify(parsed.value, null, 2) : text;
    const shown = pretty.length > RAW_LIMIT ? `${pretty.slice(0, RAW_LIMIT)}\n…` : pretty;
    body.append(
      h(
        'p',
        { class: 'muted' },
        parsed.ok
          ? 'Pretty-printed for reading; the integrity check uses the embedded text as it is.'
          : 'Shown as embedded: it is not JSON.',
        pretty.length > RAW_LIMIT
          ? ' Only the start is shown here; save the file to see it all.'
          : '',
      ),
      h('pre', { class: 'code code--raw' }, shown),
    );
  });
  el.append(
    h(
      'p',
      null,
      'The bundle is embedded in this file exactly as it was given. Save it and run ',
      h('code', null, `workbench verify ${fileName}`),
      ' to check it independently of this page.',
    ),
    h('p', null, save),
    details,
    h(
      'p',
      { class: 'print-only muted' },
      `The raw bundle (${formatBytes(bytes)}) is embedded in the report file and not printed.`,
    ),
  );
}
