import type { RejectedSpan } from './types.js';

/**
 * Writes the `errorMessage` of an OTLP partial success: how many spans were rejected and the first
 * few reasons, bounded in length so a hostile request cannot make the answer large.
 *
 * @example
 * summarizeRejections(result.rejected); // '2 spans rejected: resourceSpans[0]…spanId: span id …'
 */
export function summarizeRejections(rejected: readonly RejectedSpan[], maxReasons = 3): string {
  if (rejected.length === 0) return '';
  const reasons: string[] = [];
  for (const r of rejected) {
    for (const issue of r.issues) {
      if (reasons.length >= maxReasons) break;
      reasons.push(`${issue.code} at ${issue.path}: ${issue.message}`);
    }
    if (reasons.length >= maxReasons) break;
  }
  const text = `${rejected.length} span${rejected.length === 1 ? '' : 's'} rejected: ${reasons.join('; ')}`;
  return text.length > 1024 ? `${text.slice(0, 1021)}...` : text;
}
