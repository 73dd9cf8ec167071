// The integrity banner: the first thing on the page and impossible to miss when the check fails.

import { clear, h } from './dom.js';

/**
 * @typedef {import('./integrity.js').IntegrityResult} IntegrityResult
 * @typedef {{ code: string, path: string, message: string }} CheckProblem
 * @typedef {{ ok: boolean, sha256: string | null, problems: CheckProblem[],
 *   generator: string, generatedAt: string | null, source: string | null }} RenderCheck
 */

/** Problems the page finds itself; the render-time check adds only what it cannot (the schema). */
const PAGE_CODES = new Set([
  'not_json',
  'duplicate_key',
  'not_an_object',
  'missing_integrity',
  'bad_integrity',
  'not_canonicalizable',
  'hash_mismatch',
]);

/**
 * Shows the integrity state in `el`: checking, verified, changed, or not verifiable.
 *
 * @example
 * renderIntegrity(banner, await checkIntegrity(text, parsed, crypto.subtle), check);
 * @param {HTMLElement} el
 * @param {IntegrityResult | null} result null while the check runs
 * @param {RenderCheck | null} check what `workbench verify` found when the report was rendered
 * @returns {void}
 */
export function renderIntegrity(el, result, check) {
  clear(el);
  const state = result === null ? 'checking' : result.state;
  el.className = `integrity integrity--${state}`;
  document.documentElement.dataset['integrity'] = state;
  document.body.classList.toggle('is-unverified', state === 'mismatch' || state === 'invalid');

  if (result === null) {
    el.append(
      h(
        'p',
        { class: 'integrity__title' },
        h('span', { class: 'integrity__icon', 'aria-hidden': 'true' }, '…'),
        'Checking integrity',
      ),
      h(
        'p',
        { class: 'integrity__text' },
        'Computing the sha256 of the embedded bundle in this page.',
      ),
    );
    return;
  }
  const engine =
    'engine' in result && result.engine === 'javascript'
      ? 'the built-in JavaScript SHA-256 (this browser offers no WebCrypto here)'
      : 'WebCrypto';
  if (result.state === 'verified') {
    el.append(
      h('p', { class: 'integrity__title' }, icon('✓'), 'Integrity verified'),
      h(
        'p',
        { class: 'integrity__text' },
        `The sha256 of this bundle's RFC 8785 form, computed in this page with ${engine}, matches the integrity.sha256 it was sealed with.`,
      ),
      hashList([['sha256', result.sha256]]),
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
        [
          `Computed in this page (${result.engine === 'javascript' ? 'JavaScript' : 'WebCrypto'})`,
          result.computed,
        ],
      ]),
    );
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

  if (check) {
    const computed = result.state === 'verified' ? result.sha256 : result.computed;
    if (check.sha256 !== null && computed !== null && check.sha256 !== computed) {
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
    const schema = check.problems.filter((p) => !PAGE_CODES.has(p.code));
    if (schema.length > 0) {
      el.append(
        h(
          'div',
          { class: 'integrity__schema' },
          h(
            'p',
            null,
            result.state === 'verified'
              ? 'Intact, but not a valid version-1 run bundle. When this report was rendered, '
              : 'When this report was rendered, ',
            h('code', null, 'workbench verify'),
            ` also found ${schema.length === 1 ? 'this schema problem' : 'these schema problems'}:`,
          ),
          problemList(schema),
        ),
      );
    } else if (check.ok && result.state === 'verified') {
      el.append(
        h(
          'p',
          { class: 'integrity__note' },
          'The bundle also matched the run bundle schema, version 1, when this report was rendered.',
        ),
      );
    }
  }
}

/** @param {string} glyph */
function icon(glyph) {
  return h('span', { class: 'integrity__icon', 'aria-hidden': 'true' }, glyph);
}

/** @param {Array<[string, string]>} rows */
function hashList(rows) {
  return h(
    'dl',
    { class: 'integrity__hashes' },
    ...rows.flatMap(([label, value]) => [
      h('dt', null, label),
      h('dd', null, h('code', { class: 'hash' }, value)),
    ]),
  );
}

/** @param {CheckProblem[]} problems */
function problemList(problems) {
  const shown = problems.slice(0, 8);
  return h(
    'ul',
    { class: 'integrity__problems' },
    ...shown.map((p) =>
      h(
        'li',
        null,
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
