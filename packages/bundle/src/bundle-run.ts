import { foldRun, type FoldOptions } from './fold.js';
import { sealBundle } from './integrity.js';
import type { SpanRecord } from './span-record.js';
import type { RunBundle } from './types.js';

/**
 * Folds the spans of one run and seals the result: `sealBundle(foldRun(spans, options))`, what
 * every door (the processor, the receiver, import) does with a finished run. Throws only what
 * `sealBundle` throws (a document too deep or too long to canonicalize).
 *
 * @example
 * if (isRunTrace(spans)) await sink.write(bundleRun(spans, { truncated, logEvents }));
 */
export function bundleRun(spans: Iterable<SpanRecord>, options: FoldOptions = {}): RunBundle {
  return sealBundle(foldRun(spans, options));
}
