import { createHash } from 'node:crypto';
import { canonicalize } from './canonicalize.js';
import type { BundleIntegrity, RunBundle, UnsealedRunBundle } from './types.js';

/**
 * Computes the integrity member of a bundle: sha256 of the RFC 8785 form of the bundle without
 * its `integrity` member.
 *
 * @example
 * computeIntegrity(unsealed).sha256; // '3f1c…'
 */
export function computeIntegrity(bundle: UnsealedRunBundle | RunBundle): BundleIntegrity {
  const { integrity: _ignored, ...rest } = bundle as RunBundle;
  return {
    canonicalization: 'RFC8785',
    algorithm: 'sha256',
    sha256: createHash('sha256').update(canonicalize(rest), 'utf8').digest('hex'),
  };
}

/**
 * Seals a folded bundle with its integrity member.
 *
 * @example
 * const bundle = sealBundle(foldRun(spans));
 */
export function sealBundle(bundle: UnsealedRunBundle): RunBundle {
  return { ...bundle, integrity: computeIntegrity(bundle) };
}

/**
 * The exact bytes of a bundle file: its RFC 8785 form and a newline. The same run gives the same
 * bytes whichever way its trace travelled.
 *
 * @example
 * await writeFile(path, serializeBundle(bundle));
 */
export function serializeBundle(bundle: RunBundle): string {
  return `${canonicalize(bundle)}\n`;
}
