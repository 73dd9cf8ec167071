import { createHash, randomUUID } from 'node:crypto';
import { canonicalize } from './canonicalize.js';
import { integrityView } from './integrity-view.js';
import type { BundleIntegrity, RunBundle, UnsealedRunBundle } from './types.js';

/**
 * The canonical members of each bundle sealed here, so that `serializeBundle` does not
 * canonicalize the same content a second time: sealing already wrote every member but
 * `integrity`, which is spliced in at its place in key order. Weak: it lives as long as the
 * bundle. It changes no result: a bundle whose members were replaced since sealing is
 * canonicalized afresh.
 */
const sealedMembers = new WeakMap<
  RunBundle,
  { canonical: CanonicalMembers; integrity: BundleIntegrity; sha256: string }
>();

/**
 * The RFC 8785 form of a bundle's members but `integrity`, in two parts: the members whose keys
 * sort before "integrity" (`artifacts`, `diagnostics`, `events` in a folded bundle) and those
 * after, each as the text of an object. Also the keys and values it was made from.
 */
interface CanonicalMembers {
  keys: string[];
  values: unknown[];
  head: string;
  tail: string;
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
  return integrityOf(canonicalMembers(hashed(bundle)));
}

/**
 * Seals a folded bundle with its integrity member (see `computeIntegrity`). Canonicalizes once
 * for both the hash and the file text `serializeBundle` writes.
 *
 * @example
 * const bundle = sealBundle(foldRun(spans));
 */
export function sealBundle(bundle: UnsealedRunBundle): RunBundle {
  const { canonical, integrity } = sealedForms(bundle);
  const sealed: RunBundle = { ...bundle, integrity };
  sealedMembers.set(sealed, { canonical, integrity, sha256: integrity.sha256 });
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
 * The file's canonical members and the integrity over the view. The view differs from the file
 * only where a content member is not null, so where there is none, one canonicalization is both.
 * Where there are some, the view is canonicalized with a unique placeholder string in place of
 * each content; the hashed text has `null` there and the file text the content's canonical form.
 * The placeholder holds a random nonce and an index; should a placeholder appear anywhere else
 * (or the content be absent rather than null), both forms are canonicalized apart.
 */
function sealedForms(bundle: UnsealedRunBundle): {
  canonical: CanonicalMembers;
  integrity: BundleIntegrity;
} {
  const { integrity: _ignored, ...whole } = bundle as unknown as Record<string, unknown>;
  if (hashesEverything(bundle)) {
    const canonical = canonicalMembers(whole);
    return { canonical, integrity: integrityOf(canonical) };
  }
  const nonce = randomUUID();
  const contents: unknown[] = [];
  let absent = false;
  const view = integrityView(whole, (_member, value) => {
    if (value === undefined) absent = true;
    contents.push(value);
    return `${nonce}:${contents.length - 1}`;
  });
  if (contents.length === 0) {
    const canonical = canonicalMembers(view);
    return { canonical, integrity: integrityOf(canonical) };
  }
  try {
    if (!absent) {
      const spliced = splice(canonicalMembers(view), nonce, contents);
      if (spliced !== null) {
        const { integrity, file } = spliced;
        // The cache compares the bundle's own members, not the view's copies.
        file.values = file.keys.map((key) => whole[key]);
        return { canonical: file, integrity };
      }
    }
    const viewed = canonicalMembers(integrityView(whole));
    return { canonical: canonicalMembers(whole), integrity: integrityOf(viewed) };
  } catch (error) {
    canonicalize(whole); // throws the error with its path from the root of the bundle
    throw error;
  }
}

/**
 * The view's text with placeholders as `null` (hashed) and as the contents (the file), or null
 * when a placeholder is not found exactly once. One indexOf scan per part; the hash is fed the
 * pieces between placeholders, and the file text joined once.
 */
function splice(
  members: CanonicalMembers,
  nonce: string,
  contents: readonly unknown[],
): { integrity: BundleIntegrity; file: CanonicalMembers } | null {
  const seen = new Uint8Array(contents.length);
  let found = 0;
  const marker = `"${nonce}:`;
  const scan = (text: string): { between: string[]; file: string } | null => {
    const between: string[] = [];
    const parts: string[] = [];
    let from = 0;
    for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, from)) {
      const close = text.indexOf('"', at + marker.length);
      const i = Number(text.slice(at + marker.length, close));
      if (!Number.isInteger(i) || i < 0 || i >= contents.length || seen[i] === 1) return null;
      seen[i] = 1;
      found++;
      const piece = text.slice(from, at);
      between.push(piece);
      parts.push(piece, contentText(contents[i]));
      from = close + 1;
    }
    const last = text.slice(from);
    between.push(last);
    parts.push(last);
    return { between, file: parts.join('') };
  };
  const head = scan(members.head);
  const tail = head === null ? null : scan(members.tail);
  if (head === null || tail === null || found !== contents.length) return null;
  // The hashed text: head's and tail's members as one object (see integrityOf), null in place
  // of each placeholder, fed piece by piece.
  const viewHead = head.between;
  const viewTail = tail.between;
  viewHead[viewHead.length - 1] = viewHead.at(-1)!.slice(0, -1); // without head's '}'
  viewTail[0] = viewTail[0]!.slice(1); // without tail's '{'
  const emptyHead = viewHead.length === 1 && viewHead[0] === '{';
  const emptyTail = viewTail.length === 1 && viewTail[0] === '}';
  const hash = createHash('sha256');
  const feed = (pieces: readonly string[]): void => {
    for (let n = 0; n < pieces.length; n++) {
      if (n > 0) hash.update('null', 'utf8');
      hash.update(pieces[n]!, 'utf8');
    }
  };
  if (emptyHead) {
    hash.update('{', 'utf8');
    feed(viewTail);
  } else if (emptyTail) {
    feed(viewHead);
    hash.update('}', 'utf8');
  } else {
    feed(viewHead);
    hash.update(',', 'utf8');
    feed(viewTail);
  }
  const { keys, values } = members;
  return {
    integrity: { algorithm: 'sha256', canonicalization: 'RFC8785', sha256: hash.digest('hex') },
    file: { keys, values, head: head.file, tail: tail.file },
  };
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
  const known = sealedMembers.get(bundle);
  if (known !== undefined) {
    if (sameMembers(bundle, known.canonical, known.integrity, known.sha256)) {
      try {
        return fileText(known.canonical, known.integrity);
      } catch {
        // Too long for a string: canonicalize below says so as it always has.
      }
    }
  }
  return `${canonicalize(bundle)}\n`;
}

