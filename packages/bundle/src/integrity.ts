import { createHash } from 'node:crypto';
import { canonicalize } from './canonicalize.js';
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
 * The RFC 8785 form of a bundle without `integrity`, in two parts: the members whose keys sort
 * before "integrity" (`artifacts`, `diagnostics`, `events` in a folded bundle) and those after,
 * each as the text of an object. Also the keys and values it was made from.
 */
interface CanonicalMembers {
  keys: string[];
  values: unknown[];
  head: string;
  tail: string;
}

/**
 * Computes the integrity member of a bundle: sha256 of the RFC 8785 form of the bundle without
 * its `integrity` member.
 *
 * @example
 * computeIntegrity(unsealed).sha256; // '3f1c…'
 */
export function computeIntegrity(bundle: UnsealedRunBundle | RunBundle): BundleIntegrity {
  return integrityOf(canonicalMembers(bundle));
}

/**
 * Seals a folded bundle with its integrity member.
 *
 * @example
 * const bundle = sealBundle(foldRun(spans));
 */
export function sealBundle(bundle: UnsealedRunBundle): RunBundle {
  const canonical = canonicalMembers(bundle);
  const integrity = integrityOf(canonical);
  const sealed: RunBundle = { ...bundle, integrity };
  sealedMembers.set(sealed, { canonical, integrity, sha256: integrity.sha256 });
  return sealed;
}

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
 * The bundle but `integrity` in RFC 8785 form, as the members before and after where `integrity`
 * goes, so that the sealed text is two slices and the integrity member. The parts are
 * canonicalized as objects of their own, with the same nesting as in the whole; on any failure
 * the whole is canonicalized, for the error it has always given.
 */
function canonicalMembers(bundle: UnsealedRunBundle | RunBundle): CanonicalMembers {
  const { integrity: _ignored, ...rest } = bundle as RunBundle;
  const record = rest as Record<string, unknown>;
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
