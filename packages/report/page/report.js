// The report's entry point: reads the embedded bundle, starts the integrity check, and draws
// each section; a section that fails to draw says so and the others carry on.

import { readCostEstimates } from './estimates.js';
import { formatCount } from './format.js';
import { checkIntegrity, parseBundleText } from './integrity.js';
import { asObject, asString, member } from './read.js';
import { renderArtifacts } from './render-artifacts.js';
import { renderDiagnostics, renderRaw } from './render-diagnostics.js';
import { renderDisputes } from './render-disputes.js';
import { renderGates } from './render-gates.js';
import { renderRunHeader } from './render-header.js';
import { renderIntegrity } from './render-integrity.js';
import { renderSignatures } from './render-signatures.js';
import { renderModelCalls } from './render-model-calls.js';
import { renderToolCalls } from './render-tool-calls.js';
import { renderTimeline } from './render-timeline.js';
import { renderWorkflow } from './render-workflow.js';
import { checkSignatures, readTrustedKeys } from './signatures.js';
import { gateRequests, summarizeGates, summarizeModels } from './summarize.js';
import { note } from './ui.js';
import { readBundle } from './view-model.js';

/**
 * @typedef {import('./render-integrity.js').RenderCheck} RenderCheck
 */

/**
 * Draws the report into the page the renderer wrote.
 *
 * @example
 * startReport();
 * @returns {void}
 */
export function startReport() {
  const text = readEmbeddedString('bundle-text') ?? '';
  const parsed = parseBundleText(text);
  const value = parsed.ok ? parsed.value : null;
  const check = readRenderCheck(member(value, 'schemaVersion'));
  const signing = readSignatureData();
  const view = readBundle(value);
  const gates = summarizeGates(member(value, 'events'));
  const requests = gateRequests(member(value, 'events'));
  const models = summarizeModels(member(value, 'model_io'));
  const estimates = readCostEstimates(readEmbeddedJson('cost-estimates'));

  const banner = /** @type {HTMLElement | null} */ (document.getElementById('integrity'));
  if (banner) renderIntegrity(banner, null, check);
  const signatureBanner = /** @type {HTMLElement | null} */ (document.getElementById('signatures'));
  if (signatureBanner) renderSignatures(signatureBanner, null, null, signing.source);

  fill('run', (el) => renderRunHeader(el, view, gates, models.totals, estimates));
  fill('run', (el) =>
    renderDisputes(
      el,
      member(value, 'disputes'),
      view,
      asString(member(member(value, 'run'), 'rootSpanId')),
    ),
  );
  fill('workflow', (el) => renderWorkflow(el, view, gates));
  fill('timeline', (el) => renderTimeline(el, view, gates));
  fill('gates', (el) => renderGates(el, gates, requests));
  fill('model-calls', (el) => renderModelCalls(el, view.modelCalls, models, estimates));
  fill('tool-calls', (el) => renderToolCalls(el, view.toolCalls));
  fill('artifacts', (el) => renderArtifacts(el, view.artifacts));
  fill('diagnostics', (el) => renderDiagnostics(el, view.diagnostics));
  fill('raw', (el) => renderRaw(el, text, parsed, fileNameFor(check, view.run.runId)));
  setCount('gates', gates.size);
  setCount('model-calls', view.modelCalls.length);
  setCount('tool-calls', view.toolCalls.length);
  setCount('artifacts', new Set(view.artifacts.map((a) => a.key)).size);
  setCount('diagnostics', view.diagnostics.length);
  setCount('timeline', view.steps.length);
  if (!parsed.ok) {
    fill('run', (el) =>
      el.append(
        note(
          'The embedded file is not JSON, so there is nothing to show but the file itself (at the end of the report).',
        ),
      ),
    );
  }
  installPrintHandlers();
  document.documentElement.dataset['rendered'] = 'true';

  // In a task of its own, after the first paint: hashing a large bundle takes a moment. The
  // signatures are checked after the integrity, whose verdict their banner takes into account.
  const subtle = globalThis.crypto?.subtle ?? null;
  void new Promise((resolve) => setTimeout(resolve, 0))
    .then(() => checkIntegrity(text, parsed, subtle))
    .then(
      (result) => result,
      (/** @type {unknown} */ err) =>
        /** @type {import('./integrity.js').IntegrityResult} */ ({
          state: 'invalid',
          problems: [
            {
              code: 'check_failed',
              path: '',
              message: err instanceof Error ? err.message : String(err),
            },
          ],
          computed: null,
          engine: null,
        }),
    )
    .then(async (result) => {
      if (banner) renderIntegrity(banner, result, check);
      const claimed = asString(member(member(value, 'integrity'), 'sha256'));
      const signatures = await checkSignatures(
        signing.envelope,
        claimed,
        readTrustedKeys(signing.trustedKeys),
        subtle,
        check?.source?.split(/[\\/]/).pop() ?? null,
      ).catch(
        (/** @type {unknown} */ err) =>
          /** @type {import('./signatures.js').SignatureResult} */ ({
            state: 'unreadable',
            code: 'check_failed',
            message: err instanceof Error ? err.message : String(err),
          }),
      );
      if (signatureBanner) renderSignatures(signatureBanner, signatures, result, signing.source);
    });
}

