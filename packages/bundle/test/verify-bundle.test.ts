import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalize,
  foldRun,
  sealBundle,
  serializeBundle,
  verifyBundle,
  diffBundles,
  findDuplicateKeys,
  type RunBundle,
} from '../src/index.js';
import { sampleRun } from './fixtures.js';

const sealed = (): RunBundle => sealBundle(foldRun(sampleRun()));

/** Re-serializes with keys in reverse order at every level and four-space indentation. */
function reorderAndIndent(value: unknown): string {
  const rev = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rev);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).reverse()) out[k] = rev((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(rev(value), null, 4);
}

describe('verifyBundle', () => {
  it('accepts an intact bundle and returns its hash', () => {
    const b = sealed();
    const r = verifyBundle(serializeBundle(b));
    expect(r).toMatchObject({ ok: true, sha256: b.integrity.sha256 });
  });

  it('accepts the same bundle re-indented with its keys reordered', () => {
    const b = sealed();
    expect(verifyBundle(reorderAndIndent(JSON.parse(serializeBundle(b)))).ok).toBe(true);
  });

  it('rejects a bundle with one value changed, with the reason', () => {
    const text = serializeBundle(sealed()).replace('"approved"', '"rejected"');
    const r = verifyBundle(text);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems[0]).toMatchObject({ code: 'hash_mismatch', path: '/integrity/sha256' });
  });

  it('rejects one changed byte anywhere in the content', () => {
    const text = serializeBundle(sealed());
    const at = text.indexOf('ed@example.com');
    const changed = `${text.slice(0, at)}f${text.slice(at + 1)}`;
    expect(verifyBundle(changed).ok).toBe(false);
  });

  it('rejects an edited or removed integrity member', () => {
    const b = sealed();
    const edited = { ...b, integrity: { ...b.integrity, sha256: '0'.repeat(64) } };
    expect(verifyBundle(JSON.stringify(edited))).toMatchObject({
      ok: false,
      problems: [{ code: 'hash_mismatch' }],
    });
    const { integrity: _drop, ...bare } = b;
    expect(verifyBundle(JSON.stringify(bare))).toMatchObject({
      ok: false,
      problems: [{ code: 'missing_integrity' }],
    });
    const wrongAlg = { ...b, integrity: { ...b.integrity, algorithm: 'md5' } };
    expect(verifyBundle(JSON.stringify(wrongAlg))).toMatchObject({
      ok: false,
      problems: [{ code: 'bad_integrity', path: '/integrity/algorithm' }],
    });
  });

  it('rejects duplicate members, even when the hash of the parsed value matches', () => {
    const text = serializeBundle(sealed());
    const dup = text.replace('"name":"newsletter"', '"name":"evil","name":"newsletter"');
    const r = verifyBundle(dup);
    expect(r).toMatchObject({
      ok: false,
      problems: [{ code: 'duplicate_key', path: '/run/name' }],
    });
  });

  it('rejects text that is not JSON, and JSON that is not a bundle', () => {
    expect(verifyBundle('{"schemaVersion":1,')).toMatchObject({
      ok: false,
      problems: [{ code: 'not_json' }],
    });
    expect(verifyBundle('[1,2]')).toMatchObject({
      ok: false,
      problems: [{ code: 'not_an_object' }],
    });
    const b = sealBundle({ ...foldRun(sampleRun()), extra: true } as never);
    expect(verifyBundle(JSON.stringify(b))).toMatchObject({
      ok: false,
      problems: [{ code: 'schema' }],
    });
  });

  it('rejects numbers JSON cannot hold exactly', () => {
    const text = serializeBundle(sealed()).replace('"spanCount":5', '"spanCount":1e400');
    expect(verifyBundle(text)).toMatchObject({
      ok: false,
      problems: [{ code: 'not_canonicalizable' }],
    });
  });
});

describe('findDuplicateKeys', () => {
  it('finds duplicates at any depth and ignores look-alike strings', () => {
    expect(findDuplicateKeys('{"a":{"b":1,"b":2},"c":["x","x"],"d":"\\"a\\":"}')).toEqual(['/a/b']);
    expect(findDuplicateKeys('[{"k":1},{"k":2}]')).toEqual([]);
  });
});

