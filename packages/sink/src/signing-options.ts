import { SIGNER_ROLES, SigningKey, type SignerRole } from '@llm-workbench/evidence';

/**
 * A sink's signing options, checked at construction: the role (default `app`) and the key, which
 * must be a {@link SigningKey}. Errors name the component, never the value given as a key (it may
 * well be the key's PEM text).
 *
 * @example
 * const { signerRole, signingKey } = resolveSigningOptions('FileBundleSink', options);
 */
export function resolveSigningOptions(
  component: string,
  options: { signerRole?: SignerRole | undefined; signingKey?: SigningKey | undefined },
): { signerRole: SignerRole; signingKey: SigningKey | undefined } {
  const signerRole = options.signerRole ?? 'app';
  if (!SIGNER_ROLES.includes(signerRole)) {
    throw new TypeError(
      `${component}: signerRole must be one of ${SIGNER_ROLES.join(', ')}, got ${JSON.stringify(String(options.signerRole).slice(0, 64))}`,
    );
  }
  if (options.signingKey !== undefined && !(options.signingKey instanceof SigningKey)) {
    throw new TypeError(
      `${component}: signingKey must be a SigningKey (read one with loadSigningKey from @llm-workbench/evidence)`,
    );
  }
  return { signerRole, signingKey: options.signingKey };
}
