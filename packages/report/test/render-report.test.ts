import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import { estimateCosts, GENAI_PRICES_VERSION } from '@llm-workbench/pricing';
import { generateKeyPair, trustedKeyFromPem } from '@llm-workbench/evidence';
import { renderReport } from '../src/index.js';
import { buildPageScript, pageScript } from '../src/page-assets.js';
import { demoLikeBundleText } from './fixtures/demo-like-bundle.js';
import { pricedBundleText } from './fixtures/priced-bundle.js';

function scripts(html: string): Array<{ attrs: string; body: string }> {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({
    attrs: m[1]!,
    body: m[2]!,
  }));
}

describe('renderReport', () => {
  const text = demoLikeBundleText();
  const html = renderReport(text, { source: 'run.json' });

  it('embeds the bundle text exactly, as a JSON string the page parses back', () => {
    const embedded = scripts(html).find((s) => s.attrs.includes('id="bundle-text"'));
    expect(embedded?.attrs).toContain('type="application/json"');
    expect(JSON.parse(embedded!.body)).toBe(text);
  });

  it('cannot be broken out of by bundle content', () => {
    const hostile = '</script><script>alert(1)</script><!-- <SCRIPT> </style>';
    const page = renderReport(JSON.stringify({ run: { name: hostile }, x: hostile }), {
      source: hostile,
    });
    // Only the five script elements the renderer writes (bundle, render check, cost estimates,
    // signature data, the page's script), and no raw `<` from the content.
    expect(scripts(page)).toHaveLength(5);
    expect(page.match(/<\/script>/gi)).toHaveLength(5);
    expect(page).not.toContain('<script>alert(1)');
    const embedded = scripts(page).find((s) => s.attrs.includes('id="bundle-text"'))!;
    expect(embedded.body).not.toContain('<');
    expect(JSON.parse(JSON.parse(embedded.body) as string)).toEqual({
      run: { name: hostile },
      x: hostile,
    });
    expect(page).toContain('<title>&#60;/script&#62;');
  });

  it('declares a strict Content-Security-Policy that allows only its own script, by hash', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toBeDefined();
    const directives = new Map(csp!.split('; ').map((d) => [d.split(' ')[0], d] as const));
    expect(directives.get('default-src')).toBe("default-src 'none'");
    expect(directives.get('img-src')).toBe('img-src data:');
    expect(directives.get('style-src')).toBe("style-src 'unsafe-inline'");
    const inline = scripts(html).find((s) => s.attrs === '')!;
    const hash = createHash('sha256').update(inline.body, 'utf8').digest('base64');
    expect(directives.get('script-src')).toBe(`script-src 'sha256-${hash}'`);
    // The CSP comes before anything it governs.
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
  });

  it('refers to nothing outside the file', () => {
    expect(html).not.toMatch(/\b(?:src|href|action|poster|srcset)\s*=\s*["']?(?!#)[a-z]+:/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?(?!#)[a-z]+:/i);
    expect(html).not.toMatch(/<link\b/i);
  });

  it('is the same for the same bundle and options', () => {
    expect(renderReport(text, { source: 'run.json' })).toBe(html);
    expect(renderReport(text, { generatedAt: new Date(0) })).toContain('1970-01-01T00:00:00.000Z');
  });

  it('renders any text, even what is not JSON, with what verify said at render time', () => {
    for (const input of [
      '',
      'not json',
      '[]',
      'null',
      '{"integrity":1}',
      text.replace('approved', 'rejected'),
    ]) {
      const page = renderReport(input);
      const check = JSON.parse(
        scripts(page).find((s) => s.attrs.includes('id="render-check"'))!.body,
      ) as { ok: boolean };
      expect(check.ok).toBe(false);
    }
    const check = JSON.parse(
      scripts(html).find((s) => s.attrs.includes('id="render-check"'))!.body,
    ) as {
      ok: boolean;
      sha256: string;
    };
    expect(check).toMatchObject({
      ok: true,
      sha256: (JSON.parse(text) as { integrity: { sha256: string } }).integrity.sha256,
    });
  });
});

describe('renderReport, estimated costs', () => {
  const text = pricedBundleText();
  const bundle = JSON.parse(text) as RunBundle;
  const html = renderReport(text, { source: 'priced.json' });
  const block = (page: string, id: string): unknown =>
    JSON.parse(scripts(page).find((s) => s.attrs.includes(`id="${id}"`))!.body);

  it('embeds the estimates in a block of their own, beside the bundle text, which stays as given', () => {
    expect(block(html, 'bundle-text')).toBe(text);
    const verdict = verifyBundle(block(html, 'bundle-text') as string);
    expect(verdict.ok && verdict.sha256).toBe(bundle.integrity.sha256);
    expect(block(html, 'render-check')).toMatchObject({
      ok: true,
      sha256: bundle.integrity.sha256,
    });
    const estimates = block(html, 'cost-estimates');
    expect(estimates).toEqual(JSON.parse(JSON.stringify(estimateCosts(bundle))));
    expect(estimates).toMatchObject({
      pricing: { source: '@pydantic/genai-prices', version: GENAI_PRICES_VERSION },
      priced: 1,
      unpriced: 1,
    });
    // Nothing estimated made its way into the bundle text.
    expect(text).not.toContain('genai-prices');
  });

  it('estimates a tampered bundle too (shown under its warning), but not what is no bundle', () => {
    const tampered = renderReport(text.replace('house-model-7', 'house-model-8'));
    expect(block(tampered, 'render-check')).toMatchObject({ ok: false });
    expect(block(tampered, 'cost-estimates')).toMatchObject({ priced: 1, unpriced: 1 });
    expect(block(renderReport('not json'), 'cost-estimates')).toBeNull();
    expect(block(renderReport('{"run":{}}'), 'cost-estimates')).toBeNull();
  });

  it('embeds none with estimateCosts: false', () => {
    expect(block(renderReport(text, { estimateCosts: false }), 'cost-estimates')).toBeNull();
  });
});

describe('pageScript', () => {
  it('is page/report.ts bundled by esbuild: one classic script that compiles, no import left', () => {
    const script = pageScript();
    expect(script).toBe(buildPageScript());
    expect(() => new Script(script)).not.toThrow();
    expect(script).not.toMatch(/\bimport\s*\(|^\s*(?:import|export)\s[\w{*]/m);
    expect(script).not.toMatch(/<\/script|<!--/i);
  });

  it('carries the checks of the bundle package, not copies: its canonicalizer and verify', () => {
    const script = pageScript();
    // Messages only @llm-workbench/bundle's canonicalize and verify write.
    expect(script).toContain('holds a lone surrogate');
    expect(script).toContain('nested more than');
    expect(script).toContain('appears more than once');
  });

  it('stays within its size budget (it was 227 kB as hand-linked copies without the schema)', () => {
    // 193 kB with the bundle schema: zod imported as a namespace, so esbuild keeps what is used.
    expect(Buffer.byteLength(pageScript(), 'utf8')).toBeLessThan(230_000);
  });

  it('bundles @noble/ed25519 at the version pinned, license header kept', () => {
    const script = pageScript();
    const require = createRequire(import.meta.url);
    const path = require.resolve('@noble/ed25519', {
      paths: [fileURLToPath(new URL('../', import.meta.url))],
    });
    const pkg = JSON.parse(readFileSync(join(dirname(path), 'package.json'), 'utf8')) as {
      version: string;
    };
    const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(own.dependencies['@noble/ed25519']).toBe(pkg.version);
    expect(script).toContain(
      '/*! noble-ed25519 - MIT License (c) 2019 Paul Miller (paulmillr.com) */',
    );
  });

  it('is the script that the Content-Security-Policy of the page names by its sha256', () => {
    const html = renderReport(demoLikeBundleText());
    const hash = createHash('sha256').update(pageScript(), 'utf8').digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain(`<script>${pageScript()}</script>`);
  });
});

describe('renderReport, signatures', () => {
  const text = demoLikeBundleText();
  const { publicKeyPem, keyId } = generateKeyPair();
  const trusted = trustedKeyFromPem(publicKeyPem, 'alice.pub');
  const block = (page: string, id: string): unknown =>
    JSON.parse(scripts(page).find((s) => s.attrs.includes(`id="${id}"`))!.body);

  it('embeds the envelope as given and the trusted public keys as data, beside the bundle', () => {
    const envelope = '{"payloadType":"x","payload":"</script>","signatures":[]}\n';
    const page = renderReport(text, {
      envelope: { text: envelope, source: 'run.dsse.json' },
      trustedKeys: [trusted],
    });
    const data = block(page, 'signature-data') as {
      envelope: { text: string; source: string };
      trustedKeys: Array<{ label: string; keyId: string; spki: string }>;
    };
    expect(data.envelope).toEqual({ text: envelope, source: 'run.dsse.json' });
    expect(data.trustedKeys).toEqual([
      {
        label: 'alice.pub',
        keyId,
        spki: trusted.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      },
    ]);
    expect(
      createHash('sha256').update(Buffer.from(data.trustedKeys[0]!.spki, 'base64')).digest('hex'),
    ).toBe(keyId);
    expect(block(page, 'bundle-text')).toBe(text);
    expect(page).not.toContain('PRIVATE KEY');
  });

  it('embeds no envelope and no keys by default', () => {
    expect(block(renderReport(text), 'signature-data')).toEqual({
      envelope: null,
      trustedKeys: [],
    });
  });
});