function sameMembers(
  bundle: RunBundle,
  { keys, values }: CanonicalMembers,
  integrity: BundleIntegrity,
  sha256: string,
): boolean {
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

/**
 * Members (never `integrity`) in RFC 8785 form, as those before and after where `integrity`
 * goes, so that the sealed text is two slices and the integrity member. The parts are
 * canonicalized as objects of their own, with the same nesting as in the whole; on any failure
 * the whole is canonicalized, for the error it has always given.
 */
function canonicalMembers(record: Record<string, unknown>): CanonicalMembers {
  try {
    const keys = Object.keys(record).sort(); // UTF-16 code unit order, as RFC 8785 sorts
    const values = keys.map((key) => record[key]);
    let split = 0;
    while (split < keys.length && keys[split]! < 'integrity') split++;
    // fromEntries defines data properties: a `__proto__` key stays a key.
    const head = canonicalize(
      Object.fromEntries(keys.slice(0, split).map((k, i) => [k, values[i]])),
    );
    const tail = canonicalize(
      Object.fromEntries(keys.slice(split).map((k, i) => [k, values[split + i]])),
    );
    return { keys, values, head, tail };
  } catch (error) {
    canonicalize(record); // throws the error with its path from the root
    throw error;
  }
}

/** The members of two object texts, with one more member between them, as object innards. */
function joinMembers(head: string, middle: string | null, tail: string): string {
  let out = head.slice(1, -1);
  if (middle !== null) out = out === '' ? middle : `${out},${middle}`;
  const rest = tail.slice(1, -1);
  return rest === '' ? out : out === '' ? rest : `${out},${rest}`;
}

/** The integrity member: sha256 of `{head members,tail members}`, hashed piece by piece. */
function integrityOf({ head, tail }: CanonicalMembers): BundleIntegrity {
  const hash = createHash('sha256');
  const before = head.slice(0, -1); // '{' and the members, without the closing brace
  const after = tail.slice(1); // the members and '}', without the opening brace
  if (before === '{') hash.update(tail, 'utf8');
  else if (after === '}') hash.update(head, 'utf8');
  else hash.update(before, 'utf8').update(',', 'utf8').update(after, 'utf8');
  return { algorithm: 'sha256', canonicalization: 'RFC8785', sha256: hash.digest('hex') };
}

/** The canonical text of the sealed bundle: `integrity` spliced in at its place in key order. */
function fileText({ head, tail }: CanonicalMembers, integrity: BundleIntegrity): string {
  return `{${joinMembers(head, `"integrity":${canonicalize(integrity)}`, tail)}}\n`;
}
