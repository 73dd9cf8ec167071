import type { VerifyResult } from '@llm-workbench/bundle';
import type { TrustedKey } from '@llm-workbench/evidence';

/** Options of {@link renderReport}. */
export interface RenderReportOptions {
  /**
   * Where the bundle came from, shown in the report and used to name the saved bundle; a file
   * name or path. Default: none.
   */
  source?: string | null;
  /**
   * When the report was made, shown in its footer. Default: none, so that the same bundle always
   * renders to the same bytes.
   */
  generatedAt?: Date | string | null;
  /**
   * Estimate, for the calls that reported no cost, what they cost with the price data of
   * `@pydantic/genai-prices` (see `@llm-workbench/pricing`), and show the estimates labelled as
   * such with the data's version. They are embedded beside the bundle, never in it: the bundle
   * text, and so its hash, stay exactly as given. Default: on.
   */
  estimateCosts?: boolean;
  /**
   * The bundle's DSSE signature envelope (`X.dsse.json`, see `@llm-workbench/evidence`), embedded
   * beside the bundle as given for the page to verify: `text` is the file's text, `source` its
   * name. Default: none, and the page says the bundle is unsigned.
   */
  envelope?: { text: string; source: string | null } | null;
  /**
   * Public keys the page trusts (from `trustedKeyFromPem`), embedded as data with their labels:
   * the page verifies each signature against them with WebCrypto Ed25519 (or the built-in
   * JavaScript fallback) and names the signer by its label. Default: none, and every signature
   * shows as untrusted.
   */
  trustedKeys?: readonly TrustedKey[];
  /**
   * `verifyBundle(bundleText)`, when the caller has it already (`workbench render` reports it
   * too): the text is then verified once, not twice. Default: null, and the renderer verifies.
   */
  verdict?: VerifyResult | null;
}

/** What `workbench verify` found when the report was rendered, embedded for the page to show. */
export interface RenderCheck {
  ok: boolean;
  /** sha256 of the bundle's RFC 8785 form, when it could be computed. */
  sha256: string | null;
  problems: Array<{ code: string; path: string; message: string }>;
  /** The package and version that rendered the report. */
  generator: string;
  generatedAt: string | null;
  source: string | null;
}
