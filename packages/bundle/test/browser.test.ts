import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as browser from '../src/browser.js';
import * as main from '../src/index.js';
import { contentRun } from './fixtures.js';

/** Every module src/browser.ts reaches through relative imports, and what they import by name. */
function importGraph(): { modules: string[]; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (url: URL): void => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const source = readFileSync(url, 'utf8');
    for (const m of source.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      const specifier = m[1]!;
      if (specifier.startsWith('.')) walk(new URL(specifier.replace(/\.js$/, '.ts'), url));
      else packages.add(specifier);
    }
  };
  walk(new URL('../src/browser.ts', import.meta.url));
  return { modules: [...seen], packages };
}

describe('@llm-workbench/bundle/browser', () => {
  it('reaches no node: module, only zod and the semantic conventions by name', () => {
    const { modules, packages } = importGraph();
    expect(modules.length).toBeGreaterThan(5);
    expect([...packages].filter((p) => p !== 'zod' && p !== '@llm-workbench/semconv')).toEqual([]);
  });

  it('exports what the main entry does, but verifyBundleWith', () => {
    for (const [name, value] of Object.entries(browser)) {
      if (name === 'verifyBundleWith') continue;
      expect((main as Record<string, unknown>)[name], name).toBe(value);
    }
  });

  it('verifies with the sha256 given exactly as verifyBundle does', () => {
    const text = main.serializeBundle(main.sealBundle(main.foldRun(contentRun())));
    const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
    expect(browser.verifyBundleWith(text, sha256)).toEqual(main.verifyBundle(text));
    const tampered = text.replace('"run":{', '"run":{"x":1,');
    expect(browser.verifyBundleWith(tampered, sha256)).toEqual(main.verifyBundle(tampered));
    // The hash is the one given: a wrong one makes a sealed bundle fail.
    expect(browser.verifyBundleWith(text, () => '0'.repeat(64))).toMatchObject({ ok: false });
  });
});
