// The page's own integrity check, in the order `workbench verify` makes it: the text parses, has
// no duplicate members, is an object with a well-formed integrity member, and the sha256 of the
// RFC 8785 form of its integrity view equals integrity.sha256: everything but `integrity` for
// schema versions 1 and 2; for version 3, the commitments without the content (see
// commitments.js), and then each content present must match its commitment. The schema check
// needs the bundle package, so the page shows the one made when the report was rendered.

import { canonicalize } from './canonicalize.js';
import { checkCommitments, integrityView, readRedactions } from './commitments.js';
import { findDuplicateKeys } from './duplicate-keys.js';
import { sha256Hex } from './sha256.js';

/**
 * @typedef {'webcrypto' | 'javascript'} DigestEngine
 * @typedef {{ code: string, path: string, message: string }} IntegrityProblem
 * @typedef {{ ok: true, value: unknown } | { ok: false, message: string }} ParsedText
 * @typedef {import('./commitments.js').Redaction} Redaction
 * @typedef {{ state: 'verified', sha256: string, engine: DigestEngine, redactions: Redaction[] }
 *   | { state: 'mismatch', expected: string, computed: string, engine: DigestEngine }
 *   | { state: 'content-mismatch', sha256: string, engine: DigestEngine, problems: IntegrityProblem[] }
 *   | { state: 'invalid', problems: IntegrityProblem[], computed: string | null, engine: DigestEngine | null }} IntegrityResult
 */

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Parses bundle text without throwing.
 *
 * @example
 * parseBundleText('{"a":1}'); // { ok: true, value: { a: 1 } }
 * @param {string} text
 * @returns {ParsedText}
 */
export function parseBundleText(text) {
  try {
    return { ok: true, value: /** @type {unknown} */ (JSON.parse(text)) };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * sha256 of the UTF-8 bytes of a string, with WebCrypto where the page has it and the built-in
 * JavaScript implementation where it does not (or where it fails).
 *
 * @example
 * await sha256Text('abc', crypto.subtle); // { hex: 'ba7816bf…', engine: 'webcrypto' }
 * @param {string} text
 * @param {SubtleCrypto | null | undefined} subtle
 * @returns {Promise<{ hex: string, engine: DigestEngine }>}
 */
export async function sha256Text(text, subtle) {
  const bytes = new TextEncoder().encode(text);
  if (subtle && typeof subtle.digest === 'function') {
    try {
      const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
      let hex = '';
      for (const b of digest) hex += b.toString(16).padStart(2, '0');
      return { hex, engine: 'webcrypto' };
    } catch {
      // Fall through to the JavaScript implementation.
    }
  }
  return { hex: sha256Hex(bytes), engine: 'javascript' };
}

/**
 * Checks a bundle's integrity from its text, as `workbench verify` does (without the schema).
 *
 * @example
 * const result = await checkIntegrity(text, parseBundleText(text), crypto.subtle);
 * if (result.state !== 'verified') showAlarm(result);
 * @param {string} text
 * @param {ParsedText} parsed
 * @param {SubtleCrypto | null | undefined} subtle
 * @returns {Promise<IntegrityResult>}
 */
export async function checkIntegrity(text, parsed, subtle) {
  if (!parsed.ok) {
    return invalid([{ code: 'not_json', path: '', message: `not JSON: ${parsed.message}` }]);
  }
  const duplicates = findDuplicateKeys(text);
  if (duplicates.length > 0) {
    return invalid(
      duplicates.map((path) => ({
        code: 'duplicate_key',
        path,
        message: `member ${path} appears more than once`,
      })),
    );
  }
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid([{ code: 'not_an_object', path: '', message: 'a bundle is a JSON object' }]);
  }
  const record = /** @type {Record<string, unknown>} */ (value);
  /** @type {IntegrityProblem[]} */
  const problems = [];
  const integrity = record['integrity'];
  let claimed = null;
  if (integrity === undefined) {
    problems.push({
      code: 'missing_integrity',
      path: '/integrity',
      message: 'the bundle has no integrity member',
    });
  } else if (typeof integrity !== 'object' || integrity === null || Array.isArray(integrity)) {
    problems.push({
      code: 'bad_integrity',
      path: '/integrity',
      message: 'integrity is not an object',
    });
  } else {
    const i = /** @type {Record<string, unknown>} */ (integrity);
    if (i['canonicalization'] !== 'RFC8785') {
      problems.push({
        code: 'bad_integrity',
        path: '/integrity/canonicalization',
        message: `canonicalization is ${JSON.stringify(i['canonicalization']) ?? 'missing'}, expected "RFC8785"`,
      });
    }
    if (i['algorithm'] !== 'sha256') {
      problems.push({
        code: 'bad_integrity',
        path: '/integrity/algorithm',
        message: `algorithm is ${JSON.stringify(i['algorithm']) ?? 'missing'}, expected "sha256"`,
      });
    }
    const sha = i['sha256'];
    if (typeof sha === 'string' && HEX64.test(sha)) claimed = sha;
    else {
      problems.push({
        code: 'bad_integrity',
        path: '/integrity/sha256',
        message: 'integrity.sha256 is not a lowercase sha256 hex digest',
      });
    }
  }
  // As the bundle package decides: versions 1 and 2 hash everything, any other the commitments.
  const v3 = record['schemaVersion'] !== 1 && record['schemaVersion'] !== 2;
  let canonical;
  try {
    canonical = v3 ? canonicalize(integrityView(record)) : canonicalize(record, 'integrity');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return invalid([...problems, { code: 'not_canonicalizable', path: '', message }]);
  }
  const { hex, engine } = await sha256Text(canonical, subtle);
  if (problems.length > 0 || claimed === null) {
    return { state: 'invalid', problems, computed: hex, engine };
  }
  if (claimed !== hex) return { state: 'mismatch', expected: claimed, computed: hex, engine };
  if (!v3) return { state: 'verified', sha256: hex, engine, redactions: [] };
  const contentProblems = await checkCommitments(
    record,
    async (t) => (await sha256Text(t, subtle)).hex,
  );
  if (contentProblems.length > 0) {
    return { state: 'content-mismatch', sha256: hex, engine, problems: contentProblems };
  }
  return { state: 'verified', sha256: hex, engine, redactions: readRedactions(record) };
}

/**
 * @param {IntegrityProblem[]} problems
 * @returns {IntegrityResult}
 */
function invalid(problems) {
  return { state: 'invalid', problems, computed: null, engine: null };
}
