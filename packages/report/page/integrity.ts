// The page's integrity verdict: `workbench verify`'s own checks (@llm-workbench/bundle's
// verifyBundleWith: parse, duplicate members, integrity member, RFC 8785 hash of what the
// version seals, schema, content commitments, redactions), run here on the embedded text with
// the page's JavaScript SHA-256. So the page and the CLI reach the same verdict on every input.

import {
  verifyBundleWith,
  type Redaction,
  type VerifyProblem,
  type VerifyResult,
} from '@llm-workbench/bundle/browser';
import { sha256Hex } from './sha256.js';

/** A problem as the banner lists it. */
export interface IntegrityProblem {
  code: string;
  path: string;
  message: string;
}

/** The page's verdict, as the integrity banner shows it. */
export type IntegrityResult =
  | { state: 'verified'; sha256: string; schemaVersion: 1 | 2 | 3; redactions: Redaction[] }
  | { state: 'mismatch'; expected: string; computed: string }
  | { state: 'content-mismatch'; sha256: string; problems: IntegrityProblem[] }
  | {
      state: 'invalid';
      problems: IntegrityProblem[];
      computed: string | null;
      /** The hash matched and only the schema failed: intact, but not a valid bundle. */
      intact: boolean;
    };

const encoder = new TextEncoder();

/**
 * sha256 of a string's UTF-8 bytes as lowercase hex, in JavaScript: synchronous, as
 * verifyBundleWith needs, and there where WebCrypto is not (pages opened from file:// are not a
 * secure context in every browser).
 *
 * @example
 * sha256OfText('abc'); // 'ba7816bf…'
 */
export function sha256OfText(text: string): string {
  return sha256Hex(encoder.encode(text));
}

/**
 * Checks a bundle's text as `workbench verify` does, and says what the banner shows.
 *
 * @example
 * const result = checkIntegrity(text);
 * if (result.state !== 'verified') showAlarm(result);
 */
export function checkIntegrity(text: string): IntegrityResult {
  return integrityResultOf(verifyBundleWith(text, sha256OfText), text);
}

/**
 * The banner's reading of a verify result: a hash mismatch, content that does not match its
 * commitment (or a wrong redaction list), or anything else that makes the text no verifiable
 * bundle.
 *
 * @example
 * integrityResultOf(verifyBundleWith(text, sha256OfText), text).state; // 'verified'
 */
export function integrityResultOf(result: VerifyResult, text: string): IntegrityResult {
  if (result.ok) {
    return {
      state: 'verified',
      sha256: result.sha256,
      schemaVersion: result.schemaVersion,
      redactions: result.redactions ?? [],
    };
  }
  const problems = result.problems.map(plain);
  if (result.sha256 !== null && problems.some((p) => p.code === 'hash_mismatch')) {
    return { state: 'mismatch', expected: claimedSha256(text), computed: result.sha256 };
  }
  if (result.sha256 !== null && problems.every((p) => CONTENT_CODES.has(p.code))) {
    return { state: 'content-mismatch', sha256: result.sha256, problems };
  }
  return {
    state: 'invalid',
    problems,
    computed: result.sha256,
    intact: problems.every((p) => p.code === 'schema'),
  };
}

const CONTENT_CODES: ReadonlySet<string> = new Set(['content_mismatch', 'bad_redaction']);

function plain({ code, path, message }: VerifyProblem): IntegrityProblem {
  return { code, path, message };
}

/** integrity.sha256 as the text claims it (verify checked it is a sha256 hex digest). */
function claimedSha256(text: string): string {
  try {
    const claimed = (JSON.parse(text) as { integrity?: { sha256?: unknown } }).integrity?.sha256;
    return typeof claimed === 'string' ? claimed : '';
  } catch {
    return '';
  }
}

/** Bundle text parsed, or why it is not JSON. */
export type ParsedText = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Parses bundle text without throwing, for the sections that show what can be read of it.
 *
 * @example
 * parseBundleText('{"a":1}'); // { ok: true, value: { a: 1 } }
 */
export function parseBundleText(text: string): ParsedText {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
