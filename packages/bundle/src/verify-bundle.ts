import { hash } from 'node:crypto';
import { verifyBundleWith, type VerifyResult } from './verify-bundle-with.js';

export type { VerifyProblem, VerifyResult } from './verify-bundle-with.js';

/**
 * Verifies a bundle offline: the text parses, has no duplicate members, its `integrity.sha256`
 * equals the sha256 of the RFC 8785 form of what its version hashes, and it matches the bundle
 * schema. Version 3 hashes the integrity view (no `integrity`, no `redactions`, every inline
 * content null), then checks that each content present hashes to its commitment
 * (`content_mismatch`) and that each listed redaction names a null content of its kind with a
 * commitment (`bad_redaction`). Versions 1 and 2 hash everything but `integrity`. Whitespace and
 * member order do not matter; any changed value does, content included. The checks are
 * {@link verifyBundleWith}'s, hashed with node:crypto.
 *
 * @example
 * const result = verifyBundle(await readFile('run.json', 'utf8'));
 * if (!result.ok) console.error(result.problems);
 */
export function verifyBundle(text: string): VerifyResult {
  return verifyBundleWith(text, sha256Hex);
}

/** One-shot `crypto.hash` (Node 20.12+): no Hash object per content, of which a bundle has thousands. */
const sha256Hex = (text: string): string => hash('sha256', text, 'hex');
