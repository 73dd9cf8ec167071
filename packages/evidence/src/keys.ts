import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { inspect } from 'node:util';

/** Thrown for a key that cannot be used: not PEM, not Ed25519, or a private key given as public. */
export class KeyError extends Error {
  override readonly name = 'KeyError';
  constructor(
    message: string,
    readonly code: 'not_a_key' | 'not_ed25519' | 'not_private' | 'not_public',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A new key pair as PEM: PKCS#8 for the private key, SPKI for the public one. */
export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
  /** The key id: sha256 of the public key's SPKI DER, hex. */
  keyId: string;
}

/**
 * Generates an Ed25519 key pair.
 *
 * @example
 * const { privateKeyPem, publicKeyPem, keyId } = generateKeyPair();
 */
export function generateKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/**
 * The key id of a public key: the sha256 of its SPKI DER encoding, in hex (what
 * `openssl pkey -pubin -outform DER | sha256sum` prints).
 */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/**
 * An Ed25519 private key, ready to sign. Its key material never leaves it: it prints, inspects
 * and serializes as its key id only, so that logging one leaks nothing.
 */
export class SigningKey {
  readonly #key: KeyObject;
  /** The id of its public key (sha256 of the SPKI DER, hex). */
  readonly keyId: string;
  /** Its public key. */
  readonly publicKey: KeyObject;

  private constructor(key: KeyObject) {
    this.#key = key;
    this.publicKey = createPublicKey(key);
    this.keyId = keyIdOf(this.publicKey);
  }

  /**
   * Reads a PKCS#8 PEM private key (what `workbench keygen` writes, or
   * `openssl genpkey -algorithm ed25519`). The error names what is wrong, never the key.
   */
  static fromPem(pem: string): SigningKey {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch (err) {
      const isPublic = /-----BEGIN PUBLIC KEY-----/.test(pem);
      throw new KeyError(
        isPublic
          ? 'this is a public key: signing needs the private key (PREFIX.key)'
          : 'not a PEM private key',
        isPublic ? 'not_private' : 'not_a_key',
        { cause: err instanceof Error ? new Error(err.message) : undefined },
      );
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new KeyError(
        `the key is ${key.asymmetricKeyType ?? 'of an unknown type'}; only Ed25519 keys are used`,
        'not_ed25519',
      );
    }
    return new SigningKey(key);
  }

  /**
   * A key handed over from another thread: `exportKeyObject()` there, posted through
   * `workerData` or `postMessage` (which clone a KeyObject), then this. Only Ed25519 private keys.
   */
  static fromKeyObject(key: KeyObject): SigningKey {
    if (key?.type !== 'private') throw new KeyError('not a private key object', 'not_private');
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new KeyError('only Ed25519 keys are used', 'not_ed25519');
    }
    return new SigningKey(key);
  }

  /**
   * The private KeyObject, to hand to a worker thread (a KeyObject crosses threads by structured
   * clone; its material never becomes a string). Never log it; Node prints a KeyObject without
   * its material, but serializing or exporting it would not.
   *
   * @example
   * new Worker(url, { workerData: { key: signingKey.exportKeyObject() } });
   * // in the worker: SigningKey.fromKeyObject(workerData.key)
   */
  exportKeyObject(): KeyObject {
    return this.#key;
  }

  /** Signs bytes (Ed25519 signs the message itself; no separate digest). */
  sign(data: Uint8Array): Buffer {
    return sign(null, data, this.#key);
  }

  toString(): string {
    return `SigningKey(${this.keyId})`;
  }

  toJSON(): { keyId: string } {
    return { keyId: this.keyId };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A public key a verifier trusts, with a label to name it by (its file, say). */
export interface TrustedKey {
  keyId: string;
  publicKey: KeyObject;
  label: string;
}

/**
 * Reads a trusted SPKI PEM public key (`PREFIX.pub`). A private key is refused: trust is given to
 * public keys, which can be shared.
 */
export function trustedKeyFromPem(pem: string, label: string): TrustedKey {
  if (/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    throw new KeyError(`${label} is a private key: trust the public key (.pub)`, 'not_public');
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new KeyError(`${label} is not a PEM public key`, 'not_a_key', {
      cause: err instanceof Error ? new Error(err.message) : undefined,
    });
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new KeyError(`${label} is not an Ed25519 key`, 'not_ed25519');
  }
  return { keyId: keyIdOf(publicKey), publicKey, label };
}

/** Whether `signature` is an Ed25519 signature of `data` by `publicKey`. */
export function verifySignature(
  publicKey: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}
