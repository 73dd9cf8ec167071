import { verifyBundle } from '@llm-workbench/bundle';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../src/index.js';
import { verifyCorpus } from './fixtures/verify-corpus.js';
import {
  CHROMIUM_PATH,
  launchChromium,
  openReport,
  SKIP_BROWSER_TESTS,
  SKIP_MESSAGE,
} from './helpers/browser.js';

// The page's verdict is workbench verify's: the same checks (@llm-workbench/bundle's
// verifyBundleWith) run in Chromium on the embedded text, on every input of the corpus.

/** The problems the banner lists at most; past that it says how many more. */
const SHOWN = 8;

/**
 * A problem as compared: code, path and message, but for not_json, whose message is the JSON
 * parser's own (Node's and Chromium's V8 may word it differently).
 */
function said(p: { code: string; path: string; message: string }): string {
  return p.code === 'not_json' ? `${p.code} ${p.path}` : `${p.code} ${p.path}: ${p.message}`;
}

if (SKIP_BROWSER_TESTS) {
  describe('the report in Chromium: the verdict of workbench verify', () => {
    it.skip(SKIP_MESSAGE, () => {});
  });
}

describe.skipIf(SKIP_BROWSER_TESTS)(
  `the report in Chromium (${CHROMIUM_PATH}): the verdict of workbench verify`,
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('reaches the verdict of workbench verify on every input of the corpus', async () => {
      const corpus = verifyCorpus();
      expect(corpus.length).toBeGreaterThan(40);
      for (const c of corpus) {
        const verdict = verifyBundle(c.text);
        const expected = verdict.ok
          ? { ok: true, count: 0, problems: [] }
          : {
              ok: false,
              count: verdict.problems.length,
              problems: verdict.problems.slice(0, SHOWN).map(said),
            };
        const r = await openReport(browser, renderReport(c.text));
        try {
          const state = await r.page.getAttribute('html', 'data-integrity');
          const list = r.page.locator('#integrity .integrity__problems');
          const shown = await r.page
            .locator('#integrity .integrity__problems li[data-code]')
            .evaluateAll((lis) =>
              lis.map((li) => {
                // No DOM types in the tests' program: a list item as the page draws it.
                const item = li as unknown as {
                  dataset: Record<string, string | undefined>;
                  textContent: string | null;
                };
                const text = item.textContent ?? '';
                return {
                  code: item.dataset['code'] ?? '',
                  path: item.dataset['path'] ?? '',
                  message: text.slice(text.indexOf(': ') + 2),
                };
              }),
            );
          let seen;
          if (state === 'mismatch') {
            // Shown as the two hashes, expected then computed: verify's message, in a table.
            const [claimed, computed] = await r.page
              .locator('#integrity .integrity__hashes code')
              .allTextContents();
            seen = {
              ok: false,
              count: 1,
              problems: [
                said({
                  code: 'hash_mismatch',
                  path: '/integrity/sha256',
                  message: `content hashes to ${computed}, but integrity.sha256 says ${claimed}`,
                }),
              ],
            };
          } else {
            seen = {
              ok: state === 'verified',
              count: state === 'verified' ? 0 : Number(await list.getAttribute('data-problems')),
              problems: shown.map(said),
            };
          }
          expect(seen, c.name).toEqual(expected);
          expect(r.errors, c.name).toEqual([]);
          expect(r.violations, c.name).toEqual([]);
        } finally {
          await r.close();
        }
      }
    }, 240_000);
  },
);
