import { createHash } from 'node:crypto';
import { verifyBundle, type VerifyResult } from '@llm-workbench/bundle';
import { describe, expect, it } from 'vitest';
import { demoLikeBundleText } from './fixtures/demo-like-bundle.js';
import { verifyCorpus } from './fixtures/verify-corpus.js';
import { pageModule, type IntegrityResult } from './helpers/page-modules.js';

const { checkIntegrity, sha256OfText } = await pageModule('integrity.ts');

/** A verdict as both sides can state it: passed or not, and each problem's code and path. */
export function verdictOfVerify(v: VerifyResult): { ok: boolean; problems: string[] } {
  return { ok: v.ok, problems: v.ok ? [] : v.problems.map((p) => `${p.code} ${p.path}`) };
}

function verdictOfPage(r: IntegrityResult): { ok: boolean; problems: string[] } {
  switch (r.state) {
    case 'verified':
      return { ok: true, problems: [] };
    case 'mismatch':
      return { ok: false, problems: ['hash_mismatch /integrity/sha256'] };
    default:
      return { ok: false, problems: r.problems.map((p) => `${p.code} ${p.path}`) };
  }
}

describe('checkIntegrity (in the page)', () => {
  const text = demoLikeBundleText();
  const sha256 = (JSON.parse(text) as { integrity: { sha256: string } }).integrity.sha256;

  it('reaches the verdict of workbench verify on every input of the corpus', () => {
    const corpus = verifyCorpus();
    expect(corpus.length).toBeGreaterThan(40);
    for (const c of corpus) {
      expect(verdictOfPage(checkIntegrity(c.text)), c.name).toEqual(
        verdictOfVerify(verifyBundle(c.text)),
      );
    }
  });

  it('verifies a sealed bundle, with its hash, version and redactions', () => {
    expect(checkIntegrity(text)).toEqual({
      state: 'verified',
      sha256,
      schemaVersion: 3,
      redactions: [],
    });
  });

  it('reports a changed value as a mismatch, with both hashes', () => {
    const tampered = text.replace('maria.keller@example.com', 'mallory@example.com');
    const result = checkIntegrity(tampered);
    expect(result).toEqual({
      state: 'mismatch',
      expected: sha256,
      computed: verifyBundle(tampered).sha256,
    });
  });

  it('says intact but invalid for a bundle whose hash matches and schema fails', () => {
    const corpus = verifyCorpus();
    const extra = corpus.find((c) => c.name === 'resealed with an extra member')!;
    expect(checkIntegrity(extra.text)).toMatchObject({
      state: 'invalid',
      intact: true,
      problems: [expect.objectContaining({ code: 'schema' })],
    });
  });

  it('rejects what RFC 8785 makes an error even when sealed without the checks', () => {
    const naive = verifyCorpus().filter((c) => /surrogate|1,200/.test(c.name));
    expect(naive).toHaveLength(4);
    for (const c of naive) {
      expect(checkIntegrity(c.text), c.name).toMatchObject({
        state: 'invalid',
        problems: [expect.objectContaining({ code: 'not_canonicalizable' })],
      });
    }
  });

  it('hashes text to the UTF-8 sha256 node:crypto gives, odd text included', () => {
    for (const s of ['', 'abc', 'Ünïcødé 😀 </script> \u2028', 'x'.repeat(100_000)]) {
      expect(sha256OfText(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
    }
  });
});
