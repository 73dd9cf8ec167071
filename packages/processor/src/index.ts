export { RunBundleSpanProcessor } from './run-bundle-span-processor.js';
export { RunBundleLogRecordProcessor } from './run-bundle-log-record-processor.js';
export { RunBundleSpanExporter } from './run-bundle-span-exporter.js';
export { spanRecordFromReadableSpan, hrTimeToNanos } from './span-record-from-readable-span.js';
export type {
  BundleFoldingOptions,
  BundleFoldingStats,
  OpenRunsOptions,
  RunBundleSpanExporterOptions,
} from './types.js';
