export type {
  BundleSink,
  BundleWriteResult,
  FileBundleSinkOptions,
  FileBundleSinkWorkerData,
} from './types.js';
export { BundleSinkError } from './bundle-sink-error.js';
export type { BundleSinkErrorCode } from './bundle-sink-error.js';
export { FileBundleSink } from './file-bundle-sink.js';
