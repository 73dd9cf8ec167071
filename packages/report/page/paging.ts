// Long lists render a page at a time, and "Show all" appends the rest in small batches that
// yield to the browser between them, so a 10,000-step run never blocks clicks or scrolling.

import { h } from './dom.js';
import { formatCount } from './format.js';
import { dataTable, note } from './ui.js';

/** Rows appended per batch when showing all. */
const BATCH = 100;

/**
 * Renders the first `pageSize` items into `container` and, when there are more, puts controls
 * after `anchor` to show the next page or all of them.
 *
 * @example
 * renderPaged({ container: tbody, anchor: table, items: steps, render: stepRow, pageSize: 100, noun: 'steps' });
 */
export function renderPaged<T>({
  container,
  anchor,
  items,
  render,
  pageSize,
  noun,
}: {
  container: Element;
  anchor: Element;
  items: T[];
  render: (item: T, index: number) => Node;
  pageSize: number;
  noun: string;
}): void {
  let shown = 0;
  /** @param count */
  const appendNext = (count: number) => {
    const end = Math.min(items.length, shown + count);
    const fragment = document.createDocumentFragment();
    for (let i = shown; i < end; i++) fragment.appendChild(render(items[i] as T, i));
    container.appendChild(fragment);
    shown = end;
  };
  appendNext(pageSize);
  if (shown >= items.length) return;

  const status = h('span', { class: 'more__status', role: 'status' });
  const next = h('button', { type: 'button', class: 'button' });
  const all = h(
    'button',
    { type: 'button', class: 'button' },
    `Show all ${formatCount(items.length)}`,
  );
  const controls = h('div', { class: 'more no-print' }, status, next, all);
  const note = h('p', { class: 'print-only more__print' });
  const update = () => {
    status.textContent = `Showing ${formatCount(shown)} of ${formatCount(items.length)} ${noun}.`;
    note.textContent = `This printout shows the first ${formatCount(shown)} of ${formatCount(items.length)} ${noun}; the report file holds them all.`;
    next.textContent = `Show ${formatCount(Math.min(pageSize, items.length - shown))} more`;
    if (shown >= items.length) {
      controls.remove();
      note.remove();
    }
  };
  next.addEventListener('click', () => {
    appendNext(pageSize);
    update();
  });
  all.addEventListener('click', () => {
    next.disabled = true;
    all.disabled = true;
    const step = () => {
      appendNext(BATCH);
      update();
      if (shown < items.length) setTimeout(step, 0);
    };
    step();
  });
  anchor.after(controls, note);
  update();
}

/**
 * Fills a section with a paged data table: a framed {@link dataTable} whose rows
 * {@link renderPaged} draws a page at a time. With no items and an `empty` text, a note says so
 * instead of an empty table.
 *
 * @example
 * renderPagedTable(section, { caption: 'Gates', headers: ['Gate'], items, render: gateRow, pageSize: 200, noun: 'gates', empty: 'No gates.' });
 */
export function renderPagedTable<T>(
  el: HTMLElement,
  {
    caption,
    headers,
    className,
    empty,
    ...paged
  }: {
    caption: string;
    headers: Parameters<typeof dataTable>[1];
    className?: string;
    empty?: string;
    items: T[];
    render: (item: T, index: number) => Node;
    pageSize: number;
    noun: string;
  },
): void {
  if (empty !== undefined && paged.items.length === 0) {
    el.append(note(empty));
    return;
  }
  const { table, tbody } = dataTable(caption, headers, className);
  const frame = h('div', { class: 'table-frame' }, table);
  el.append(frame);
  renderPaged({ ...paged, container: tbody, anchor: frame });
}
