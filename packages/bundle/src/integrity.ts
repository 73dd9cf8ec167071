import { createHash, randomUUID, type Hash } from 'node:crypto';
import { canonicalize } from './canonicalize.js';
import { integrityView } from './integrity-view.js';
import type { BundleIntegrity, RunBundle, UnsealedRunBundle } from './types.js';

/**
 * The file text of each bundle sealed here, so that `serializeBundle` does not canonicalize the
 * same content a second time, with the members it was made from. Weak: it lives as long as the
 * bundle. It changes no result: a bundle whose members were replaced since sealing is
 * canonicalized afresh.
 */
const sealedTexts = new WeakMap<RunBundle, SealedText>();

/** A sealed bundle's file text (canonical JSON and a newline) and what it was made from. */
interface SealedText {
  /** The bundle's members but `integrity`, and their values. */
  keys: string[];
  values: unknown[];
  integrity: BundleIntegrity;
  sha256: string;
  /** Undefined when too long for a string. */
  text: string | undefined;
}

/**
 * Computes the integrity member of a bundle: sha256 of the RFC 8785 form of its integrity view
 * (version 3: without `integrity` and `redactions`, every inline content set to null; see
 * `integrityView`). A bundle of schema version 1 or 2 is hashed by its own rule: everything but
 * `integrity`.
 *
 * @example
 * computeIntegrity(unsealed).sha256; // '3f1c…'
 */
export function computeIntegrity(bundle: UnsealedRunBundle | RunBundle): BundleIntegrity {
  return integrityWith(createHash('sha256').update(canonicalize(hashed(bundle)), 'utf8'));
}

/**
 * Seals a folded bundle with its integrity member (see `computeIntegrity`). Canonicalizes once
 * for both the hash and the file text `serializeBundle` writes.
 *
 * @example
 * const bundle = sealBundle(foldRun(spans));
 */
export function sealBundle(bundle: UnsealedRunBundle): RunBundle {
  const { integrity: _ignored, ...whole } = bundle as unknown as Record<string, unknown>;
  const { integrity, text } = sealedForms(bundle, whole);
  const sealed: RunBundle = { ...bundle, integrity };
  const keys = Object.keys(whole);
  const values = keys.map((key) => whole[key]);
  sealedTexts.set(sealed, { keys, values, integrity, sha256: integrity.sha256, text });
  return sealed;
}

/** True for a bundle whose version hashed everything but `integrity` (1 and 2). */
function hashesEverything(bundle: object): boolean {
  const version = (bundle as { schemaVersion?: unknown }).schemaVersion;
  return version === 1 || version === 2;
}

/** The members the hash covers, as an object without `integrity`. */
function hashed(bundle: object): Record<string, unknown> {
  if (hashesEverything(bundle)) {
    const { integrity: _ignored, ...rest } = bundle as Record<string, unknown>;
    return rest;
  }
  return integrityView(bundle);
}

/**
 * The integrity over the view and the file text, from one canonicalization: of the view with a
 * placeholder string as `integrity` (at its place in key order) and in place of each content
 * that is not null. The hashed text is that text without the integrity member and with `null`
 * for each content; the file text has the integrity member and each content's canonical form.
 * The placeholders hold a random nonce and an index; should one appear anywhere else (or a
 * content be absent rather than null), the view and the file are canonicalized apart.
 */
function sealedForms(
  bundle: UnsealedRunBundle,
  whole: Record<string, unknown>,
): { integrity: BundleIntegrity; text: string | undefined } {
  const nonce = randomUUID();
  const contents: unknown[] = [];
  let absent = false;
  const view = hashesEverything(bundle)
    ? whole
    : integrityView(whole, (_member, value) => {
        if (value === undefined) absent = true;
        contents.push(value);
        return `${nonce}:${contents.length - 1}`;
      });
  try {
    if (!absent) {
      const text = canonicalize(withIntegrity(view, `${nonce}:i`));
      const spliced = splice(text, nonce, contents);
      if (spliced !== null) return spliced;
    }
    const integrity = computeIntegrity(bundle);
    return { integrity, text: `${canonicalize({ ...whole, integrity })}\n` };
  } catch (error) {
    canonicalize(whole); // throws the error with its path from the root of the bundle
    throw error;
  }
}

/** `record` with an `integrity` member before the first key that sorts after it. */
function withIntegrity(record: Record<string, unknown>, value: unknown): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  let placed = false;
  for (const key of Object.keys(record)) {
    if (!placed && key > 'integrity') {
      entries.push(['integrity', value]);
      placed = true;
    }
    entries.push([key, record[key]]);
  }
  if (!placed) entries.push(['integrity', value]);
  // fromEntries defines data properties: a `__proto__` key stays a key.
  return Object.fromEntries(entries);
}

const INTEGRITY_MEMBER = '"integrity":';

