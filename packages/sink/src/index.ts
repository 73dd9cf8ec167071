export type {
  BundleSink,
  BundleWriteOutcome,
  BundleWriteResult,
  FileBundleSinkOptions,
  FileBundleSinkWorkerData,
} from './types.js';
export { BundleSinkError } from './bundle-sink-error.js';
export type { BundleSinkErrorCode } from './bundle-sink-error.js';
export { FileBundleSink } from './file-bundle-sink.js';
export { KeyedQueue } from './keyed-queue.js';
export { LedgerAppendQueue, type LedgerAppend } from './ledger-append-queue.js';
export { RecentNames } from './recent-names.js';
export { resolveSigningOptions } from './signing-options.js';
export { envelopeFile, recordableSha256 } from './sink-envelopes.js';
export { spawnWorker } from './spawn-worker.js';
export {
  isTemporaryFileName,
  writeFileAtomically,
  type WriteFileAtomicallyOptions,
} from './write-file-atomically.js';
