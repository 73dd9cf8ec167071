import { createHash } from 'node:crypto';
import {
  anyRunBundleSchema,
  upgradeBundle,
  verifyBundle,
  type RunBundle,
  type VerifyResult,
} from '@llm-workbench/bundle';
import type { TrustedKey } from '@llm-workbench/evidence';
import { estimateCosts, type CostEstimates } from '@llm-workbench/pricing';
import { embedJson, escapeHtml } from './html.js';
import { pageScript, pageStyles } from './page-assets.js';
import type { RenderCheck, RenderReportOptions } from './types.js';

/** The name and version written into every report. */
export const GENERATOR = '@llm-workbench/report 0.1.0';

const DEFAULTS = {
  source: null,
  generatedAt: null,
  estimateCosts: true,
  envelope: null,
  trustedKeys: [],
  verdict: null,
} satisfies Required<RenderReportOptions>;

const SECTIONS = [
  ['workflow', 'Workflow'],
  ['timeline', 'Timeline'],
  ['gates', 'Human gates'],
  ['model-calls', 'Model calls'],
  ['tool-calls', 'Tool calls'],
  ['artifacts', 'Artifacts'],
  ['diagnostics', 'Diagnostics'],
  ['raw', 'Raw bundle'],
] as const;

/**
 * Renders a bundle's text as one self-contained HTML report. The page needs no network (a strict
 * Content-Security-Policy forbids it), embeds the text exactly as given, and verifies it itself
 * with `workbench verify`'s own checks, so the verdict at its top is the browser's, not the
 * renderer's. Any text renders: a tampered bundle, one that fails the schema, or one that is not
 * JSON at all shows why at the top and whatever can be read of it below.
 *
 * @example
 * const html = renderReport(await readFile('run.json', 'utf8'), { source: 'run.json' });
 * await writeFile('run.html', html);
 */
