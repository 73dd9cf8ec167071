export type { BundleSink, BundleWriteResult, FileBundleSinkOptions } from './types.js';
export { BundleSinkError, FileBundleSink } from './file-bundle-sink.js';
