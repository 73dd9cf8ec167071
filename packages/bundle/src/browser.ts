// The browser-safe part of the package (no node: modules), for pages such as the HTML report,
// which bundle it with esbuild. All but verifyBundleWith (verifyBundle with the sha256 given) is
// also exported from the package's main entry.
export type {
  BundleSummary,
  GateHistoryEntry,
  GateState,
  GateSummary,
  ModelTotals,
  ToolTotals,
} from './summarize-bundle.js';
export type { BundleArtifact, Redaction, RedactionKind, RunBundle } from './types.js';
export { canonicalize } from './canonicalize.js';
export { contentMembers, REDACTION_KINDS, type ContentMember } from './content-members.js';
export { findDuplicateKeys } from './duplicate-keys.js';
export { integrityView } from './integrity-view.js';
export { anyRunBundleSchema } from './schema.js';
export { emptySummary, summarizeBundle } from './summarize-bundle.js';
export { formatMicros, parseBundleTime } from './time.js';
export { upgradeBundle, type RunBundleV1, type RunBundleV2 } from './upgrade-bundle.js';
export {
  verifyBundleWith,
  type Sha256Hex,
  type VerifyProblem,
  type VerifyResult,
} from './verify-bundle-with.js';
