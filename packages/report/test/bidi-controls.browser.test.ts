import { foldRun, sealBundle, serializeBundle } from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../src/index.js';
import { attrs, BASE_NS, span } from './fixtures/spans.js';
import {
  CHROMIUM_PATH,
  launchChromium,
  openReport,
  SKIP_BROWSER_TESTS,
  SKIP_MESSAGE,
} from './helpers/browser.js';

const TRACE = 'b1d1b1d1b1d1b1d1b1d1b1d1b1d1b1d1';
/** Displayed reversed, this reads "editor@example.com approved"-ish: the text after U+202E flips. */
const ACTOR = 'zoe\u202emoc.elpmaxe@nimda';
const RUN = 'weekly\u2066\u202e report\u2069\u200f\u061c';

/** A sealed bundle whose run name and rejecting gate's actor hold bidi controls. */
function bundleText(): string {
  return serializeBundle(
    sealBundle(
      foldRun([
        span(TRACE, {
          spanId: '1000000000000001',
          name: 'run',
          startMs: 0,
          endMs: 100,
          attributes: attrs({ [sc.ATTR_RUN_ID]: 'r-bidi', [sc.ATTR_RUN_NAME]: RUN }),
        }),
        span(TRACE, {
          spanId: '2000000000000002',
          parentSpanId: '1000000000000001',
          name: 'review',
          startMs: 10,
          endMs: 90,
          attributes: attrs({ [sc.ATTR_STEP_ID]: 'review', [sc.ATTR_STEP_KIND]: 'human' }),
          events: [
            {
              name: sc.EVENT_GATE_REQUESTED,
              timeUnixNano: BASE_NS + 10_000_000n,
              attributes: attrs({ [sc.ATTR_GATE_ID]: 'g' }),
            },
            {
              name: sc.EVENT_GATE_RESOLVED,
              timeUnixNano: BASE_NS + 80_000_000n,
              attributes: attrs({
                [sc.ATTR_GATE_ID]: 'g',
                [sc.ATTR_GATE_DECISION]: 'rejected',
                [sc.ATTR_GATE_ACTOR]: ACTOR,
              }),
            },
          ],
        }),
      ]),
    ),
  );
}

const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

if (SKIP_BROWSER_TESTS) {
  describe('the report with bidi controls in bundle strings', () => {
    it.skip(SKIP_MESSAGE, () => {});
  });
}

describe.skipIf(SKIP_BROWSER_TESTS)(`the report with bidi controls (${CHROMIUM_PATH})`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows an actor, a run name and a file name holding U+202E escaped, never reordered', async () => {
    const html = renderReport(bundleText(), { source: 'run\u202enosj.json' });
    const r = await openReport(browser, html);
    try {
      const { page } = r;
      expect(await page.getAttribute('html', 'data-integrity')).toBe('verified');
      const gate = await page.locator('#gates tbody tr').first().innerText();
      expect(gate).toContain('rejected');
      expect(gate).toContain('zoe\\u202emoc.elpmaxe@nimda');
      const body = await page.locator('body').innerText();
      expect(body).not.toMatch(BIDI);
      expect(body).toContain('weekly\\u2066\\u202e report\\u2069\\u200f\\u061c');
      expect(body).toContain('run\\u202enosj.json');
      expect(await page.title()).not.toMatch(BIDI);
      // Tooltips are displayed text too.
      const titles = await page.$$eval('[title]', (els) => els.map((e) => e.getAttribute('title')));
      for (const t of titles) expect(t ?? '').not.toMatch(BIDI);
      expect(r.errors).toEqual([]);
    } finally {
      await r.close();
    }
  });
});
