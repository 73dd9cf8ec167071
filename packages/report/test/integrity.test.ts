import { webcrypto } from 'node:crypto';
import { sealBundle, foldRun, serializeBundle, verifyBundle } from '@llm-workbench/bundle';
import { describe, expect, it } from 'vitest';
import { demoLikeBundleText, demoLikeSpans } from './fixtures/demo-like-bundle.js';
import { pageModule, type Subtle } from './helpers/page-modules.js';

const { checkIntegrity, parseBundleText, sha256Text } = await pageModule('integrity.js');
const subtle: Subtle = webcrypto.subtle;

async function check(text: string, withSubtle: Subtle | null = subtle) {
  return checkIntegrity(text, parseBundleText(text), withSubtle);
}

describe('checkIntegrity (in the page)', () => {
  const text = demoLikeBundleText();
  const sha256 = (JSON.parse(text) as { integrity: { sha256: string } }).integrity.sha256;

  it('verifies a sealed bundle with WebCrypto and with the JavaScript fallback alike', async () => {
    expect(await check(text)).toEqual({
      state: 'verified',
      sha256,
      engine: 'webcrypto',
      redactions: [],
    });
    expect(await check(text, null)).toEqual({
      state: 'verified',
      sha256,
      engine: 'javascript',
      redactions: [],
    });
  });

  it('does not care about whitespace or member order, as RFC 8785 does not', async () => {
    const value = JSON.parse(text) as Record<string, unknown>;
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(value).reverse()), null, 2);
    expect(await check(reordered)).toMatchObject({ state: 'verified', sha256 });
  });

  it('reports a changed value as a mismatch, with both hashes', async () => {
    const tampered = text.replace('maria.keller@example.com', 'mallory@example.com');
    const result = await check(tampered);
    expect(result.state).toBe('mismatch');
    if (result.state !== 'mismatch') return;
    expect(result.expected).toBe(sha256);
    expect(result.computed).toBe(verifyBundle(tampered).sha256);
    expect(result.computed).not.toBe(sha256);
  });

  it('finds the same problem as workbench verify for each way a file can fail', async () => {
    const value = JSON.parse(text) as Record<string, unknown>;
    const cases: Record<string, string> = {
      not_json: '{"run": ',
      not_an_object: '[1,2]',
      duplicate_key: text.replace('{"artifacts"', '{"artifacts":[],"artifacts"'),
      missing_integrity: JSON.stringify({ ...value, integrity: undefined }),
      bad_integrity: JSON.stringify({
        ...value,
        integrity: { canonicalization: 'RFC8785', algorithm: 'md5', sha256 },
      }),
      hash_mismatch: JSON.stringify({ ...value, run: { ...(value['run'] as object), name: 'x' } }),
    };
    for (const [code, input] of Object.entries(cases)) {
      const verdict = verifyBundle(input);
      expect(verdict.ok, code).toBe(false);
      if (verdict.ok) continue;
      const result = await check(input);
      const pageCodes =
        result.state === 'invalid' ? result.problems.map((p) => p.code) : ['hash_mismatch'];
      expect(pageCodes, code).toEqual(verdict.problems.map((p) => p.code));
      expect(pageCodes[0], code).toBe(code);
    }
  });

  it('agrees with workbench verify on the hash of bundles with odd numbers and text', async () => {
    const spans = demoLikeSpans();
    spans[0] = {
      ...spans[0]!,
      attributes: {
        ...spans[0]!.attributes,
        'workbench.run.name': 'Ünïcødé 😀 </script> \u2028 "quoted" \\ back',
      },
    };
    const odd = serializeBundle(sealBundle(foldRun(spans)));
    const verdict = verifyBundle(odd);
    expect(verdict.ok).toBe(true);
    expect(await check(odd)).toMatchObject({ state: 'verified', sha256: verdict.sha256 });
  });

  it('falls back to JavaScript when WebCrypto fails', async () => {
    const broken = {
      digest: () => Promise.reject(new Error('not allowed')),
    } as unknown as Subtle;
    expect(await sha256Text('abc', broken)).toEqual({
      hex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      engine: 'javascript',
    });
  });
});
