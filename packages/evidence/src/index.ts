export {
  generateKeyPair,
  keyIdOf,
  KeyError,
  SigningKey,
  trustedKeyFromPem,
  verifySignature,
} from './keys.js';
export type { KeyPairPem, TrustedKey } from './keys.js';
export {
  loadSigningKey,
  MAX_KEY_FILE_BYTES,
  SIGNING_KEY_ENV,
  SIGNING_KEY_FILE_ENV,
} from './load-signing-key.js';
export type { SigningKeySource } from './load-signing-key.js';
export { decodeBase64, pae } from './dsse.js';
export type { DsseEnvelope, DsseSignature } from './dsse.js';
export {
  bundleStatement,
  IN_TOTO_PAYLOAD_TYPE,
  RUN_BUNDLE_PREDICATE_TYPE,
  SIGNER_ROLES,
  STATEMENT_TYPE,
} from './statement.js';
export type { RunBundlePredicate, RunBundleStatement, SignerRole } from './statement.js';
export { addSignature, envelopeNameFor, serializeEnvelope, signBundle } from './sign-bundle.js';
export { MAX_ENVELOPE_BYTES, MAX_SIGNATURES, verifyEnvelope } from './verify-envelope.js';
export type { EnvelopeProblemCode, EnvelopeVerdict, SignatureCheck } from './verify-envelope.js';
export {
  checkCheckpoint,
  CHECKPOINT_FILE,
  CHECKPOINT_PAYLOAD_TYPE,
  EMPTY_HEAD,
  GENESIS,
  LEDGER_FILE,
  ledgerLine,
  readLedger,
  sha256Hex,
  signCheckpoint,
} from './ledger.js';
export type {
  Checkpoint,
  LedgerEntry,
  LedgerHead,
  LedgerProblem,
  LedgerProblemCode,
  LedgerReading,
} from './ledger.js';
export { checkFolderBundle, isBundleFileName, verifyFolder } from './verify-folder.js';
export type {
  FolderBundle,
  FolderBundleCheck,
  FolderProblem,
  FolderProblemCode,
  FolderSignature,
  FolderVerdict,
} from './verify-folder.js';
