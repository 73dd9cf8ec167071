import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalize,
  foldRun,
  sealBundle,
  serializeBundle,
  verifyBundle,
  diffBundles,
  computeIntegrity,
  integrityView,
  type RunBundle,
  type VerifyProblem,
} from '../src/index.js';
import { contentRun, sampleRun, toolCallWithContent } from './fixtures.js';

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
      artifacts: rest.artifacts.map(({ patchSha256: _p, ...a }) => a),
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
    expect(result.bundle.schemaVersion).toBe(3);
    expect(result.redactions).toBeUndefined();
    for (const a of result.bundle.artifacts) expect(a.patchSha256).toBeNull();
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

const sha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The sample run with content captured and a tool call holding content, sealed by version 3. */
function withContent(): RunBundle {
  const unsealed = foldRun(contentRun());
  return sealBundle({
    ...unsealed,
    events: [...unsealed.events, toolCallWithContent('{"city":"Paris"}', '{"temp":21}')],
  });
}

/** A bundle changed by `edit` on a JSON copy, written without re-sealing. */
function edited(bundle: RunBundle, edit: (b: RunBundle) => void): string {
  const copy = JSON.parse(serializeBundle(bundle)) as RunBundle;
  edit(copy);
  return JSON.stringify(copy);
}

function problems(text: string): VerifyProblem[] {
  const r = verifyBundle(text);
  return r.ok ? [] : r.problems;
}

describe('verifyBundle on schema version 3', () => {
  it('accepts a bundle holding content of every kind, and says nothing was redacted', () => {
    const b = withContent();
    expect(b.schemaVersion).toBe(3);
    const text = serializeBundle(b);
    expect(text).toContain('Pont Neuf'); // the content is in the file
    const r = verifyBundle(text);
    expect(r).toMatchObject({
      ok: true,
      schemaVersion: 3,
      redactions: [],
      sha256: b.integrity.sha256,
    });
  });

  it('hashes commitments, not content: removing or replacing content changes no hash', () => {
    const b = withContent();
    const removed = JSON.parse(
      edited(b, (c) => {
        c.model_io[1]!.input.content = null;
        c.artifacts[0]!.content = null;
      }),
    ) as RunBundle;
    expect(computeIntegrity(removed)).toEqual(b.integrity);
    const replaced = JSON.parse(
      edited(b, (c) => {
        c.model_io[1]!.output.content = 'something else entirely';
      }),
    ) as RunBundle;
    expect(computeIntegrity(replaced)).toEqual(b.integrity);
    // ...while the text hashed is the view, with every content null
    expect(b.integrity.sha256).toBe(sha(canonicalize(integrityView(b))));
    expect(canonicalize(integrityView(b))).not.toContain('Pont Neuf');
  });

  it('hashes each commitment: changing one is a hash mismatch', () => {
    const b = withContent();
    for (const edit of [
      (c: RunBundle) => (c.model_io[1]!.input.sha256 = sha('x')),
      (c: RunBundle) => (c.artifacts[0]!.sha256 = sha('x')),
      (c: RunBundle) => (c.artifacts[1]!.patchSha256 = sha('x')),
      (c: RunBundle) => (c.model_io[1]!.input.omitted = 'not_captured'),
    ]) {
      expect(problems(edited(b, edit)).map((p) => p.code)).toEqual(['hash_mismatch']);
    }
  });

  it('fails content_mismatch at the content member when content does not match its commitment', () => {
    const b = withContent();
    const toolAt = b.events.findIndex((e) => e.type === 'tool_call');
    const cases: [string, (c: RunBundle) => void][] = [
      ['/model_io/1/input/content', (c) => (c.model_io[1]!.input.content = 'edited prompt')],
      ['/model_io/1/output/content', (c) => (c.model_io[1]!.output.content += '!')],
      [
        `/events/${toolAt}/arguments/content`,
        (c) => {
          const e = c.events[toolAt];
          if (e?.type === 'tool_call') e.arguments.content = '{"city":"Lyon"}';
        },
      ],
      [
        `/events/${toolAt}/result/content`,
        (c) => {
          const e = c.events[toolAt];
          if (e?.type === 'tool_call') e.result.content = '{}';
        },
      ],
      ['/artifacts/0/content', (c) => (c.artifacts[0]!.content = 'hullo')],
      ['/artifacts/1/patch', (c) => (c.artifacts[1]!.patch = '@@ -1 +1 @@\n-a\n+b\n')],
    ];
    for (const [path, edit] of cases) {
      const text = edited(b, edit);
      const r = verifyBundle(text);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.sha256).toBe(b.integrity.sha256); // the hash itself still holds
      expect(r.problems).toEqual([expect.objectContaining({ code: 'content_mismatch', path })]);
    }
  });

  it('fails content_mismatch for content whose commitment is null', () => {
    const b = withContent();
    const unsealed = { ...b, integrity: undefined };
    const bare = sealBundle({
      ...unsealed,
      artifacts: b.artifacts.map((a, i) => (i === 0 ? { ...a, sha256: null } : a)),
    });
    expect(problems(serializeBundle(bare))).toEqual([
      expect.objectContaining({ code: 'content_mismatch', path: '/artifacts/0/content' }),
    ]);
  });

  it('keeps redactions outside the hash and returns them', () => {
    const b = withContent();
    const text = edited(b, (c) => {
      c.model_io[1]!.input.content = null;
      c.redactions = [{ path: '/model_io/1/input/content', kind: 'model_input' }];
    });
    expect(verifyBundle(text)).toMatchObject({
      ok: true,
      sha256: b.integrity.sha256,
      redactions: [{ path: '/model_io/1/input/content', kind: 'model_input' }],
    });
  });

  it('fails bad_redaction for a record naming a member that holds content, has no commitment, or is not content of its kind', () => {
    const b = withContent();
    const bad = (
      redactions: NonNullable<RunBundle['redactions']>,
      more?: (c: RunBundle) => void,
    ): string =>
      edited(b, (c) => {
        more?.(c);
        c.redactions = redactions;
      });
    // names a member that still holds content
    expect(problems(bad([{ path: '/model_io/1/input/content', kind: 'model_input' }]))).toEqual([
      expect.objectContaining({ code: 'bad_redaction', path: '/redactions/0' }),
    ]);
    // names a null member without a commitment (the span receipt committed to nothing)
    expect(b.model_io[0]!.input).toEqual({ content: null, omitted: null, sha256: null });
    expect(problems(bad([{ path: '/model_io/0/input/content', kind: 'model_input' }]))).toEqual([
      expect.objectContaining({ code: 'bad_redaction', path: '/redactions/0' }),
    ]);
    // a path that is no content member, and a kind that is not the member's
    expect(
      problems(
        bad(
          [
            { path: '/model_io/1/input/content', kind: 'model_output' },
            { path: '/run/name', kind: 'model_input' },
            { path: '/model_io/99/input/content', kind: 'model_input' },
          ],
          (c) => (c.model_io[1]!.input.content = null),
        ),
      ).map((p) => [p.code, p.path]),
    ).toEqual([
      ['bad_redaction', '/redactions/0'],
      ['bad_redaction', '/redactions/1'],
      ['bad_redaction', '/redactions/2'],
    ]);
  });

  it('rejects a redactions member of the wrong shape as a schema problem', () => {
    const b = withContent();
    const text = edited(b, (c) => {
      (c as unknown as Record<string, unknown>).redactions = [{ path: '/x', kind: 'prompt' }];
    });
    expect(problems(text)[0]?.code).toBe('schema');
  });
});