export function renderReport(bundleText: string, options: RenderReportOptions = {}): string {
  const {
    source,
    generatedAt,
    estimateCosts: estimate,
    envelope,
    trustedKeys,
    verdict: given,
  } = { ...DEFAULTS, ...options } satisfies RenderReportOptions;
  const generatedAtText =
    generatedAt === null
      ? null
      : generatedAt instanceof Date
        ? generatedAt.toISOString()
        : generatedAt;
  const verdict = given ?? verifyAtRender(bundleText);
  const check: RenderCheck = {
    ...checkOf(verdict),
    generator: GENERATOR,
    generatedAt: generatedAtText,
    source,
  };
  // Beside the bundle, never in it: the page verifies the bundle text alone.
  const estimates = estimate ? estimatesOf(bundleText, verdict) : null;
  // Beside the bundle too: the envelope as given, and the trusted public keys as data (SPKI DER,
  // base64) for the page to verify with; the page computes their key ids itself.
  const signatureData = {
    envelope: envelope === null ? null : { text: envelope.text, source: envelope.source },
    trustedKeys: trustedKeys.map(embeddedKey),
  };
  const script = pageScript();
  const scriptHash = createHash('sha256').update(script, 'utf8').digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${scriptHash}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `${titleOf(bundleText, verdict)} · Run report`;
  const nav = SECTIONS.map(
    ([id, label]) =>
      `<li><a href="#${id}">${label}<span class="toc__count" data-count-for="${id}"></span></a></li>`,
  ).join('');
  const sections = SECTIONS.map(
    ([id, label]) =>
      `<section class="section" id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${label}</h2><div class="section__body" id="${id}-body"></div></section>`,
  ).join('\n');
  const footer = [
    `Rendered by ${escapeHtml(GENERATOR)}${source ? ` from <code>${escapeHtml(source)}</code>` : ''}${generatedAtText ? ` at ${escapeHtml(generatedAtText)}` : ''}.`,
    'This file is self-contained: it loads nothing from the network, and the bundle it shows is embedded in it, as given.',
    'The integrity and signature verdicts at the top are computed by your browser when the page opens.',
  ];

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(GENERATOR)}">
<title>${escapeHtml(title)}</title>
<style>
${pageStyles()}
</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to the report</a>
<header class="masthead" id="top">
<div class="wrap">
<p class="eyebrow"><span class="eyebrow__brand">LLM Workbench · Run report</span><span>${source ? escapeHtml(source) : ''}</span></p>
<div id="integrity" class="integrity integrity--checking" role="status" aria-live="polite"><p class="integrity__title">Checking integrity…</p><p class="integrity__text">If this message stays, the page's script did not run; the bundle is still embedded in this file.</p></div>
<div id="signatures" class="integrity signatures integrity--checking" role="status" aria-live="polite"><p class="integrity__title">Checking signatures…</p></div>
<div class="run" id="run-body"></div>
</div>
</header>
<nav class="toc" aria-label="Report sections"><div class="wrap"><ul>${nav}</ul></div></nav>
<main id="main" tabindex="-1"><div class="wrap">
<noscript><p class="section">This report draws itself with JavaScript, which is off. The bundle is embedded in this file as JSON.</p></noscript>
${sections}
</div></main>
<footer class="colophon"><div class="wrap">${footer.map((p) => `<p>${p}</p>`).join('')}</div></footer>
<script type="application/json" id="bundle-text">${embedJson(bundleText)}</script>
<script type="application/json" id="render-check">${embedJson(check)}</script>
<script type="application/json" id="cost-estimates">${embedJson(estimates)}</script>
<script type="application/json" id="signature-data">${embedJson(signatureData)}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** A trusted key as the page reads it; never a private key (a TrustedKey holds a public one). */
function embeddedKey(key: TrustedKey): { label: string; keyId: string; spki: string } {
  if (key.publicKey.type !== 'public') throw new TypeError(`${key.label} is not a public key`);
  return {
    label: key.label,
    keyId: key.keyId,
    spki: key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** `workbench verify`'s verdict, or what it threw: rendering never throws on a bundle. */
function verifyAtRender(text: string): VerifyResult | { thrown: Error } {
  try {
    return verifyBundle(text);
  } catch (err) {
    return { thrown: err instanceof Error ? err : new Error(String(err)) };
  }
}

function checkOf(
  verdict: VerifyResult | { thrown: Error },
): Pick<RenderCheck, 'ok' | 'sha256' | 'problems'> {
  if ('thrown' in verdict) {
    return {
      ok: false,
      sha256: null,
      problems: [{ code: 'verify_failed', path: '', message: verdict.thrown.message }],
    };
  }
  return verdict.ok
    ? { ok: true, sha256: verdict.sha256, problems: [] }
    : {
        ok: false,
        sha256: verdict.sha256,
        problems: verdict.problems.map(({ code, path, message }) => ({ code, path, message })),
      };
}

/**
 * Estimated costs of a bundle's unpriced calls, or null when the text is not a bundle. A bundle
 * that fails its integrity check but has a bundle's shape is estimated too: the page shows it,
 * under its warning, as `workbench show` does.
 */
function estimatesOf(
  text: string,
  verdict: VerifyResult | { thrown: Error },
): CostEstimates | null {
  try {
    let bundle: RunBundle;
    if (!('thrown' in verdict) && verdict.ok) bundle = verdict.bundle;
    else {
      const value: unknown = JSON.parse(text);
      const parsed = anyRunBundleSchema.safeParse(value);
      if (!parsed.success) return null;
      bundle = upgradeBundle(value as Parameters<typeof upgradeBundle>[0]);
    }
    return estimateCosts(bundle);
  } catch {
    return null;
  }
}

function titleOf(text: string, verdict: VerifyResult | { thrown: Error }): string {
  try {
    // A bundle that verified was parsed already: not again for its name.
    const value: unknown =
      !('thrown' in verdict) && verdict.ok ? verdict.bundle : (JSON.parse(text) as unknown);
    const run = (value as { run?: { name?: unknown } } | null)?.run;
    return typeof run?.name === 'string' && run.name !== '' ? run.name : 'Untitled run';
  } catch {
    return 'Not a run bundle';
  }
}
