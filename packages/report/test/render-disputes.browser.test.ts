import { join } from 'node:path';
import { foldRun, sealBundle, serializeBundle } from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../src/index.js';
import { attrs, event, span } from './fixtures/spans.js';
import {
  CHROMIUM_PATH,
  launchChromium,
  openReport,
  OUTPUT_DIR,
  SKIP_BROWSER_TESTS,
  SKIP_MESSAGE,
} from './helpers/browser.js';

const TRACE = 'cd'.repeat(16);
const RUN = '00000000000000c1';
const REVIEW = '00000000000000c2';

function root(events: ReturnType<typeof event>[] = []) {
  return span(TRACE, {
    spanId: RUN,
    name: 'run',
    startMs: 0,
    endMs: 10_000,
    attributes: attrs({ [sc.ATTR_RUN_ID]: 'r', [sc.ATTR_RUN_NAME]: 'gates' }),
    events,
  });
}

function review(decision: string, actor: string) {
  return span(TRACE, {
    spanId: REVIEW,
    parentSpanId: RUN,
    name: 'step review',
    startMs: 1000,
    endMs: 5000,
    attributes: attrs({ [sc.ATTR_STEP_ID]: 'review' }),
    events: [
      event(sc.EVENT_GATE_REQUESTED, 1000, { [sc.ATTR_GATE_ID]: 'review' }),
      event(sc.EVENT_MODEL_IO, 2000, {
        [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
        [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
      }),
      event(sc.EVENT_GATE_RESOLVED, 4000, {
        [sc.ATTR_GATE_ID]: 'review',
        [sc.ATTR_GATE_DECISION]: decision,
        [sc.ATTR_GATE_ACTOR]: actor,
      }),
    ],
  });
}

if (SKIP_BROWSER_TESTS) {
  describe('disputes and gate states in Chromium', () => {
    it.skip(SKIP_MESSAGE, () => {});
  });
}

describe.skipIf(SKIP_BROWSER_TESTS)(
  `disputes and gate states in Chromium (${CHROMIUM_PATH})`,
  () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('shows a forged duplicate as a dispute with both versions, and the gate as disputed', async () => {
      const text = serializeBundle(
        sealBundle(
          foldRun([
            root(),
            review('rejected', 'zoe@example.com'),
            review('approved', 'admin@example.com'),
          ]),
        ),
      );
      const r = await openReport(browser, renderReport(text, { source: 'forged.json' }));
      try {
        const { page } = r;
        expect(await page.getAttribute('html', 'data-integrity')).toBe('verified');
        const disputes = await page.locator('#run-body .disputes').innerText();
        expect(disputes).toContain('1 span arrived in versions that differ');
        expect(disputes).toContain('step review');
        expect(disputes).toMatch(/workbench\.gate\.decision\s+"approved"\s+"rejected"/);
        expect(disputes).toMatch(
          /workbench\.gate\.actor\s+"admin@example\.com"\s+"zoe@example\.com"/,
        );
        const gate = await page.locator('#gates tbody tr').first().innerText();
        expect(gate).toContain('disputed');
        const call = page.locator('#model-calls tbody tr', { hasText: 'openai/gpt-4o' }).last();
        expect(await call.innerText()).toContain('disputed');
        await page.screenshot({ path: join(OUTPUT_DIR, 'disputed.png'), fullPage: true });
        expect(r.errors).toEqual([]);
      } finally {
        await r.close();
      }
    });

    it('shows a pending gate as pending and the run as incomplete, never timed out', async () => {
      const text = serializeBundle(
        sealBundle(
          foldRun([root([event(sc.EVENT_GATE_REQUESTED, 500, { [sc.ATTR_GATE_ID]: 'legal' })])]),
        ),
      );
      const r = await openReport(browser, renderReport(text, { source: 'pending.json' }));
      try {
        const { page } = r;
        const badges = await page.locator('.run__badges').innerText();
        expect(badges).toContain('incomplete');
        expect(badges).toContain('awaiting gate legal');
        expect(badges.replace('incomplete', '')).not.toContain('complete');
        const gate = await page.locator('#gates tbody tr').first().innerText();
        expect(gate).toContain('pending');
        expect(gate).not.toContain('timed out');
        expect(await page.locator('#run-body .disputes').count()).toBe(0);
        expect(r.errors).toEqual([]);
      } finally {
        await r.close();
      }
    });

    it('shows every decision of a gate resolved twice, and flags one resolved without a request', async () => {
      const text = serializeBundle(
        sealBundle(
          foldRun([
            root([
              event(sc.EVENT_GATE_RESOLVED, 300, {
                [sc.ATTR_GATE_ID]: 'deploy',
                [sc.ATTR_GATE_DECISION]: 'approved',
                [sc.ATTR_GATE_ACTOR]: 'bot',
              }),
              event(sc.EVENT_GATE_RESOLVED, 6000, {
                [sc.ATTR_GATE_ID]: 'review',
                [sc.ATTR_GATE_DECISION]: 'approved',
                [sc.ATTR_GATE_ACTOR]: 'admin@example.com',
              }),
            ]),
            review('rejected', 'zoe@example.com'),
          ]),
        ),
      );
      const r = await openReport(browser, renderReport(text, { source: 'twice.json' }));
      try {
        const { page } = r;
        const rows = await page.locator('#gates tbody').innerText();
        expect(rows).toContain('resolved again');
        expect(rows).toContain('no request');
        const history = await page.locator('#gates .gate-history').innerText();
        expect(history).toMatch(
          /requested[\s\S]*rejected by zoe@example\.com[\s\S]*approved by admin@example\.com/,
        );
        expect(r.errors).toEqual([]);
      } finally {
        await r.close();
      }
    });
  },
);