/**
 * From the canonical text of the view with placeholders: the integrity (sha256 of the text
 * without the integrity member, `null` in place of each content) and the file text (the
 * integrity member and each content's canonical form in place, and a newline). Null when a
 * placeholder is not found exactly once, or the integrity placeholder is not a member's value.
 */
function splice(
  text: string,
  nonce: string,
  contents: readonly unknown[],
): { integrity: BundleIntegrity; text: string | undefined } | null {
  const marker = `"${nonce}:`;
  const seen = new Uint8Array(contents.length);
  const pieces: string[] = []; // the text between placeholders
  const slots: number[] = []; // what each placeholder stands for: a content's index, or -1
  let integrityAt = -1;
  let from = 0;
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, from)) {
    const close = text.indexOf('"', at + marker.length);
    const id = text.slice(at + marker.length, close);
    let slot = -1;
    if (id === 'i') {
      if (integrityAt !== -1) return null;
      integrityAt = slots.length;
    } else {
      slot = Number(id);
      if (!(slot >= 0 && slot < contents.length && String(slot) === id) || seen[slot] === 1) {
        return null;
      }
      seen[slot] = 1;
    }
    pieces.push(text.slice(from, at));
    slots.push(slot);
    from = close + 1;
  }
  pieces.push(text.slice(from));
  if (integrityAt === -1 || slots.length !== contents.length + 1) return null;

  // The hashed text: without `"integrity":…` and one comma beside it, `null` for each content.
  const before = pieces[integrityAt]!;
  const after = pieces[integrityAt + 1]!;
  if (!before.endsWith(INTEGRITY_MEMBER)) return null;
  const opening = before.at(-INTEGRITY_MEMBER.length - 1);
  const hashedBefore = before.slice(0, -INTEGRITY_MEMBER.length - (opening === ',' ? 1 : 0));
  const hashedAfter = opening === '{' && after.startsWith(',') ? after.slice(1) : after;
  const hashedParts: string[] = [];
  for (let k = 0; k < pieces.length; k++) {
    hashedParts.push(
      k === integrityAt ? hashedBefore : k === integrityAt + 1 ? hashedAfter : pieces[k]!,
    );
    if (k < slots.length && slots[k]! >= 0) hashedParts.push('null');
  }
  const hash = createHash('sha256');
  // A few pieces go to the hash one by one; many (one per content) cost less joined first.
  if (hashedParts.length <= 8) for (const part of hashedParts) hash.update(part, 'utf8');
  else hash.update(hashedParts.join(''), 'utf8');
  const integrity = integrityWith(hash);

  // As canonicalize(integrity) writes it: keys in order, the digest is lowercase hex.
  const integrityText = `{"algorithm":"sha256","canonicalization":"RFC8785","sha256":"${integrity.sha256}"}`;
  const fileParts: string[] = [];
  for (let k = 0; k < pieces.length; k++) {
    fileParts.push(pieces[k]!);
    if (k < slots.length) {
      const slot = slots[k]!;
      fileParts.push(slot === -1 ? integrityText : contentText(contents[slot]));
    }
  }
  fileParts.push('\n');
  try {
    return { integrity, text: fileParts.join('') };
  } catch {
    // Too long for a string: serializeBundle's canonicalize says so, as it always has.
    return { integrity, text: undefined };
  }
}

function integrityWith(hash: Hash): BundleIntegrity {
  return { algorithm: 'sha256', canonicalization: 'RFC8785', sha256: hash.digest('hex') };
}

/** The canonical text of one content: a string's JSON form, validated; anything else in full. */
function contentText(value: unknown): string {
  return typeof value === 'string' && isWellFormedString(value)
    ? JSON.stringify(value)
    : canonicalize(value);
}

const isWellFormedString = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * The exact bytes of a bundle file: its RFC 8785 form and a newline. The same run gives the same
 * bytes whichever way its trace travelled. The text of a bundle from `sealBundle` is the one
 * sealing computed, as long as its members are the same objects: change a sealed bundle by
 * replacing members (`{ ...bundle, run }`), not by editing them in place.
 *
 * @example
 * await writeFile(path, serializeBundle(bundle));
 */
export function serializeBundle(bundle: RunBundle): string {
  const known = sealedTexts.get(bundle);
  if (known?.text !== undefined && sameMembers(bundle, known)) return known.text;
  return `${canonicalize(bundle)}\n`;
}

function sameMembers(bundle: RunBundle, { keys, values, integrity, sha256 }: SealedText): boolean {
  const record = bundle as unknown as Record<string, unknown>;
  const now = bundle.integrity as unknown;
  if (
    now !== integrity ||
    integrity.canonicalization !== 'RFC8785' ||
    integrity.algorithm !== 'sha256' ||
    integrity.sha256 !== sha256 ||
    Object.keys(integrity).length !== 3 ||
    Object.keys(record).length !== keys.length + 1
  ) {
    return false;
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!Object.hasOwn(record, key) || record[key] !== values[i]) return false;
  }
  return true;
}
