// The integrity banner: the first thing on the page and impossible to miss when the check fails.

import { REDACTION_KINDS, type Redaction } from '@llm-workbench/bundle/browser';
import { clear, h } from './dom.js';
import type { IntegrityProblem, IntegrityResult } from './integrity.js';

/** What `workbench verify` found when the report was rendered, as the renderer embedded it. */
export interface RenderCheck {
  ok: boolean;
  sha256: string | null;
  problems: IntegrityProblem[];
  generator: string;
  generatedAt: string | null;
  source: string | null;
  schemaVersion: unknown;
}

/** How the redaction notice names each kind of content. */
const KIND_LABELS: Record<string, [string, string]> = {
  model_input: ['model input', 'model inputs'],
  model_output: ['model output', 'model outputs'],
  tool_arguments: ['tool call argument', 'tool call arguments'],
  tool_result: ['tool call result', 'tool call results'],
  artifact_content: ['artifact content', 'artifact contents'],
  artifact_patch: ['artifact patch', 'artifact patches'],
};

const ENGINE = 'the same checks as workbench verify (its own JavaScript SHA-256)';

/**
 * Shows the integrity state in `el`: checking, verified, changed, or not verifiable.
 *
 * @example
 * renderIntegrity(banner, checkIntegrity(text), check);
 * @param result null while the check runs
 * @param check what `workbench verify` found when the report was rendered
 */
export function renderIntegrity(
  el: HTMLElement,
  result: IntegrityResult | null,
  check: RenderCheck | null,
): void {
  clear(el);
  const state = result === null ? 'checking' : result.state;
  el.className = `integrity integrity--${state}`;
  document.documentElement.dataset['integrity'] = state;
  document.body.classList.toggle(
    'is-unverified',
    state === 'mismatch' || state === 'invalid' || state === 'content-mismatch',
  );

  if (result === null) {
    el.append(
      h('p', { class: 'integrity__title' }, icon('…'), 'Checking integrity'),
      h(
        'p',
        { class: 'integrity__text' },
        'Verifying the embedded bundle in this page, as workbench verify does.',
      ),
    );
    return;
  }
  if (result.state === 'verified') {
    el.append(
      h('p', { class: 'integrity__title' }, icon('✓'), 'Integrity verified'),
      h(
        'p',
        { class: 'integrity__text' },
        `The sha256 of this bundle's RFC 8785 form, computed in this page by ${ENGINE}, matches the integrity.sha256 it was sealed with, and it is a valid version-${result.schemaVersion} run bundle.`,
      ),
      hashList([['sha256', result.sha256]]),
    );
    if (result.redactions.length > 0) el.append(redactionNotice(result.redactions));
  } else if (result.state === 'content-mismatch') {
    el.append(
      h(
        'p',
        { class: 'integrity__title' },
        icon('✗'),
        'Integrity check failed: content does not match what was sealed',
      ),
      h(
        'p',
        { class: 'integrity__text' },
        `The sealed commitments hash to integrity.sha256 (computed in this page by ${ENGINE}), but content in the bundle does not match the sha256 committed beside it, or the list of redactions is wrong: something was edited after the run. Do not rely on what this report shows.`,
      ),
      problemList(result.problems),
      hashList([['sha256 of the commitments', result.sha256]]),
    );
  } else if (result.state === 'mismatch') {
    el.append(
      h(
        'p',
        { class: 'integrity__title' },
        icon('✗'),
        'Integrity check failed: this bundle was changed',
      ),
      h(
        'p',
        { class: 'integrity__text' },
        'Its content no longer hashes to the integrity.sha256 it was sealed with, so something in it was edited after the run. Do not rely on what this report shows.',
      ),
      hashList([
        ['Expected (integrity.sha256)', result.expected],
        ['Computed in this page', result.computed],
      ]),
    );
  } else if (result.intact) {
    el.append(
      h(
        'p',
        { class: 'integrity__title' },
        icon('✗'),
        `Intact, but not a valid version-${versionOf(check)} run bundle`,
      ),
      h(
        'p',
        { class: 'integrity__text' },
        'It hashes to the integrity.sha256 it was sealed with, but it does not match the run bundle schema, so workbench verify rejects it. What can be read of it is shown below as found.',
      ),
      problemList(result.problems),
    );
    if (result.computed !== null) el.append(hashList([['sha256', result.computed]]));
  } else {
    el.append(
      h('p', { class: 'integrity__title' }, icon('✗'), 'Not a verifiable run bundle'),
      h(
        'p',
        { class: 'integrity__text' },
        'The embedded file cannot be verified. What can be read of it is shown below as found; do not rely on it.',
      ),
      problemList(result.problems),
    );
    if (result.computed !== null) el.append(hashList([['Computed in this page', result.computed]]));
  }

  const computed =
    result.state === 'verified' || result.state === 'content-mismatch'
      ? result.sha256
      : result.computed;
  if (check?.sha256 != null && computed !== null && check.sha256 !== computed) {
    el.append(
      h(
        'p',
        { class: 'integrity__note' },
        'The embedded bundle is not the one this report was rendered from: when rendered, it hashed to ',
        h('code', null, check.sha256),
        '.',
      ),
    );
  }
}

/** The schema version the embedded bundle says it is in. */
function versionOf(check: RenderCheck | null): string {
  const v = check?.schemaVersion;
  return typeof v === 'number' && Number.isInteger(v) ? String(v) : '?';
}

/** Says what was redacted, by kind and count: the content is gone, its commitment still sealed. */
function redactionNotice(redactions: readonly Redaction[]): HTMLElement {
  const counts = new Map<string, number>();
  for (const r of redactions) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  const kinds: readonly string[] = REDACTION_KINDS;
  const order = [...kinds, ...[...counts.keys()].filter((k) => !kinds.includes(k))];
  const parts = order
    .filter((k) => counts.has(k))
    .map((k) => {
      const n = counts.get(k) ?? 0;
      const [one, many] = KIND_LABELS[k] ?? [k, k];
      return `${n} ${n === 1 ? one : many}`;
    });
  return h(
    'div',
    { class: 'integrity__redacted', 'data-redactions': String(redactions.length) },
    h(
      'p',
      null,
      h('strong', null, 'Redacted: '),
      `${parts.join(', ')}. This content was removed after the run was sealed; its sha256 commitment is still in the bundle and in its hash, so the bundle verifies, but what was removed cannot be shown.`,
    ),
  );
}

function icon(glyph: string): HTMLElement {
  return h('span', { class: 'integrity__icon', 'aria-hidden': 'true' }, glyph);
}

function hashList(rows: Array<[string, string]>): HTMLElement {
  return h(
    'dl',
    { class: 'integrity__hashes' },
    ...rows.flatMap(([label, value]) => [
      h('dt', null, label),
      h('dd', null, h('code', { class: 'hash' }, value)),
    ]),
  );
}

function problemList(problems: readonly IntegrityProblem[]): HTMLElement {
  const shown = problems.slice(0, 8);
  // The codes and paths as data too, for tools (and tests) that read the page.
  return h(
    'ul',
    { class: 'integrity__problems', 'data-problems': String(problems.length) },
    ...shown.map((p) =>
      h(
        'li',
        { 'data-code': p.code, 'data-path': p.path },
        h('code', null, p.code),
        p.path ? ' at ' : null,
        p.path ? h('code', null, p.path) : null,
        `: ${p.message}`,
      ),
    ),
    problems.length > shown.length
      ? h('li', null, `…and ${problems.length - shown.length} more`)
      : null,
  );
}