describe('diffBundles', () => {
  it('reports changed gate decisions, usage and artifact hashes', () => {
    const a = sealed();
    const changed = sampleRun().map((s) =>
      s.spanId === '4000000000000004'
        ? {
            ...s,
            events: s.events.map((e) =>
              e.name === 'workbench.gate.resolved'
                ? {
                    ...e,
                    attributes: Object.assign(Object.create(null), e.attributes, {
                      'workbench.gate.decision': 'rejected',
                    }),
                  }
                : e,
            ),
          }
        : s,
    );
    const b = sealBundle(foldRun(changed));
    const d = diffBundles(a, b);
    expect(d.identical).toBe(false);
    expect(d.changes).toEqual([
      { area: 'gate', subject: 'review.decision', before: 'approved', after: 'rejected' },
    ]);
    expect(diffBundles(a, a)).toMatchObject({ identical: true, changes: [] });
  });

  it('reports changed cache-read, cache-write and reasoning tokens per model and in total', () => {
    const a = sealed();
    const changed = sampleRun().map((s) => ({
      ...s,
      events: s.events.map((e) =>
        e.name === 'workbench.model_io'
          ? {
              ...e,
              attributes: Object.assign(Object.create(null), e.attributes, {
                'gen_ai.usage.cache_read.input_tokens': 80,
                'gen_ai.usage.cache_write.input_tokens': 20,
                'gen_ai.usage.reasoning.output_tokens': 5,
              }),
            }
          : e,
      ),
    }));
    const changes = diffBundles(a, sealBundle(foldRun(changed))).changes;
    expect(changes).toEqual(
      expect.arrayContaining([
        { area: 'usage', subject: 'fake/fake-1.cacheReadInputTokens', before: 0, after: 80 },
        { area: 'usage', subject: 'fake/fake-1.cacheWriteInputTokens', before: 0, after: 20 },
        { area: 'usage', subject: 'total.reasoningOutputTokens', before: 0, after: 5 },
      ]),
    );
  });
});

describe('verifyBundle on schema version 1', () => {
  /** A version 1 file as the first release wrote it: the old cache name, no vocabularies. */
  function versionOne(): string {
    const { integrity: _i, ...rest } = sealed();
    const v1 = {
      ...rest,
      schemaVersion: 1,
      steps: rest.steps.map(({ vocabularies: _v, ...s }) => s),
      model_io: rest.model_io.map(
        ({ providerRaw: _p, vocabularies: _v, status: _s, sources: _r, usage, ...m }) => {
          const { cacheWriteInputTokens, ...u } = usage;
          return { ...m, usage: { ...u, cacheCreationInputTokens: cacheWriteInputTokens } };
        },
      ),
    };
    const sha256 = createHash('sha256').update(canonicalize(v1), 'utf8').digest('hex');
    return JSON.stringify({
      ...v1,
      integrity: { algorithm: 'sha256', canonicalization: 'RFC8785', sha256 },
    });
  }

  it('still verifies, and reads the bundle in the current model', () => {
    const text = versionOne();
    const result = verifyBundle(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.schemaVersion).toBe(1);
    expect(result.sha256).toBe((JSON.parse(text) as RunBundle).integrity.sha256);
    expect(result.bundle.schemaVersion).toBe(2);
    const original = sealed().model_io;
    expect(result.bundle.model_io).toHaveLength(original.length);
    result.bundle.model_io.forEach((m, i) => {
      const o = original[i];
      expect(m.providerRaw).toBe(o?.provider);
      expect(m.usage).toEqual(o?.usage);
      expect(m.vocabularies).toEqual(m.source === 'event' ? ['workbench'] : []);
      expect(m.sources).toEqual([]);
      expect(m.status).toBeNull();
    });
    expect(result.bundle.steps.length).toBeGreaterThan(0);
    for (const s of result.bundle.steps) expect(s.vocabularies).toEqual(['workbench']);
  });

  it('rejects a version 1 file that carries version 2 members', () => {
    const value = JSON.parse(versionOne()) as Record<string, unknown>;
    const { integrity: _i, ...rest } = value;
    const mixed = {
      ...rest,
      model_io: (rest['model_io'] as object[]).map((m) => ({ ...m, vocabularies: [] })),
    };
    const sha256 = createHash('sha256').update(canonicalize(mixed), 'utf8').digest('hex');
    const result = verifyBundle(
      JSON.stringify({
        ...mixed,
        integrity: { algorithm: 'sha256', canonicalization: 'RFC8785', sha256 },
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.code).toBe('schema');
  });
});
