import type { RunBundle } from '@llm-workbench/bundle';

/** The in-toto Statement v1 type. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** Our predicate type: a signer vouches for a run bundle (see docs/evidence.md). */
export const RUN_BUNDLE_PREDICATE_TYPE = 'https://llm-workbench.dev/attestation/run-bundle/v1';

/** Who signs: the application that recorded the run, or a receiver that folded it (a witness). */
export type SignerRole = 'app' | 'receiver' | 'operator';
export const SIGNER_ROLES: readonly SignerRole[] = ['app', 'receiver', 'operator'];

/** What the signer says of the bundle. */
export interface RunBundlePredicate {
  runId: string | null;
  traceId: string;
  schemaVersion: number;
  /** When it was signed, RFC 3339 UTC. */
  signedAt: string;
  signerRole: SignerRole;
}

/** An in-toto Statement v1 about one bundle file. */
export interface RunBundleStatement {
  _type: typeof STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof RUN_BUNDLE_PREDICATE_TYPE;
  predicate: RunBundlePredicate;
}

/**
 * The statement that a bundle file, by name and `integrity.sha256`, is vouched for.
 *
 * @example
 * bundleStatement(bundle, '4bf9….json', { role: 'app', signedAt: new Date() });
 */
export function bundleStatement(
  bundle: RunBundle,
  name: string,
  options: { role: SignerRole; signedAt: Date; schemaVersion?: number },
): RunBundleStatement {
  return {
    _type: STATEMENT_TYPE,
    predicate: {
      runId: bundle.run.runId,
      schemaVersion: options.schemaVersion ?? bundle.schemaVersion,
      signedAt: options.signedAt.toISOString(),
      signerRole: options.role,
      traceId: bundle.run.traceId,
    },
    predicateType: RUN_BUNDLE_PREDICATE_TYPE,
    subject: [{ digest: { sha256: bundle.integrity.sha256 }, name }],
  };
}
