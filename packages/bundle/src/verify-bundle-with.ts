import { canonicalize } from './canonicalize.js';
import { contentMembers, type ContentMember } from './content-members.js';
import { findDuplicateKeys } from './duplicate-keys.js';
import { integrityView } from './integrity-view.js';
import { anyRunBundleSchema } from './schema.js';
import type { Redaction, RunBundle } from './types.js';
import { upgradeBundle, type RunBundleV1, type RunBundleV2 } from './upgrade-bundle.js';

/** A problem found by {@link verifyBundle}: data, not an exception. */
export interface VerifyProblem {
  code:
    | 'not_json'
    | 'duplicate_key'
    | 'not_an_object'
    | 'missing_integrity'
    | 'bad_integrity'
    | 'not_canonicalizable'
    | 'hash_mismatch'
    | 'schema'
    | 'content_mismatch'
    | 'bad_redaction';
  /** JSON pointer to the offending member ('' for the whole document). */
  path: string;
  message: string;
}

/** The result of {@link verifyBundle}. */
export type VerifyResult =
  | {
      ok: true;
      sha256: string;
      /** The bundle in the current model (versions 1 and 2 are read through `upgradeBundle`). */
      bundle: RunBundle;
      /** The schema version the file was written in. */
      schemaVersion: 1 | 2 | 3;
      /**
       * Version 3: the content members redacted since sealing, as the file lists them ([] when
       * none). Absent for versions 1 and 2, which cannot be redacted.
       */
      redactions?: Redaction[];
    }
  | { ok: false; problems: VerifyProblem[]; sha256: string | null };

const HEX64 = /^[0-9a-f]{64}$/;

/** sha256 of a string's UTF-8 bytes, as lowercase hex: what {@link verifyBundleWith} hashes with. */
export type Sha256Hex = (text: string) => string;

/**
 * {@link verifyBundle} with the sha256 given rather than node:crypto's, so that a browser (the
 * report page) reaches exactly `workbench verify`'s verdict with the same code: the page passes
 * a JavaScript sha256; the CLI and libraries call `verifyBundle`.
 *
 * Verifies a bundle offline: the text parses, has no duplicate members, its `integrity.sha256`
 * equals the sha256 of the RFC 8785 form of what its version hashes, and it matches the bundle
 * schema. Version 3 hashes the integrity view (no `integrity`, no `redactions`, every inline
 * content null), then checks that each content present hashes to its commitment
 * (`content_mismatch`) and that each listed redaction names a null content of its kind with a
 * commitment (`bad_redaction`). Versions 1 and 2 hash everything but `integrity`. Whitespace and
 * member order do not matter; any changed value does, content included.
 *
 * @example
 * const result = verifyBundleWith(text, sha256HexInJavaScript);
 * if (!result.ok) showProblems(result.problems);
 */
