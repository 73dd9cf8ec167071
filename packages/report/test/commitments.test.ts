import { createHash, webcrypto } from 'node:crypto';
import { BUNDLE_SCHEMA_VERSION, canonicalize, verifyBundle } from '@llm-workbench/bundle';
import { describe, expect, it } from 'vitest';
import { demoLikeBundle } from './fixtures/demo-like-bundle.js';
import {
  contentPaths,
  redact,
  sealV3,
  specIntegrityView,
  textOf,
  v3Bundle,
} from './fixtures/v3-bundle.js';
import { at, v3Cases, type Verdict } from './fixtures/v3-cases.js';
import { pageModule, type IntegrityResult, type Subtle } from './helpers/page-modules.js';

const { checkIntegrity, parseBundleText } = await pageModule('integrity.js');
const { integrityView } = await pageModule('commitments.js');
const subtle: Subtle = webcrypto.subtle;

/** Whether @llm-workbench/bundle implements version 3: then the page must agree with it. */
const BUNDLE_HAS_V3 = (BUNDLE_SCHEMA_VERSION as number) === 3;

type Json = Record<string, unknown>;

function pageVerdict(result: IntegrityResult): Verdict {
  switch (result.state) {
    case 'verified':
      return { ok: true, problems: [], redactions: result.redactions };
    case 'mismatch':
      return { ok: false, problems: [{ code: 'hash_mismatch', path: '/integrity/sha256' }] };
    default:
      return {
        ok: false,
        problems: result.problems.map(({ code, path }) => ({ code, path })),
      };
  }
}

async function inPage(text: string, withSubtle: Subtle | null = subtle): Promise<Verdict> {
  return pageVerdict(await checkIntegrity(text, parseBundleText(text), withSubtle));
}

describe('checkIntegrity on version 3 bundles (in the page)', () => {
  it('hashes the spec integrity view: redaction keeps the hash, content is not in it', () => {
    const full = v3Bundle();
    const redacted = redact(full, contentPaths(full));
    expect(JSON.stringify(integrityView(full))).toBe(JSON.stringify(specIntegrityView(full)));
    expect(integrityView(redacted)).toEqual(integrityView(full));
    // The view is a copy: the bundle shown below keeps its content.
    expect(at(full, '/model_io/1/input')['content']).toEqual(expect.any(String));
  });

  it('finds what the spec says for each case, with WebCrypto and with the JavaScript SHA-256', async () => {
    for (const c of v3Cases()) {
      expect(await inPage(c.text), c.name).toEqual(c.expected);
      expect(await inPage(c.text, null), `${c.name} (JavaScript)`).toEqual(c.expected);
    }
  });

  it.runIf(BUNDLE_HAS_V3)(
    'agrees with verifyBundle of @llm-workbench/bundle on every case (schema version 3 there)',
    async () => {
      for (const c of v3Cases()) {
        const verdict = verifyBundle(c.text);
        const expected: Verdict = verdict.ok
          ? { ok: true, problems: [], redactions: verdict.redactions ?? [] }
          : { ok: false, problems: verdict.problems.map(({ code, path }) => ({ code, path })) };
        expect(await inPage(c.text), c.name).toEqual(expected);
      }
    },
  );

  it.runIf(BUNDLE_HAS_V3)('seals as the bundle package seals: the same integrity.sha256', () => {
    const folded = demoLikeBundle();
    expect(sealV3(folded as unknown as Json)['integrity']).toEqual(folded.integrity);
  });

  it('hashes everything in versions 1 and 2, as before: there, content is in the hash', async () => {
    const { integrity: _i, ...rest } = demoLikeBundle() as unknown as Json;
    const v2: Json = {
      ...rest,
      schemaVersion: 2,
      artifacts: (rest['artifacts'] as Json[]).map(({ patchSha256: _p, ...a }) => a),
    };
    v2['integrity'] = {
      algorithm: 'sha256',
      canonicalization: 'RFC8785',
      sha256: createHash('sha256').update(canonicalize(v2), 'utf8').digest('hex'),
    };
    const text = textOf(v2);
    expect(await inPage(text)).toEqual({ ok: true, problems: [], redactions: [] });
    if (BUNDLE_HAS_V3) expect(verifyBundle(text)).toMatchObject({ ok: true, schemaVersion: 2 });
    const edited = JSON.parse(text) as Json;
    at(edited, '/model_io/1/output')['content'] = 'a response nobody gave';
    expect(await inPage(textOf(edited))).toEqual({
      ok: false,
      problems: [{ code: 'hash_mismatch', path: '/integrity/sha256' }],
    });
  });
});
