// The report's entry point: reads the embedded bundle, starts the integrity check, and draws
// each section; a section that fails to draw says so and the others carry on.

// First: it configures zod before the bundle schema is built (see zod-config.ts).
import './zod-config.js';
import { readCostEstimates } from './estimates.js';
import { formatCount } from './format.js';
import { checkIntegrity, parseBundleText, type IntegrityResult } from './integrity.js';
import { asObject, asString, member } from './read.js';
import { renderArtifacts } from './render-artifacts.js';
import { renderDiagnostics, renderRaw } from './render-diagnostics.js';
import { renderDisputes } from './render-disputes.js';
import { renderGates } from './render-gates.js';
import { renderRunHeader } from './render-header.js';
import { renderIntegrity, type RenderCheck } from './render-integrity.js';
import { renderSignatures } from './render-signatures.js';
import { renderModelCalls } from './render-model-calls.js';
import { renderToolCalls } from './render-tool-calls.js';
import { renderTimeline } from './render-timeline.js';
import { renderWorkflow } from './render-workflow.js';
import { checkSignatures, readTrustedKeys, type SignatureResult } from './signatures.js';
import { gateRequests, summarize } from './summarize.js';
import { note } from './ui.js';
import { readBundle } from './view-model.js';

/**
 * Draws the report into the page the renderer wrote.
 *
 * @example
 * startReport();
 */
export function startReport(): void {
  const text = readEmbeddedString('bundle-text') ?? '';
  const parsed = parseBundleText(text);
  const value = parsed.ok ? parsed.value : null;
  const check = readRenderCheck(member(value, 'schemaVersion'));
  const signing = readSignatureData();
  const view = readBundle(value);
  const summary = summarize(value);
  const gates = summary.gates;
  const requests = gateRequests(member(value, 'events'));
  const models = summary;
  const estimates = readCostEstimates(readEmbeddedJson('cost-estimates'));

  const banner = document.getElementById('integrity');
  if (banner) renderIntegrity(banner, null, check);
  const signatureBanner = document.getElementById('signatures');
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
    .then(() => checkIntegrity(text))
    .then(
      (result) => result,
      (err: unknown): IntegrityResult => ({
        state: 'invalid',
        problems: [
          {
            code: 'check_failed',
            path: '',
            message: err instanceof Error ? err.message : String(err),
          },
        ],
        computed: null,
        intact: false,
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
      ).catch((err: unknown): SignatureResult => ({
        state: 'unreadable',
        code: 'check_failed',
        message: err instanceof Error ? err.message : String(err),
      }));
      if (signatureBanner) renderSignatures(signatureBanner, signatures, result, signing.source);
    });
}

function fill(id: string, render: (el: HTMLElement) => void): void {
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

function setCount(id: string, n: number): void {
  const el = document.querySelector(`[data-count-for="${id}"]`);
  if (el) el.textContent = formatCount(n);
}

/** The embedded bundle: a JSON string literal holding the file's text exactly. */
function readEmbeddedString(id: string): string | null {
  try {
    const value = JSON.parse(document.getElementById(id)?.textContent ?? '') as unknown;
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** An embedded JSON block beside the bundle, or null when absent or malformed. */
function readEmbeddedJson(id: string): unknown {
  try {
    return JSON.parse(document.getElementById(id)?.textContent ?? '') as unknown;
  } catch {
    return null;
  }
}

/** The signature envelope and trusted keys the renderer embedded beside the bundle. */
function readSignatureData(): {
  envelope: string | null;
  source: string | null;
  trustedKeys: unknown;
} {
  const o = asObject(readEmbeddedJson('signature-data'));
  return {
    envelope: asString(member(o?.['envelope'], 'text')),
    source: asString(member(o?.['envelope'], 'source')),
    trustedKeys: o?.['trustedKeys'] ?? [],
  };
}

/** What the renderer found, with the schema version the embedded bundle says it is in. */
function readRenderCheck(schemaVersion: unknown): RenderCheck | null {
  try {
    const o = asObject(JSON.parse(document.getElementById('render-check')?.textContent ?? ''));
    if (!o) return null;
    return {
      ok: o['ok'] === true,
      sha256: asString(o['sha256']),
      problems: Array.isArray(o['problems'])
        ? o['problems'].map((p: unknown) => ({
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

function fileNameFor(check: RenderCheck | null, runId: string | null): string {
  const base = check?.source?.split(/[\\/]/).pop();
  if (base && /\.json$/i.test(base)) return base;
  return `${(runId ?? 'bundle').replace(/[^\w.-]+/g, '_')}.json`;
}

/**
 * Printing opens every collapsed section (but the raw bundle) and closes them again after.
 */
function installPrintHandlers(): void {
  let opened: HTMLDetailsElement[] = [];
  window.addEventListener('beforeprint', () => {
    opened = [...document.querySelectorAll('details:not([open])')].filter(
      (d): d is HTMLDetailsElement =>
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
