import { createHash } from 'node:crypto';
import { canonicalize } from './canonicalize.js';
import { findDuplicateKeys } from './duplicate-keys.js';
import { anyRunBundleSchema } from './schema.js';
import type { RunBundle } from './types.js';
import { upgradeBundle, type RunBundleV1 } from './upgrade-bundle.js';

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
    | 'schema';
  /** JSON pointer to the offending member ('' for the whole document). */
  path: string;
  message: string;
}

/** The result of {@link verifyBundle}. */
export type VerifyResult =
  | {
      ok: true;
      sha256: string;
      /** The bundle in the current model (a version 1 bundle is read through `upgradeBundle`). */
      bundle: RunBundle;
      /** The schema version the file was written in. */
      schemaVersion: 1 | 2;
    }
  | { ok: false; problems: VerifyProblem[]; sha256: string | null };

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Verifies a bundle offline: the text parses, has no duplicate members, its `integrity.sha256`
 * equals the sha256 of the RFC 8785 form of everything else, and it matches the bundle schema.
 * Whitespace and member order do not matter; any changed value does.
 *
 * @example
 * const result = verifyBundle(await readFile('run.json', 'utf8'));
 * if (!result.ok) console.error(result.problems);
 */
export function verifyBundle(text: string): VerifyResult {
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
  const { integrity, ...rest } = value as Record<string, unknown>;
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
    actual = createHash('sha256').update(canonicalize(rest), 'utf8').digest('hex');
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
  if (parsed.data.schemaVersion === 1) {
    return {
      ok: true,
      sha256: actual,
      bundle: upgradeBundle(value as RunBundleV1),
      schemaVersion: 1,
    };
  }
  return { ok: true, sha256: actual, bundle: value as RunBundle, schemaVersion: 2 };
}

function fail(problems: VerifyProblem[], sha256: string | null = null): VerifyResult {
  return { ok: false, problems, sha256 };
}
