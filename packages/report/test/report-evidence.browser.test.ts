import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import {
  generateKeyPair,
  serializeEnvelope,
  signBundle,
  SigningKey,
  trustedKeyFromPem,
  type DsseEnvelope,
  type TrustedKey,
} from '@llm-workbench/evidence';
import { BUNDLE_SCHEMA_VERSION, verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The command lives in the CLI package; its behaviour is the report's, so it is tested here.
import { main } from '../../cli/src/main.js';
import { renderReport, type RenderReportOptions } from '../src/index.js';
import { contentPaths, redact, textOf, v3Bundle } from './fixtures/v3-bundle.js';
import { v3Cases, type Verdict } from './fixtures/v3-cases.js';
import {
  CHROMIUM_PATH,
  inPage,
  launchChromium,
  openReport,
  OUTPUT_DIR,
  SKIP_BROWSER_TESTS,
  SKIP_MESSAGE,
  type OpenedReport,
} from './helpers/browser.js';

if (SKIP_BROWSER_TESTS) {
  describe('the report in Chromium: signatures and redaction', () => {
    it.skip(SKIP_MESSAGE, () => {});
  });
}

type Json = Record<string, unknown>;

function signer(label: string): { key: SigningKey; trusted: TrustedKey } {
  const pair = generateKeyPair();
  return {
    key: SigningKey.fromPem(pair.privateKeyPem),
    trusted: trustedKeyFromPem(pair.publicKeyPem, label),
  };
}

/** The envelope with one character of its first signature changed. */
function forged(env: DsseEnvelope): string {
  const sig = env.signatures[0]!.sig;
  const c = sig[20] === 'A' ? 'B' : 'A';
  return serializeEnvelope({
    ...env,
    signatures: [{ ...env.signatures[0]!, sig: `${sig.slice(0, 20)}${c}${sig.slice(21)}` }],
  });
}

describe.skipIf(SKIP_BROWSER_TESTS)(
  `the report in Chromium (${CHROMIUM_PATH}): signatures and redaction`,
  () => {
    let browser: Browser;
    const alice = signer('alice.pub');
    const mallory = signer('mallory.pub');
    const bundle = v3Bundle();
    const text = textOf(bundle);
    const sha256 = (bundle['integrity'] as { sha256: string }).sha256;
    const envelope = signBundle(bundle as unknown as RunBundle, 'run.json', alice.key, {
      role: 'app',
    });

    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function open(
      bundleText: string,
      options: RenderReportOptions,
      opened: { hideWebCrypto?: boolean } = {},
    ): Promise<OpenedReport> {
      return openReport(browser, renderReport(bundleText, { source: 'run.json', ...options }), {
        ...(opened.hideWebCrypto
          ? {
              beforeLoad: async (page) => {
                await page.addInitScript({
                  content: `Object.defineProperty(window.crypto, 'subtle', { get: () => undefined });`,
                });
              },
            }
          : {}),
      });
    }

    const envelopeOf = (env: string) => ({ text: env, source: 'run.dsse.json' });
    const state = (r: OpenedReport, of: 'integrity' | 'signatures') =>
      r.page.getAttribute('html', `data-${of}`);
    const banner = (r: OpenedReport) => r.page.locator('#signatures').innerText();

    it('shows a signed bundle as verified by the trusted key, with its key id (WebCrypto Ed25519)', async () => {
      const r = await open(text, {
        envelope: envelopeOf(serializeEnvelope(envelope)),
        trustedKeys: [mallory.trusted, alice.trusted],
      });
      try {
        expect(await state(r, 'integrity')).toBe('verified');
        expect(await state(r, 'signatures')).toBe('verified');
        const said = await banner(r);
        expect(said).toContain('Signature verified by alice.pub');
        expect(said).toContain(alice.trusted.keyId);
        expect(said).toContain('WebCrypto Ed25519');
        expect(said).toContain('app signature at');
        expect(await r.page.locator('#signatures li[data-status="verified"]').count()).toBe(1);
        await r.page.screenshot({ path: join(OUTPUT_DIR, 'signed.png') });
        expect(r.errors).toEqual([]);
        expect(r.blocked).toEqual([]);
        expect(r.violations).toEqual([]);
      } finally {
        await r.close();
      }
    });

    it('verifies with the inlined @noble/ed25519 where the browser hides WebCrypto', async () => {
      const r = await open(
        text,
        { envelope: envelopeOf(serializeEnvelope(envelope)), trustedKeys: [alice.trusted] },
        { hideWebCrypto: true },
      );
      try {
        expect(await state(r, 'integrity')).toBe('verified');
        expect(await state(r, 'signatures')).toBe('verified');
        expect(await banner(r)).toContain('built-in JavaScript Ed25519 (@noble/ed25519');
        expect(r.errors).toEqual([]);
      } finally {
        await r.close();
      }
      const forgedHere = await open(
        text,
        { envelope: envelopeOf(forged(envelope)), trustedKeys: [alice.trusted] },
        { hideWebCrypto: true },
      );
      try {
        expect(await state(forgedHere, 'signatures')).toBe('invalid');
      } finally {
        await forgedHere.close();
      }
    });

    it('shows a signature with one byte changed as invalid (forged), in red', async () => {
      const r = await open(text, {
        envelope: envelopeOf(forged(envelope)),
        trustedKeys: [alice.trusted],
      });
      try {
        expect(await state(r, 'integrity')).toBe('verified');
        expect(await state(r, 'signatures')).toBe('invalid');
        const said = await banner(r);
        expect(said).toContain('Signature invalid: forged or damaged');
        expect(said).toContain('invalid (forged or damaged) · alice.pub');
        expect(
          await inPage(
            r.page,
            `getComputedStyle(document.getElementById('signatures')).backgroundColor`,
          ),
        ).toBe('rgb(207, 34, 46)');
        await r.page.screenshot({ path: join(OUTPUT_DIR, 'forged-signature.png') });
      } finally {
        await r.close();
      }
    });

    it('shows an envelope made for another bundle as a subject mismatch', async () => {
      const other = JSON.parse(JSON.stringify(bundle)) as Json;
      (other['integrity'] as { sha256: string }).sha256 = 'f'.repeat(64);
      const foreign = signBundle(other as unknown as RunBundle, 'other.json', alice.key, {
        role: 'app',
      });
      const r = await open(text, {
        envelope: envelopeOf(serializeEnvelope(foreign)),
        trustedKeys: [alice.trusted],
      });
      try {
        expect(await state(r, 'signatures')).toBe('subject-mismatch');
        const said = await banner(r);
        expect(said).toContain('Signature is for another bundle');
        expect(said).toContain('f'.repeat(64));
        expect(said).toContain(sha256);
      } finally {
        await r.close();
      }
    });

    it('shows a signature by a key it does not trust as untrusted, with the signer key id', async () => {
      const r = await open(text, {
        envelope: envelopeOf(serializeEnvelope(envelope)),
        trustedKeys: [mallory.trusted],
      });
      try {
        expect(await state(r, 'signatures')).toBe('untrusted');
        const said = await banner(r);
        expect(said).toContain('untrusted');
        expect(said).toContain('untrusted (no key embedded for it)');
        expect(said).toContain(alice.trusted.keyId);
        expect(said).not.toContain('mallory.pub');
      } finally {
        await r.close();
      }
    });

    it('says unsigned when no envelope came with the bundle', async () => {
      const r = await open(text, { trustedKeys: [alice.trusted] });
      try {
        expect(await state(r, 'integrity')).toBe('verified');
        expect(await state(r, 'signatures')).toBe('unsigned');
        expect(await banner(r)).toContain('Unsigned');
      } finally {
        await r.close();
      }
    });

    it('gives in Chromium the verdict verifyBundle gives (the spec, until the bundle package has version 3) on each version 3 case', async () => {
      const bundleHasV3 = (BUNDLE_SCHEMA_VERSION as number) === 3;
      for (const c of v3Cases()) {
        let expected: Verdict = c.expected;
        if (bundleHasV3) {
          const v = verifyBundle(c.text);
          expected = v.ok
            ? { ok: true, problems: [], redactions: v.redactions ?? [] }
            : { ok: false, problems: v.problems.map(({ code, path }) => ({ code, path })) };
        }
        const r = await openReport(browser, renderReport(c.text));
        try {
          const integrity = await state(r, 'integrity');
          const items = await r.page.locator('#integrity .integrity__problems li').allInnerTexts();
          const problems =
            integrity === 'mismatch'
              ? [{ code: 'hash_mismatch', path: '/integrity/sha256' }]
              : items.map((t) => {
                  const m = /^(\w+) at (\S+):/.exec(t);
                  return { code: m?.[1] ?? t, path: m?.[2] ?? '' };
                });
          expect({ ok: integrity === 'verified', problems }, c.name).toEqual({
            ok: expected.ok,
            problems: expected.problems,
          });
          if (expected.ok) {
            const shown = await r.page.locator('#integrity .integrity__redacted').count();
            expect(shown, c.name).toBe((expected.redactions ?? []).length > 0 ? 1 : 0);
          }
          expect(r.errors, c.name).toEqual([]);
        } finally {
          await r.close();
        }
      }
    });

    it('opens what workbench render wrote from files: X.dsse.json picked up, --trust embedded', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'render-signed-'));
      try {
        await writeFile(join(dir, 'run.json'), text);
        await writeFile(join(dir, 'run.dsse.json'), serializeEnvelope(envelope));
        await writeFile(
          join(dir, 'alice.pub'),
          alice.trusted.publicKey.export({ type: 'spki', format: 'pem' }),
        );
        const stderr = new PassThrough();
        const err: Buffer[] = [];
        stderr.on('data', (c: Buffer) => err.push(c));
        const code = await main(
          ['render', join(dir, 'run.json'), '--trust', join(dir, 'alice.pub')],
          {
            stdout: new PassThrough(),
            stderr,
            stdin: Readable.from(['']),
            isTTY: false,
          },
        );
        expect(code).toBe(0);
        expect(Buffer.concat(err).toString('utf8')).toContain('verified by alice.pub');
        const r = await openReport(browser, await readFile(join(dir, 'run.html'), 'utf8'));
        try {
          expect(await state(r, 'signatures')).toBe('verified');
          expect(await banner(r)).toContain('Signature verified by alice.pub');
          expect(await banner(r)).toContain('from run.dsse.json');
          expect(await banner(r)).not.toContain('signed as');
        } finally {
          await r.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('shows a version 3 bundle whose content was changed as failed, naming the content', async () => {
      const tampered = JSON.parse(text) as Json;
      const receipt = (tampered['model_io'] as Json[])[1]!;
      (receipt['output'] as Json)['content'] = 'A response nobody gave.';
      const r = await open(textOf(tampered), {
        envelope: envelopeOf(serializeEnvelope(envelope)),
        trustedKeys: [alice.trusted],
      });
      try {
        expect(await state(r, 'integrity')).toBe('content-mismatch');
        const said = await r.page.locator('#integrity').innerText();
        expect(said).toContain('Integrity check failed: content does not match what was sealed');
        expect(said).toContain('content_mismatch at /model_io/1/output/content');
        expect(
          await inPage(
            r.page,
            `getComputedStyle(document.getElementById('integrity')).backgroundColor`,
          ),
        ).toBe('rgb(207, 34, 46)');
        // The signature still names the sealed hash, and the banner says the file no longer holds it.
        expect(await state(r, 'signatures')).toBe('verified');
        expect(await banner(r)).toContain('not for what this file holds now');
        // Amber, not green: it vouches for nothing this page shows.
        expect(
          await inPage(
            r.page,
            `getComputedStyle(document.getElementById('signatures')).backgroundColor`,
          ),
        ).toBe('rgb(255, 248, 197)');
        await r.page.screenshot({ path: join(OUTPUT_DIR, 'content-tampered.png') });
      } finally {
        await r.close();
      }
    });

    it('shows a redacted bundle verified and signed, says what was redacted, and marks it where content is shown', async () => {
      const paths = contentPaths(bundle);
      const redacted = redact(bundle, paths);
      const r = await open(textOf(redacted), {
        envelope: envelopeOf(serializeEnvelope(envelope)),
        trustedKeys: [alice.trusted],
      });
      try {
        expect(await state(r, 'integrity')).toBe('verified');
        const said = await r.page.locator('#integrity').innerText();
        expect(said).toContain(sha256);
        const notice = r.page.locator('#integrity .integrity__redacted');
        expect(await notice.getAttribute('data-redactions')).toBe(String(paths.length));
        const count = (re: RegExp) => paths.filter((p) => re.test(p)).length;
        expect(await notice.innerText()).toContain(
          `Redacted: ${count(/input\/content$/)} model inputs, ${count(/output\/content$/)} model outputs, ${count(/^\/artifacts\/\d+\/content$/)} artifact contents, 1 artifact patch.`,
        );
        expect(await state(r, 'signatures')).toBe('verified');
        expect(await banner(r)).toContain('Signature verified by alice.pub');

        expect(await r.page.locator('#model-calls .redacted').first().textContent()).toContain(
          'prompt redacted after the run was sealed',
        );
        expect(await r.page.locator('#artifacts td .redacted').count()).toBe(
          count(/^\/artifacts\/\d+\/content$/),
        );
        expect(await r.page.locator('#artifacts').innerText()).toContain(
          'the patch was redacted after the run was sealed',
        );
        await r.page.screenshot({ path: join(OUTPUT_DIR, 'redacted.png'), fullPage: true });
        expect(r.errors).toEqual([]);
      } finally {
        await r.close();
      }
    });
  },
);
