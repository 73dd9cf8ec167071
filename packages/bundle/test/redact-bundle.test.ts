import { describe, expect, it } from 'vitest';
import {
  computeIntegrity,
  contentMembers,
  foldRun,
  REDACTION_KINDS,
  redactBundle,
  RedactionError,
  sealBundle,
  serializeBundle,
  verifyBundle,
  type RedactionKind,
  type RunBundle,
} from '../src/index.js';
import { contentRun, rng, toolCallWithContent } from './fixtures.js';

/** A sealed bundle holding content of all six kinds. */
function full(): RunBundle {
  const folded = foldRun(contentRun());
  return sealBundle({
    ...folded,
    events: [...folded.events, toolCallWithContent('{"city":"Paris"}', '{"temp":21}')],
  });
}

const held = (b: RunBundle): RedactionKind[] =>
  contentMembers(b)
    .filter((m) => m.holder[m.key] !== null)
    .map((m) => m.kind)
    .sort();

describe('redactBundle', () => {
  it('removes every content, lists it, and keeps integrity, so the file verifies with the same hash', () => {
    const b = full();
    expect(held(b)).toEqual([...REDACTION_KINDS].sort()); // one of each kind to begin with
    const r = redactBundle(b);
    expect(held(r)).toEqual([]);
    expect(r.integrity).toBe(b.integrity);
    expect(r.redactions?.map((x) => x.kind).sort()).toEqual([...REDACTION_KINDS].sort());
    const paths = r.redactions!.map((x) => x.path);
    expect(paths).toEqual([...paths].sort());
    const text = serializeBundle(r);
    expect(text).not.toContain('Pont Neuf');
    expect(text).not.toContain('Paris');
    expect(verifyBundle(text)).toMatchObject({
      ok: true,
      sha256: b.integrity.sha256,
      redactions: r.redactions,
    });
    // the original is untouched
    expect(held(b)).toHaveLength(REDACTION_KINDS.length);
    expect(b.redactions).toBeUndefined();
  });

  it('keeps the kinds it is told to keep', () => {
    const b = full();
    const r = redactBundle(b, { keep: ['artifact_patch', 'model_output'] });
    expect(held(r)).toEqual(['artifact_patch', 'model_output']);
    expect(r.redactions?.map((x) => x.kind).sort()).toEqual([
      'artifact_content',
      'model_input',
      'tool_arguments',
      'tool_result',
    ]);
    expect(verifyBundle(serializeBundle(r))).toMatchObject({ ok: true });
  });

  it('writes no redactions member when nothing was redacted', () => {
    const b = full();
    const r = redactBundle(b, { keep: REDACTION_KINDS });
    expect('redactions' in r).toBe(false);
    expect(serializeBundle(r)).toBe(serializeBundle(b));
  });

  it('gives the same bundle and hash for random subsets redacted in any order', () => {
    const b = full();
    const everything = redactBundle(b);
    const random = rng(10);
    for (let round = 0; round < 60; round++) {
      // a random sequence of partial redactions, each keeping a random set of kinds
      let r = b;
      const steps = 1 + Math.floor(random() * 4);
      for (let s = 0; s < steps; s++) {
        const keep = REDACTION_KINDS.filter(() => random() < 0.5);
        r = redactBundle(JSON.parse(serializeBundle(r)) as RunBundle, { keep });
        const v = verifyBundle(serializeBundle(r));
        expect(v).toMatchObject({ ok: true, sha256: b.integrity.sha256 });
      }
      // whatever was redacted on the way, redacting the rest gives the one fully redacted file
      expect(serializeBundle(redactBundle(r))).toBe(serializeBundle(everything));
    }
  });

  it('verifies with the same hash whatever subset of content members is removed, in any order', () => {
    const b = full();
    const members = contentMembers(b).filter((m) => m.holder[m.key] !== null);
    const random = rng(99);
    for (let round = 0; round < 100; round++) {
      const copy = JSON.parse(serializeBundle(b)) as RunBundle;
      const chosen = members.filter(() => random() < 0.5);
      // remove them in a shuffled order, listing each as it goes
      const order = chosen.map((m) => [random(), m] as const).sort((x, y) => x[0] - y[0]);
      const byPath = new Map(contentMembers(copy).map((m) => [m.path, m]));
      const redactions = [];
      for (const [, m] of order) {
        const target = byPath.get(m.path)!;
        target.holder[target.key] = null;
        redactions.push({ path: m.path, kind: m.kind });
      }
      if (redactions.length > 0) {
        copy.redactions = redactions.sort((x, y) => (x.path < y.path ? -1 : 1));
      }
      expect(computeIntegrity(copy)).toEqual(b.integrity);
      expect(verifyBundle(JSON.stringify(copy))).toMatchObject({
        ok: true,
        sha256: b.integrity.sha256,
        redactions: copy.redactions ?? [],
      });
    }
  });

  it('refuses a version 2 bundle, whose hash covers its content', () => {
    const v2 = { ...full(), schemaVersion: 2 } as unknown as RunBundle;
    expect(() => redactBundle(v2)).toThrow(RedactionError);
    expect(() => redactBundle(v2)).toThrow(/schema version 2 cannot be redacted/);
  });

  it('refuses content without a commitment', () => {
    const b = full();
    const bare = { ...b, artifacts: b.artifacts.map((a) => ({ ...a, sha256: null })) };
    expect(() => redactBundle(bare)).toThrow(/\/artifacts\/0\/content holds content without/);
    // ...unless that kind is kept
    expect(() => redactBundle(bare, { keep: ['artifact_content'] })).not.toThrow();
  });
});
