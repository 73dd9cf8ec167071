import { createHash } from 'node:crypto';
import { canonicalize as jsonCanonicalize } from 'json-canonicalize';
import { describe, expect, it } from 'vitest';
import {
  canonicalize,
  computeIntegrity,
  foldRun,
  integrityView,
  sealBundle,
  serializeBundle,
  verifyBundle,
  type RunBundle,
  type UnsealedRunBundle,
} from '../src/index.js';
import { contentRun, sampleRun, toolCallWithContent } from './fixtures.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('sealBundle and serializeBundle', () => {
  it('hash the canonical form of the integrity view, and write the canonical form with content', () => {
    const unsealed = foldRun(sampleRun());
    expect(unsealed.artifacts.some((a) => a.patch !== null)).toBe(true); // content to leave out
    const sealed = sealBundle(unsealed);
    expect(sealed.integrity).toEqual({
      algorithm: 'sha256',
      canonicalization: 'RFC8785',
      sha256: sha256(canonicalize(integrityView(unsealed))),
    });
    expect(sealed.integrity.sha256).not.toBe(sha256(canonicalize(unsealed)));
    expect(computeIntegrity(sealed)).toEqual(sealed.integrity);
    const text = serializeBundle(sealed);
    expect(text).toBe(`${canonicalize({ ...sealed })}\n`);
    expect(serializeBundle(sealed)).toBe(text); // again: the same
    expect(verifyBundle(text).ok).toBe(true);
  });

  it('place integrity by key order whatever the other members are', () => {
    for (const extra of [{}, { aaa: 1 }, { zzz: [1] }, { aaa: 1, zzz: 2, integrityX: 'x' }]) {
      const unsealed = { ...foldRun(sampleRun()), ...extra } as unknown as UnsealedRunBundle;
      const sealed = sealBundle(unsealed);
      expect(serializeBundle(sealed)).toBe(`${canonicalize({ ...sealed })}\n`);
    }
    const empty = sealBundle({} as UnsealedRunBundle);
    expect(serializeBundle(empty)).toBe(`${canonicalize({ ...empty })}\n`);
    expect(empty.integrity.sha256).toBe(sha256('{}'));
    // integrity as the first, the last and the only member: the hashed text drops one comma.
    for (const [members, hashedText] of [
      [{ zzz: 1, zzzz: [2] }, '{"zzz":1,"zzzz":[2]}'],
      [{ aaa: 1, aaaa: { b: 2 } }, '{"aaa":1,"aaaa":{"b":2}}'],
      [{ aaa: 1, zzz: 2 }, '{"aaa":1,"zzz":2}'],
    ] as const) {
      const sealed = sealBundle(members as unknown as UnsealedRunBundle);
      expect(sealed.integrity.sha256).toBe(sha256(hashedText));
      expect(serializeBundle(sealed)).toBe(`${jsonCanonicalize({ ...sealed })}\n`);
    }
  });

  it('write what a sealed bundle holds now when a member or integrity was replaced', () => {
    const sealed = sealBundle(foldRun(sampleRun()));
    sealed.run = { ...sealed.run, name: 'renamed' };
    const text = serializeBundle(sealed);
    expect(JSON.parse(text)).toMatchObject({ run: { name: 'renamed' } });
    expect(verifyBundle(text).ok).toBe(false); // the hash was of the old name

    const resealed = sealBundle(foldRun(sampleRun()));
    resealed.integrity.sha256 = '0'.repeat(64);
    expect(serializeBundle(resealed)).toContain('0'.repeat(64));

    const other = sealBundle(foldRun(sampleRun()));
    const replaced: RunBundle = {
      ...other,
      integrity: { ...other.integrity, sha256: 'f'.repeat(64) },
    };
    expect(serializeBundle(replaced)).toContain('f'.repeat(64));
  });

  it('throw the same errors, with the same paths, as canonicalizing the whole bundle', () => {
    const bad = (patch: Record<string, unknown>): UnsealedRunBundle => ({
      ...foldRun(sampleRun()),
      ...patch,
    });
    let deep: unknown = 'leaf';
    for (let i = 0; i < 1000; i++) deep = [deep];
    const cases = [
      bad({ run: { ...foldRun(sampleRun()).run, durationMs: Number.NaN } }),
      bad({ zzz: 'lone \ud800 surrogate' }),
      bad({ ['\udc00']: 1, aaa: undefined }),
      bad({ steps: deep }), // arrays at depths 1 to 1000 under the root: one too many
      bad({ events: [new Date(0)] }),
      // with content, which the view leaves out but the file holds
      { ...foldRun(contentRun()), zzz: Number.POSITIVE_INFINITY } as unknown as UnsealedRunBundle,
      {
        ...foldRun(contentRun()),
        events: [toolCallWithContent('lone \udfff', '{}')],
      } as unknown as UnsealedRunBundle,
      {
        ...foldRun(contentRun()),
        artifacts: [{ ...foldRun(contentRun()).artifacts[0]!, content: 7n }],
      } as unknown as UnsealedRunBundle,
    ];
    for (const unsealed of cases) {
      const { integrity: _none, ...rest } = unsealed as RunBundle;
      const expected = thrown(() => canonicalize(rest)) as Error & { code: string; path: string };
      const actual = thrown(() => sealBundle(unsealed)) as Error & { code: string; path: string };
      expect(actual).toBeInstanceOf(expected.constructor as new () => Error);
      expect({ code: actual.code, path: actual.path, message: actual.message }).toEqual({
        code: expected.code,
        path: expected.path,
        message: expected.message,
      });
    }
  });

  it('hash the view and write the content when a bundle holds content of every kind', () => {
    const folded = foldRun(contentRun());
    const unsealed: UnsealedRunBundle = {
      ...folded,
      events: [...folded.events, toolCallWithContent('{"q":"\u2028"}', '"</script>"')],
    };
    const sealed = sealBundle(unsealed);
    expect(sealed.integrity.sha256).toBe(sha256(canonicalize(integrityView(unsealed))));
    expect(computeIntegrity(sealed)).toEqual(sealed.integrity);
    const text = serializeBundle(sealed);
    expect(text).toBe(`${canonicalize({ ...sealed })}\n`);
    expect(text).toContain('Pont Neuf');
    expect(verifyBundle(text)).toMatchObject({ ok: true, sha256: sealed.integrity.sha256 });
  });

  it('give the same hash and text when content is absent rather than null, or shared by two members', () => {
    const folded = foldRun(contentRun());
    const receipt = folded.model_io.find((m) => m.input.content !== null)!;
    const { content: _absent, ...inputWithout } = receipt.input;
    const shared = { ...receipt.output };
    for (const [input, output] of [
      [inputWithout, receipt.output],
      [shared, shared],
    ] as const) {
      const unsealed = {
        ...folded,
        model_io: folded.model_io.map((m) => (m === receipt ? { ...m, input, output } : m)),
      } as unknown as UnsealedRunBundle;
      const sealed = sealBundle(unsealed);
      expect(sealed.integrity.sha256).toBe(sha256(canonicalize(integrityView(unsealed))));
      expect(serializeBundle(sealed)).toBe(`${canonicalize({ ...sealed })}\n`);
    }
  });

  it('hash a version 1 or 2 bundle by its own rule, content included', () => {
    const folded = foldRun(contentRun());
    const v2 = { ...folded, schemaVersion: 2 } as unknown as UnsealedRunBundle;
    const sealed = sealBundle(v2);
    expect(sealed.integrity.sha256).toBe(sha256(canonicalize(v2)));
    expect(computeIntegrity(sealed)).toEqual(sealed.integrity);
    expect(serializeBundle(sealed)).toBe(`${canonicalize({ ...sealed })}\n`);
  });
});