/**
 * @param {string} id
 * @param {(el: HTMLElement) => void} render
 */
function fill(id, render) {
  const el = document.getElementById(`${id}-body`);
  if (!el) return;
  try {
    render(el);
  } catch (err) {
    el.append(
      note(
        `This section could not be drawn from this bundle: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
  }
}

/**
 * @param {string} id
 * @param {number} n
 */
function setCount(id, n) {
  const el = document.querySelector(`[data-count-for="${id}"]`);
  if (el) el.textContent = formatCount(n);
}

/**
 * The embedded bundle: a JSON string literal holding the file's text exactly.
 *
 * @param {string} id
 * @returns {string | null}
 */
function readEmbeddedString(id) {
  try {
    const value = /** @type {unknown} */ (
      JSON.parse(document.getElementById(id)?.textContent ?? '')
    );
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/**
 * An embedded JSON block beside the bundle, or null when absent or malformed.
 *
 * @param {string} id
 * @returns {unknown}
 */
function readEmbeddedJson(id) {
  try {
    return /** @type {unknown} */ (JSON.parse(document.getElementById(id)?.textContent ?? ''));
  } catch {
    return null;
  }
}

/**
 * The signature envelope and trusted keys the renderer embedded beside the bundle.
 *
 * @returns {{ envelope: string | null, source: string | null, trustedKeys: unknown }}
 */
function readSignatureData() {
  const o = asObject(readEmbeddedJson('signature-data'));
  return {
    envelope: asString(member(o?.['envelope'], 'text')),
    source: asString(member(o?.['envelope'], 'source')),
    trustedKeys: o?.['trustedKeys'] ?? [],
  };
}

/**
 * @param {unknown} schemaVersion the embedded bundle's
 * @returns {RenderCheck | null}
 */
function readRenderCheck(schemaVersion) {
  try {
    const o = asObject(JSON.parse(document.getElementById('render-check')?.textContent ?? ''));
    if (!o) return null;
    return {
      ok: o['ok'] === true,
      sha256: asString(o['sha256']),
      problems: Array.isArray(o['problems'])
        ? o['problems'].map((/** @type {unknown} */ p) => ({
            code: asString(member(p, 'code')) ?? '',
            path: asString(member(p, 'path')) ?? '',
            message: asString(member(p, 'message')) ?? '',
          }))
        : [],
      generator: asString(o['generator']) ?? '',
      generatedAt: asString(o['generatedAt']),
      source: asString(o['source']),
      schemaVersion,
    };
  } catch {
    return null;
  }
}

/**
 * @param {RenderCheck | null} check
 * @param {string | null} runId
 */
function fileNameFor(check, runId) {
  const base = check?.source?.split(/[\\/]/).pop();
  if (base && /\.json$/i.test(base)) return base;
  return `${(runId ?? 'bundle').replace(/[^\w.-]+/g, '_')}.json`;
}

/**
 * Printing opens every collapsed section (but the raw bundle) and closes them again after.
 */
function installPrintHandlers() {
  /** @type {HTMLDetailsElement[]} */
  let opened = [];
  window.addEventListener('beforeprint', () => {
    opened = [...document.querySelectorAll('details:not([open])')].filter(
      /** @returns {d is HTMLDetailsElement} */ (d) =>
        d instanceof HTMLDetailsElement && d.dataset['print'] !== 'skip',
    );
    for (const d of opened) d.open = true;
  });
  window.addEventListener('afterprint', () => {
    for (const d of opened) d.open = false;
    opened = [];
  });
}

startReport();