describe('verifyBundle on schema version 2', () => {
  /** A version 2 file as the previous release wrote it: no patch commitment, content hashed. */
  function versionTwo(): string {
    const { integrity: _i, ...rest } = withContent();
    const v2 = {
      ...rest,
      schemaVersion: 2,
      artifacts: rest.artifacts.map(({ patchSha256: _p, ...a }) => a),
    };
    const sha256 = sha(canonicalize(v2));
    return JSON.stringify({
      ...v2,
      integrity: { algorithm: 'sha256', canonicalization: 'RFC8785', sha256 },
    });
  }

  it('still verifies by its own rule and reads the bundle in the current model', () => {
    const text = versionTwo();
    const r = verifyBundle(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.schemaVersion).toBe(2);
    expect(r.redactions).toBeUndefined();
    expect(r.bundle.schemaVersion).toBe(3);
    for (const a of r.bundle.artifacts) expect(a.patchSha256).toBeNull();
    expect(r.bundle.model_io[1]!.input.content).toContain('Pont Neuf');
  });

  it('hashes its content: removing content from a version 2 file breaks it', () => {
    const value = JSON.parse(versionTwo()) as RunBundle;
    value.model_io[1]!.input.content = null;
    expect(problems(JSON.stringify(value)).map((p) => p.code)).toEqual(['hash_mismatch']);
  });

  it('rejects a version 2 file hashed by the version 3 rule', () => {
    const value = JSON.parse(versionTwo()) as Record<string, unknown>;
    const { integrity: _i, ...rest } = value;
    const sha256 = sha(canonicalize(integrityView(rest)));
    const text = JSON.stringify({
      ...rest,
      integrity: { algorithm: 'sha256', canonicalization: 'RFC8785', sha256 },
    });
    expect(problems(text).map((p) => p.code)).toEqual(['hash_mismatch']);
  });
});
