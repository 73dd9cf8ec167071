import type { RunBundle } from '@llm-workbench/bundle';
import { dsseSignature, signJson, type DsseEnvelope } from './dsse.js';
import type { SigningKey } from './keys.js';
import { bundleStatement, IN_TOTO_PAYLOAD_TYPE, type SignerRole } from './statement.js';

/** The envelope's file name beside a bundle: `X.json` → `X.dsse.json`. */
export function envelopeNameFor(bundleName: string): string {
  return bundleName.endsWith('.json')
    ? `${bundleName.slice(0, -'.json'.length)}.dsse.json`
    : `${bundleName}.dsse.json`;
}

/**
 * A DSSE envelope whose payload is the in-toto statement (RFC 8785 text) that the bundle named
 * `name` is vouched for by `key`, in `role`.
 *
 * @example
 * const envelope = signBundle(bundle, 'run.json', key, { role: 'app' });
 * writeFileSync('run.dsse.json', serializeEnvelope(envelope));
 */
export function signBundle(
  bundle: RunBundle,
  name: string,
  key: SigningKey,
  options: {
    role: SignerRole;
    signedAt?: Date;
    /**
     * The schema version the bundle's file was written in, when it was read through
     * `upgradeBundle` (`verifyBundle`'s `schemaVersion`). Default: the bundle's own.
     */
    schemaVersion?: number;
  },
): DsseEnvelope {
  const statement = bundleStatement(bundle, name, {
    role: options.role,
    signedAt: options.signedAt ?? new Date(),
    ...(options.schemaVersion === undefined ? {} : { schemaVersion: options.schemaVersion }),
  });
  return signJson(IN_TOTO_PAYLOAD_TYPE, statement, key);
}

/**
 * The envelope with `key`'s signature over the same payload added (a witness countersigning), or
 * the envelope itself when that key signed it already.
 */
export function addSignature(envelope: DsseEnvelope, key: SigningKey): DsseEnvelope {
  if (envelope.signatures.some((s) => s.keyid === key.keyId)) return envelope;
  const payload = Buffer.from(envelope.payload, 'base64');
  return {
    ...envelope,
    signatures: [...envelope.signatures, dsseSignature(key, envelope.payloadType, payload)],
  };
}

/** The envelope file's text: indented JSON and a newline (signatures cover the payload bytes). */
export function serializeEnvelope(envelope: DsseEnvelope): string {
  return `${JSON.stringify(envelope, null, 2)}\n`;
}
