import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import {
  envelopeNameFor,
  serializeEnvelope,
  signBundle,
  verifyEnvelope,
  type SignerRole,
  type SigningKey,
} from '@llm-workbench/evidence';

/**
 * The envelope a sink writes beside bundle `name`: its file name (`X.dsse.json` for `X.json`)
 * and text, signed with `key` in `role`. `schemaVersion` is that of a bundle signed again as
 * read (default: the current one).
 *
 * @example
 * const envelope = envelopeFile(bundle, '4bf9….json', key, 'receiver');
 * await writeAtomic(envelope.name, envelope.text);
 */
export function envelopeFile(
  bundle: RunBundle,
  name: string,
  key: SigningKey,
  role: SignerRole,
  schemaVersion?: number,
): { name: string; text: string } {
  const envelope = signBundle(bundle, name, key, {
    role,
    ...(schemaVersion === undefined ? {} : { schemaVersion }),
  });
  return { name: envelopeNameFor(name), text: serializeEnvelope(envelope) };
}

/**
 * The `integrity.sha256` of the bundle a sink found already stored under `name`, when the sink
 * may record it in its ledger: a whole bundle that verifies and, with a signing key, one whose
 * envelope (read by `readEnvelope` from beside it; null when there is none) this key signed.
 * Null otherwise: a file copied in stays outside the ledger, where verification reports it.
 *
 * @example
 * const sha256 = await recordableSha256(text, name, key, () => readEnvelopeBeside(name));
 * if (sha256 !== null) await ledger.ensure(name, sha256);
 */
export async function recordableSha256(
  text: string,
  name: string,
  key: SigningKey | undefined,
  readEnvelope: (envelopeName: string) => Promise<string | null>,
): Promise<string | null> {
  const verified = verifyBundle(text);
  if (!verified.ok) return null;
  if (key === undefined) return verified.sha256;
  const envelope = await readEnvelope(envelopeNameFor(name));
  if (envelope === null) return null;
  const self = { keyId: key.keyId, publicKey: key.publicKey, label: 'this sink' };
  return verifyEnvelope(envelope, { sha256: verified.sha256, name }, [self]).ok
    ? verified.sha256
    : null;
}