export function verifyBundleWith(text: string, sha256Hex: Sha256Hex): VerifyResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail([{ code: 'not_json', path: '', message: `not JSON: ${(err as Error).message}` }]);
  }
  const dups = findDuplicateKeys(text);
  if (dups.length > 0) {
    return fail(
      dups.map((path) => ({
        code: 'duplicate_key',
        path,
        message: `member ${path} appears more than once`,
      })),
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail([{ code: 'not_an_object', path: '', message: 'a bundle is a JSON object' }]);
  }
  const { integrity, ...whole } = value as Record<string, unknown>;
  const v3 = whole.schemaVersion !== 1 && whole.schemaVersion !== 2;
  if (integrity === undefined) {
    return fail([
      {
        code: 'missing_integrity',
        path: '/integrity',
        message: 'the bundle has no integrity member',
      },
    ]);
  }
  const claimed: unknown =
    typeof integrity === 'object' && integrity !== null
      ? (integrity as Record<string, unknown>).sha256
      : undefined;
  const integrityProblems: VerifyProblem[] = [];
  if (typeof integrity !== 'object' || integrity === null) {
    integrityProblems.push({
      code: 'bad_integrity',
      path: '/integrity',
      message: 'integrity is not an object',
    });
  } else {
    const i = integrity as Record<string, unknown>;
    if (i.canonicalization !== 'RFC8785') {
      integrityProblems.push({
        code: 'bad_integrity',
        path: '/integrity/canonicalization',
        message: `canonicalization is ${JSON.stringify(i.canonicalization)}, expected "RFC8785"`,
      });
    }
    if (i.algorithm !== 'sha256') {
      integrityProblems.push({
        code: 'bad_integrity',
        path: '/integrity/algorithm',
        message: `algorithm is ${JSON.stringify(i.algorithm)}, expected "sha256"`,
      });
    }
    if (typeof claimed !== 'string' || !HEX64.test(claimed)) {
      integrityProblems.push({
        code: 'bad_integrity',
        path: '/integrity/sha256',
        message: 'integrity.sha256 is not a lowercase sha256 hex digest',
      });
    }
  }
  let actual: string;
  try {
    const hashed = v3 ? integrityView(whole) : whole;
    actual = sha256Hex(canonicalize(hashed));
  } catch (err) {
    return fail([
      ...integrityProblems,
      { code: 'not_canonicalizable', path: '', message: (err as Error).message },
    ]);
  }
  if (integrityProblems.length > 0) return fail(integrityProblems, actual);
  if (claimed !== actual) {
    return fail(
      [
        {
          code: 'hash_mismatch',
          path: '/integrity/sha256',
          message: `content hashes to ${actual}, but integrity.sha256 says ${String(claimed)}`,
        },
      ],
      actual,
    );
  }
  const parsed = anyRunBundleSchema.safeParse(value);
  if (!parsed.success) {
    return fail(
      parsed.error.issues.slice(0, 20).map((issue) => ({
        code: 'schema' as const,
        path: `/${issue.path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`,
        message: issue.message,
      })),
      actual,
    );
  }
  const { schemaVersion } = parsed.data;
  if (schemaVersion !== 3) {
    // The content and redaction checks below are version 3's; earlier versions are upgraded.
    return {
      ok: true,
      sha256: actual,
      bundle: upgradeBundle(value as RunBundleV1 | RunBundleV2),
      schemaVersion,
    };
  }
  const bundle = value as RunBundle;
  const problems = [...contentProblems(bundle, sha256Hex), ...redactionProblems(bundle)];
  if (problems.length > 0) return fail(problems, actual);
  return {
    ok: true,
    sha256: actual,
    bundle,
    schemaVersion: 3,
    redactions: bundle.redactions ?? [],
  };
}

/** Each content present must hash to the commitment beside it. */
function contentProblems(bundle: RunBundle, sha256Hex: Sha256Hex): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  for (const { path, holder, key, commitment } of contentMembers(bundle)) {
    const content = holder[key];
    if (typeof content !== 'string') continue;
    const committed = holder[commitment];
    if (typeof committed !== 'string') {
      problems.push({
        code: 'content_mismatch',
        path,
        message: `content is present but its commitment ${commitment} is null`,
      });
    } else {
      const hex = sha256Hex(content);
      if (hex === committed) continue;
      problems.push({
        code: 'content_mismatch',
        path,
        message: `content hashes to ${hex}, but its commitment ${commitment} says ${committed}`,
      });
    }
  }
  return problems;
}

/** Each listed redaction must name a null content of its kind whose commitment is kept. */
function redactionProblems(bundle: RunBundle): VerifyProblem[] {
  const redactions = bundle.redactions ?? [];
  if (redactions.length === 0) return [];
  const byPath = new Map<string, ContentMember>();
  for (const m of contentMembers(bundle)) byPath.set(m.path, m);
  const problems: VerifyProblem[] = [];
  redactions.forEach(({ path, kind }, i) => {
    const at = `/redactions/${i}`;
    const member = byPath.get(path);
    let why: string | null = null;
    if (member === undefined) why = `${JSON.stringify(path)} names no content member`;
    else if (member.kind !== kind) {
      why = `${JSON.stringify(path)} is ${member.kind} content, not ${kind}`;
    } else if (member.holder[member.key] !== null) {
      why = `${JSON.stringify(path)} is listed as redacted but holds content`;
    } else if (member.holder[member.commitment] === null) {
      why = `${JSON.stringify(path)} has no commitment (${member.commitment} is null), so nothing vouches for what was redacted`;
    }
    if (why !== null) problems.push({ code: 'bad_redaction', path: at, message: why });
  });
  return problems;
}

function fail(problems: VerifyProblem[], sha256: string | null = null): VerifyResult {
  return { ok: false, problems, sha256 };
}
