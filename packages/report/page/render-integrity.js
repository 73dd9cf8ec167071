// The integrity banner: the first thing on the page and impossible to miss when the check fails.

import { CONTENT_KINDS } from './commitments.js';
import { clear, h } from './dom.js';

/**
 * @typedef {import('./integrity.js').IntegrityResult} IntegrityResult
 * @typedef {{ code: string, path: string, message: string }} CheckProblem
 * @typedef {{ ok: boolean, sha256: string | null, problems: CheckProblem[],
 *   generator: string, generatedAt: string | null, source: string | null,
 *   schemaVersion: unknown }} RenderCheck
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
  'content_mismatch',
  'bad_redaction',
]);

/** How the redaction notice names each kind of content. */
const KIND_LABELS = /** @type {Record<string, [string, string]>} */ ({
  model_input: ['model input', 'model inputs'],
  model_output: ['model output', 'model outputs'],
  tool_arguments: ['tool call argument', 'tool call arguments'],
  tool_result: ['tool call result', 'tool call results'],
  artifact_content: ['artifact content', 'artifact contents'],
  artifact_patch: ['artifact patch', 'artifact patches'],
});

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
  document.body.classList.toggle(
    'is-unverified',
    state === 'mismatch' || state === 'invalid' || state === 'content-mismatch',
  );

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
        `The sealed commitments hash to integrity.sha256 (computed in this page with ${engine}), but content in the bundle does not match the sha256 committed beside it, or the list of redactions is wrong: something was edited after the run. Do not rely on what this report shows.`,
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
    const computed =
      result.state === 'verified' || result.state === 'content-mismatch'
        ? result.sha256
        : result.computed;
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
              ? `Intact, but not a valid version-${versionOf(check)} run bundle. When this report was rendered, `
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
          `The bundle also matched the run bundle schema, version ${versionOf(check)}, when this report was rendered.`,
        ),
      );
    }
  }
}

/**
 * The schema version the embedded bundle says it is in.
 * @param {RenderCheck} check
 */
function versionOf(check) {
  const v = check.schemaVersion;
  return typeof v === 'number' && Number.isInteger(v) ? String(v) : '?';
}

/**
 * Says what was redacted, by kind and count: the content is gone, its commitment still sealed.
 * @param {import('./commitments.js').Redaction[]} redactions
 */
function redactionNotice(redactions) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const r of redactions) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  /** @type {readonly string[]} */
  const kinds = CONTENT_KINDS;
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
