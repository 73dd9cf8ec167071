// Spans that arrived in versions that differ: shown above everything else, since what came from
// them cannot be taken at its word. The bundle keeps one version and marks what came from it.

import { h } from './dom.js';
import { asArray, asNumber, asObject, asString, member } from './read.js';
import { badge } from './ui.js';
import type { BundleView } from './view-model.js';

/**
 * A `disputed` badge for a row folded from a span that arrived in differing versions, else null.
 *
 * @example
 * h('td', null, name, disputedBadge(call.disputed));
 */
export function disputedBadge(disputed: boolean): HTMLElement | null {
  return disputed ? h('span', { class: 'cell-sub' }, badge('disputed', 'bad')) : null;
}

/**
 * Draws the bundle's `disputes`: for each span, every version's values where they differ, the
 * version the bundle shows first. Draws nothing when there are none.
 *
 * @example
 * renderDisputes(section, bundle.disputes, view, bundle.run.rootSpanId);
 */
export function renderDisputes(
  el: HTMLElement,
  disputes: unknown,
  view: BundleView,
  rootSpanId: string | null,
): void {
  const list = asArray(disputes).filter((d) => asObject(d) !== null);
  if (list.length === 0) return;
  const box = h(
    'section',
    { class: 'disputes', role: 'alert', 'aria-label': 'Disputed spans' },
    h(
      'p',
      { class: 'disputes__lead' },
      badge('disputed', 'bad'),
      ` ${list.length} span${list.length === 1 ? '' : 's'} arrived in versions that differ. The report shows the first version and marks what came from it disputed; every version's values are below.`,
    ),
  );
  for (const d of list) {
    const spanId = asString(member(d, 'spanId')) ?? '?';
    const step = view.steps.find((s) => s.spanId === spanId);
    const what = spanId === rootSpanId ? 'the run span' : step ? `step ${step.stepId}` : 'a span';
    const paths = asArray(member(d, 'paths')).flatMap((p) => {
      const s = asString(p);
      return s === null ? [] : [s];
    });
    const variants = asArray(member(d, 'variants'));
    const more = asNumber(member(d, 'variantsOmitted')) ?? 0;
    const morePaths = asNumber(member(d, 'pathsOmitted')) ?? 0;
    const head = h(
      'tr',
      null,
      h('th', { scope: 'col' }, 'Fact'),
      ...variants.map((_, i) =>
        h('th', { scope: 'col' }, i === 0 ? 'Version shown' : `Version ${i + 1}`),
      ),
    );
    const rows = paths.map((p) =>
      h(
        'tr',
        null,
        h('th', { scope: 'row', class: 'mono' }, p),
        ...variants.map((v) => {
          const o = asObject(v);
          return h(
            'td',
            { class: 'mono' },
            o !== null && Object.hasOwn(o, p) ? JSON.stringify(o[p]) : '(absent)',
          );
        }),
      ),
    );
    box.append(
      h(
        'div',
        { class: 'table-frame' },
        h(
          'table',
          { class: 'data' },
          h(
            'caption',
            null,
            `Span ${spanId} (${what}): ${variants.length + more} versions${more > 0 ? `, ${more} not listed` : ''}${morePaths > 0 ? `; ${morePaths} more differing facts not listed` : ''}`,
          ),
          h('thead', null, head),
          h('tbody', null, ...rows),
        ),
      ),
    );
  }
  el.prepend(box);
}
