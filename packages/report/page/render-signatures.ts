// The signature banner, under the integrity banner: who vouched for this bundle, as checked in
// this page against the public keys embedded in it, and why not when not.

import { clear, h } from './dom.js';
import type { SignatureCheck, SignatureResult } from './signatures.js';
import type { IntegrityResult } from './integrity.js';

/** The banner's look for each state: green, red, amber, or plain. */
const TONE = {
  checking: 'checking',
  verified: 'verified',
  invalid: 'mismatch',
  'subject-mismatch': 'mismatch',
  unreadable: 'mismatch',
  untrusted: 'warn',
  unsigned: 'neutral',
} as const;

/**
 * Shows the signature state in `el`: checking, verified (by which trusted keys), invalid (a
 * signature names a trusted key that does not verify it: forged or damaged), untrusted (signed,
 * but by no key embedded in this page), subject mismatch (the envelope is another bundle's),
 * unreadable, or unsigned.
 *
 * @example
 * renderSignatures(banner, await checkSignatures(text, sha256, keys, crypto.subtle), integrity, 'run.dsse.json');
 * @param result null while the check runs
 * @param integrity the integrity check's result, once known
 * @param source the envelope's file name
 */
export function renderSignatures(
  el: HTMLElement,
  result: SignatureResult | null,
  integrity: IntegrityResult | null,
  source: string | null,
): void {
  clear(el);
  const state = result === null ? 'checking' : result.state;
  // A signature over a bundle that no longer matches its hash vouches for nothing shown here.
  const unbacked = state === 'verified' && integrity !== null && integrity.state !== 'verified';
  el.className = `integrity signatures integrity--${unbacked ? 'warn' : TONE[state]}`;
  el.dataset['state'] = state;
  document.documentElement.dataset['signatures'] = state;
  const from = source ? h('code', null, source) : 'the envelope';
  if (result === null) {
    el.append(title('…', 'Checking signatures'));
    return;
  }
  if (result.state === 'unsigned') {
    el.append(
      title('–', 'Unsigned'),
      text(
        'No signature envelope came with this bundle when the report was rendered. The integrity check proves the bundle is self-consistent; only a signature says who vouched for it (',
        h('code', null, 'workbench sign'),
        ', then ',
        h('code', null, 'workbench render --envelope'),
        ').',
      ),
    );
    return;
  }
  if (result.state === 'unreadable') {
    el.append(
      title('✗', 'Signature not verifiable'),
      text(from, ' cannot be checked: ', h('code', null, result.code), `: ${result.message}.`),
    );
    return;
  }
  if (result.state === 'subject-mismatch') {
    el.append(
      title('✗', 'Signature is for another bundle'),
      text(
        from,
        ` vouches for ${result.statement.subject.map((s) => `${s.name} (${s.sha256})`).join(', ')}, not for this bundle`,
        result.expected
          ? ` (integrity.sha256 ${result.expected})`
          : ' (it has no integrity.sha256)',
        '. It says nothing about this bundle.',
      ),
    );
    return;
  }
  const verified = result.signatures.filter((s) => s.status === 'verified');
  const engines = new Set(verified.map((s) => s.engine));
  const engine = engines.has('javascript')
    ? 'the built-in JavaScript Ed25519 (@noble/ed25519; this browser offers no WebCrypto Ed25519 here)'
    : 'WebCrypto Ed25519';
  if (result.state === 'verified') {
    el.append(
      title(
        '✓',
        `Signature verified by ${[...new Set(verified.map((s) => s.label ?? s.keyId))].join(', ')}`,
      ),
      text(
        `The envelope's in-toto statement names this bundle by its integrity.sha256, and its Ed25519 signature, checked in this page with ${engine}, was made by the private key of a public key trusted when this report was rendered.`,
      ),
    );
    if (unbacked) {
      el.append(
        h(
          'p',
          { class: 'integrity__schema' },
          'But the bundle does not verify against that integrity.sha256 (see above): the signature vouches for the sealed bundle, not for what this file holds now.',
        ),
      );
    }
  } else if (result.state === 'invalid') {
    el.append(
      title('✗', 'Signature invalid: forged or damaged'),
      text(
        'A signature names a trusted key, but that key does not verify it over this envelope: the signature or the statement was changed, or it was never made by that key. Do not rely on it.',
      ),
    );
  } else {
    el.append(
      title('?', 'Signed, but by no trusted key: untrusted'),
      text(
        result.trustedKeys === 0
          ? 'No public key was trusted when this report was rendered (workbench render --trust KEY.pub), so no signature can be checked: who signed is unknown.'
          : 'None of the signatures is by a public key trusted when this report was rendered: who signed is unknown.',
      ),
    );
  }
  el.append(
    h(
      'ul',
      { class: 'integrity__problems signatures__list' },
      ...result.signatures.map(signatureItem),
    ),
  );
  const s = result.statement;
  el.append(
    h(
      'p',
      { class: 'integrity__note' },
      `Statement: ${s.signerRole ?? '?'} signature`,
      s.signedAt ? ` at ${s.signedAt}` : '',
      s.runId ? `, run ${s.runId}` : '',
      `, subject ${s.subject.map((x) => x.name).join(', ')}`,
      source ? ` (from ${source})` : '',
      '. Trusted keys are embedded in this file: compare a key id with the one you were given, since whoever can edit this file can also change its keys.',
    ),
  );
  for (const w of result.warnings) el.append(h('p', { class: 'integrity__note' }, w));
}

/** @param s */
function signatureItem(s: SignatureCheck) {
  const status =
    s.status === 'verified'
      ? 'verified'
      : s.status === 'invalid'
        ? 'invalid (forged or damaged)'
        : 'untrusted (no key embedded for it)';
  return h(
    'li',
    { 'data-status': s.status },
    h('strong', null, status),
    s.label ? ` · ${s.label}` : '',
    ' · key id ',
    h('code', { class: 'hash' }, s.keyId || '(none)'),
  );
}
function title(glyph: string, words: string) {
  return h(
    'p',
    { class: 'integrity__title' },
    h('span', { class: 'integrity__icon', 'aria-hidden': 'true' }, glyph),
    words,
  );
}

/** @param parts */
function text(...parts: (Node | string)[]) {
  return h('p', { class: 'integrity__text' }, ...parts);
}
