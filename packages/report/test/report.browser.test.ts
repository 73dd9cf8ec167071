import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { foldRun, sealBundle, serializeBundle, type RunBundle } from '@llm-workbench/bundle';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateCosts, GENAI_PRICES_VERSION } from '@llm-workbench/pricing';
import { renderReport } from '../src/index.js';
import { demoBundleText } from './fixtures/demo-bundle.js';
import { event, span } from './fixtures/spans.js';
import { demoLikeBundleText } from './fixtures/demo-like-bundle.js';
import { largeBundleText } from './fixtures/large-bundle.js';
import { pricedBundleText } from './fixtures/priced-bundle.js';
import {
  CHROMIUM_PATH,
  inPage,
  launchChromium,
  openReport,
  OUTPUT_DIR,
  SKIP_BROWSER_TESTS,
  SKIP_MESSAGE,
  waitForReport,
} from './helpers/browser.js';

if (SKIP_BROWSER_TESTS) {
  describe('the report in Chromium', () => {
    it.skip(SKIP_MESSAGE, () => {});
  });
}

describe.skipIf(SKIP_BROWSER_TESTS)(`the report in Chromium (${CHROMIUM_PATH})`, () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the real demo run verified, with its gate, model totals and artifact diff', async () => {
    const text = await demoBundleText();
    const bundle = JSON.parse(text) as RunBundle;
    const r = await openReport(browser, renderReport(text, { source: 'demo.json' }));
    try {
      const { page } = r;
      expect(await page.getAttribute('html', 'data-integrity')).toBe('verified');
      const banner = page.locator('#integrity');
      await expect.poll(() => banner.innerText()).toContain('Integrity verified');
      expect(await banner.innerText()).toContain(bundle.integrity.sha256);
      // The verdict of workbench verify, by its own checks, schema included.
      expect(await banner.innerText()).toContain('the same checks as workbench verify');
      expect(await banner.innerText()).toContain('a valid version-3 run bundle');

      const gate = page.locator('#gates tbody tr').first();
      expect(await gate.innerText()).toContain('approved');
      expect(await gate.innerText()).toContain('editor@example.com');

      const total = page.locator('#model-calls tfoot tr');
      const tokensIn = bundle.model_io.reduce((n, m) => n + (m.usage.inputTokens ?? 0), 0);
      const tokensOut = bundle.model_io.reduce((n, m) => n + (m.usage.outputTokens ?? 0), 0);
      expect(await total.innerText()).toContain(tokensIn.toLocaleString('en-US'));
      expect(await total.innerText()).toContain(tokensOut.toLocaleString('en-US'));

      expect(await page.locator('#artifacts .diff__line--add').count()).toBeGreaterThan(0);
      expect(await page.locator('#artifacts .diff__line--del').count()).toBeGreaterThan(0);
      expect(await page.locator('#workflow svg .dag__node').count()).toBe(4);
      expect(await page.locator('#workflow svg .dag__gate').count()).toBe(1);

      await page.screenshot({ path: join(OUTPUT_DIR, 'demo.png'), fullPage: true });
      expect(r.errors).toEqual([]);
      expect(r.blocked).toEqual([]);
    } finally {
      await r.close();
    }
  });

  it("shows a tool approval's subject in the gates table: the tool, its call id, the arguments' hash", async () => {
    const bundle = sealBundle(
      foldRun([
        span('cc'.repeat(16), {
          spanId: '00000000000000c1',
          name: 'run',
          startMs: 0,
          endMs: 10_000,
          attributes: { 'workbench.run.id': 'tool-gate' },
          events: [
            event('workbench.gate.requested', 100, {
              'workbench.gate.id': 'tool-approval:a1',
              'workbench.gate.subject.tool.name': 'send_email',
              'workbench.gate.subject.tool.call_id': 'call_1',
              'workbench.gate.subject.tool.arguments.sha256': 'cd'.repeat(32),
            }),
            event('workbench.gate.resolved', 5_000, {
              'workbench.gate.id': 'tool-approval:a1',
              'workbench.gate.decision': 'rejected',
              'workbench.gate.actor': 'ops@example.com',
            }),
          ],
        }),
      ]),
    );
    const r = await openReport(
      browser,
      renderReport(serializeBundle(bundle), { source: 'tool.json' }),
    );
    try {
      const row = await r.page.locator('#gates tbody tr').first().innerText();
      expect(row).toContain('tool send_email [call_1]');
      expect(row).toContain(`args sha256 ${'cd'.repeat(6)}…`);
      expect(row).toContain('rejected');
      expect(row).toContain('ops@example.com');
      const title = await r.page
        .locator('#gates tbody tr .cell-sub[title]')
        .last()
        .getAttribute('title');
      expect(title).toBe('cd'.repeat(32));
    } finally {
      await r.close();
    }
  });

  it('shows a run that spans traces: its segments, and a gate requested in 1 and resolved in 3 with its wait', async () => {
    const HOUR = 3_600_000;
    const segment = (
      n: number,
      traceId: string,
      state: string,
      at: number,
      gate: 'req' | 'res' | null,
    ) => {
      const runSpanId = `00000000000000${n}0`;
      return [
        span(traceId, {
          spanId: runSpanId,
          name: 'run',
          startMs: at,
          endMs: at + 1_000,
          attributes: {
            'workbench.run.id': 'paused',
            'workbench.run.segment': n,
            'workbench.run.segment.state': state,
          },
        }),
        span(traceId, {
          spanId: `00000000000000${n}1`,
          parentSpanId: runSpanId,
          name: 'step review',
          startMs: at + 100,
          endMs: at + 900,
          attributes: { 'workbench.step.id': 'review' },
          events:
            gate === 'req'
              ? [event('workbench.gate.requested', at + 200, { 'workbench.gate.id': 'review' })]
              : gate === 'res'
                ? [
                    event('workbench.gate.resolved', at + 200, {
                      'workbench.gate.id': 'review',
                      'workbench.gate.decision': 'approved',
                      'workbench.gate.actor': 'editor@example.com',
                    }),
                  ]
                : [],
        }),
      ];
    };
    const bundle = sealBundle(
      foldRun([
        ...segment(1, 'a1'.repeat(16), 'suspended', 0, 'req'),
        ...segment(2, 'b2'.repeat(16), 'suspended', HOUR, null),
        ...segment(3, 'c3'.repeat(16), 'ended', 2 * HOUR, 'res'),
      ]),
    );
    expect(bundle.run.segments).toHaveLength(3);
    const r = await openReport(
      browser,
      renderReport(serializeBundle(bundle), { source: 'paused.json' }),
    );
    try {
      const facts = await r.page.locator('.facts').innerText();
      expect(facts).toContain('3 · 1 suspended → 2 suspended → 3 ended');
      const row = await r.page.locator('#gates tbody tr').first().innerText();
      expect(row).toContain('segments 1 → 3');
      expect(row).toMatch(/\(segment 1\) requested/);
      expect(row).toMatch(/\(segment 3\) approved by editor@example\.com/);
      expect(row).toContain('2 h');
    } finally {
      await r.close();
    }
  });

  it('shows a richer run in full: gates with actors, totals, diffs (screenshot for people)', async () => {
    const r = await openReport(
      browser,
      renderReport(demoLikeBundleText(), { source: 'weekly-newsletter.json' }),
    );
    try {
      const { page } = r;
      expect(await page.getAttribute('html', 'data-integrity')).toBe('verified');
      const gates = await page.locator('#gates tbody').innerText();
      expect(gates).toContain('maria.keller@example.com');
      expect(gates).toContain('j.okafor@example.com');
      expect(await page.locator('#model-calls tfoot').innerText()).toMatch(
        /Total\s+4\s+8,900\s+1,724\s+34 s\s+\$0\.02295/,
      );
      const tools = await page.locator('#tool-calls tbody').innerText();
      expect(tools).toContain('search_news');
      expect(tools).toContain('call call_7Qb2');
      expect(tools).toMatch(/sha256 [0-9a-f]{12}…/);
      const added = (
        await page.locator('#artifacts .diff__line--add .diff__text').allInnerTexts()
      ).join('\n');
      expect(added).toContain(
        'model calls, tool use and human approvals with one shared vocabulary.',
      );
      const removed = (
        await page.locator('#artifacts .diff__line--del .diff__text').allInnerTexts()
      ).join('\n');
      expect(removed).toContain(
        'Teams can now trace model calls, tool use and human approvals with one vocabulary.',
      );
      await page.screenshot({ path: join(OUTPUT_DIR, 'weekly-newsletter.png'), fullPage: true });
      await page.screenshot({ path: join(OUTPUT_DIR, 'weekly-newsletter-top.png') });
      expect(r.errors).toEqual([]);
    } finally {
      await r.close();
    }
  });

  it('shows estimated costs labelled as estimated with the pricing version, reported ones plain, and still verifies', async () => {
    const text = pricedBundleText();
    const bundle = JSON.parse(text) as RunBundle;
    const estimate = estimateCosts(bundle).receipts.find((r) => r.index === 1)!.estimate!;
    const r = await openReport(browser, renderReport(text, { source: 'priced.json' }));
    try {
      const { page } = r;
      expect(await page.getAttribute('html', 'data-integrity')).toBe('verified');
      await expect
        .poll(() => page.locator('#integrity').innerText())
        .toContain(bundle.integrity.sha256);
      const rows = page.locator('#model-calls table.calls tbody tr');
      expect(await rows.count()).toBe(3);
      const cost = (i: number) => rows.nth(i).locator('td').last();
      // Reported: as the bundle has it, with no label.
      expect(await cost(0).innerText()).toBe('$0.0035');
      // Input by modality, beneath the total it is part of.
      const input = await rows.nth(0).locator('td.num').first().innerText();
      expect(input).toMatch(/1,000\s+200 audio in\s+800 text in/);
      // Estimated: the library's amount, marked, with the pricing data named.
      const estimated = cost(1).locator('.estimated');
      const shown = await estimated.innerText();
      expect(shown).toMatch(/^≈ \$0\.\d+\s+estimated$/);
      expect(Number(/\$(\d+\.\d+)/.exec(shown)![1])).toBeCloseTo(estimate.amount, 4);
      expect(await estimated.getAttribute('title')).toContain(
        `@pydantic/genai-prices ${GENAI_PRICES_VERSION}`,
      );
      // Unknown to the pricing data: no estimate, none invented.
      expect(await cost(2).innerText()).toBe('—');
      const note = page.locator('#model-calls .estimate-note');
      expect(await note.getAttribute('data-pricing-version')).toBe(GENAI_PRICES_VERSION);
      expect(await note.innerText()).toContain(
        `with @pydantic/genai-prices ${GENAI_PRICES_VERSION}`,
      );
      expect(await note.innerText()).toContain('not part of the bundle');
      expect(await note.innerText()).toContain(
        '1 call without a reported cost could not be priced',
      );
      expect(await page.locator('#model-calls tfoot').innerText()).toMatch(
        /\$0\.0035\s+≈ \$0\.\d+/,
      );
      // The header's cost tile: the reported total, and the estimate apart, labelled.
      const tile = await page.locator('.glance__tile', { hasText: 'Model cost' }).innerText();
      expect(tile).toMatch(/\$0\.0035/);
      expect(tile).toMatch(/≈ \$0\.\d+ estimated \(@pydantic\/genai-prices /);
      // Per model: an estimate where one was made, a dash where none was.
      const perModel = page.locator('#model-calls table.totals tbody tr');
      expect(await perModel.nth(0).locator('td').last().innerText()).toBe('—');
      expect(await perModel.nth(1).locator('td').last().innerText()).toMatch(/^≈ \$0\.\d+$/);
      await page.screenshot({ path: join(OUTPUT_DIR, 'estimated-cost.png'), fullPage: true });
      expect(r.errors).toEqual([]);
      expect(r.blocked).toEqual([]);
    } finally {
      await r.close();
    }
  });

  it('shows a bundle with one value changed as failed, with the expected and computed hashes', async () => {
    const text = demoLikeBundleText();
    const expected = (JSON.parse(text) as RunBundle).integrity.sha256;
    const tampered = text.replace('"decision":"approved"', '"decision":"rejected"');
    expect(tampered).not.toBe(text);
    const r = await openReport(browser, renderReport(tampered, { source: 'tampered.json' }));
    try {
      const { page } = r;
      expect(await page.getAttribute('html', 'data-integrity')).toBe('mismatch');
      const banner = page.locator('#integrity');
      const said = await banner.innerText();
      expect(said).toContain('Integrity check failed');
      expect(said).toContain(expected);
      const computed = /Computed in this page[^\n]*\n?\s*([0-9a-f]{64})/.exec(said)?.[1];
      expect(computed).toMatch(/^[0-9a-f]{64}$/);
      expect(computed).not.toBe(expected);
      // Impossible to miss: a big red banner at the top of the page.
      const box = await banner.boundingBox();
      expect(box!.y).toBeLessThan(120);
      expect(box!.height).toBeGreaterThan(100);
      expect(
        await inPage(
          page,
          `getComputedStyle(document.getElementById('integrity')).backgroundColor`,
        ),
      ).toBe('rgb(207, 34, 46)');
      await page.screenshot({ path: join(OUTPUT_DIR, 'tampered.png') });
    } finally {
      await r.close();
    }
  });

  it('notices a bundle edited inside the report file after it was rendered', async () => {
    const text = demoLikeBundleText();
    const html = renderReport(text).replace('maria.keller@example.com', 'mallory@example.com');
    const r = await openReport(browser, html);
    try {
      expect(await r.page.getAttribute('html', 'data-integrity')).toBe('mismatch');
      expect(await r.page.locator('#integrity').innerText()).toContain(
        'not the one this report was rendered from',
      );
    } finally {
      await r.close();
    }
  });

  it('renders what is not a bundle at all, and content that tries to break out as plain text', async () => {
    const hostile =
      '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
    for (const text of [`not json ${hostile}`, JSON.stringify({ run: { name: hostile } })]) {
      const r = await openReport(browser, renderReport(text));
      try {
        const { page } = r;
        expect(await page.getAttribute('html', 'data-integrity')).toBe('invalid');
        expect(await page.locator('#integrity').innerText()).toContain(
          'Not a verifiable run bundle',
        );
        expect(await inPage(page, 'window.__pwned')).toBeUndefined();
        expect(await page.locator('img').count()).toBe(0);
        await page.locator('#raw summary').click();
        expect(await page.locator('#raw pre').innerText()).toContain('window.__pwned');
        expect(r.errors).toEqual([]);
      } finally {
        await r.close();
      }
    }
    const named = await openReport(
      browser,
      renderReport(JSON.stringify({ run: { name: hostile } })),
    );
    try {
      expect(await named.page.locator('h1').innerText()).toBe(hostile);
    } finally {
      await named.close();
    }
  });

  it('shows a bundle that is intact but fails the schema with the schema problems', async () => {
    const bundle = JSON.parse(demoLikeBundleText()) as RunBundle & { extra?: boolean };
    const { integrity: _old, ...rest } = bundle;
    const resealed = serializeBundle(sealBundle({ ...rest, extra: true } as unknown as RunBundle));
    const r = await openReport(browser, renderReport(resealed));
    try {
      // workbench verify rejects it, and so does the page: not verified, but said to be intact.
      expect(await r.page.getAttribute('html', 'data-integrity')).toBe('invalid');
      const banner = await r.page.locator('#integrity').innerText();
      expect(banner).toMatch(/Intact, but not a valid version-\d run bundle/);
      expect(banner).toContain('schema');
    } finally {
      await r.close();
    }
  });

  it('verifies with its own JavaScript SHA-256, also where the browser hides WebCrypto', async () => {
    const r = await openReport(browser, renderReport(demoLikeBundleText()), {
      beforeLoad: async (page) => {
        await page.addInitScript({
          content: `Object.defineProperty(window.crypto, 'subtle', { get: () => undefined });`,
        });
      },
    });
    try {
      expect(await r.page.getAttribute('html', 'data-integrity')).toBe('verified');
      expect(await r.page.locator('#integrity').innerText()).toContain(
        'its own JavaScript SHA-256',
      );
    } finally {
      await r.close();
    }
  });

  it('makes no request but for the page itself, and its CSP blocks any attempt', async () => {
    const r = await openReport(browser, renderReport(demoLikeBundleText()));
    try {
      const { page } = r;
      // Open everything a person could open.
      for (const summary of await page.locator('summary').all()) await summary.click();
      await page.waitForTimeout(200);
      expect(r.requests).toEqual([r.url]);
      expect(r.blocked).toEqual([]);
      expect(r.violations).toEqual([]);

      const attempt = await inPage<string>(
        page,
        `fetch('http://127.0.0.1:9/beacon').then(() => 'sent', () => 'blocked')`,
      );
      expect(attempt).toBe('blocked');
      await expect
        .poll(() => r.violations)
        .toContainEqual(expect.stringMatching(/^connect-src http:\/\/127\.0\.0\.1:9/));
      expect(r.requests).toEqual([r.url]);
      const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
      expect(csp).toContain("default-src 'none'");
    } finally {
      await r.close();
    }
  });

  it('is usable from the keyboard: skip link, focus styles, details that open with Enter', async () => {
    const r = await openReport(browser, renderReport(demoLikeBundleText()));
    try {
      const { page } = r;
      await page.keyboard.press('Tab');
      expect(await inPage(page, 'document.activeElement.textContent')).toBe('Skip to the report');
      const outline = await inPage(page, 'getComputedStyle(document.activeElement).outlineStyle');
      expect(outline).toBe('solid');
      await page.keyboard.press('Enter');
      expect(await inPage(page, 'document.activeElement.id')).toBe('main');

      const summary = page.locator('#model-calls details summary').first();
      await summary.focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('#model-calls details').first().getAttribute('open')).toBe('');

      expect(await page.locator('nav a[href="#gates"]').count()).toBe(1);
      expect(await page.locator('table th[scope="row"]').count()).toBeGreaterThan(5);
      expect(await page.locator('header, main, nav, section').count()).toBeGreaterThan(8);
    } finally {
      await r.close();
    }
  });

  it('prints to a clean PDF: white paper, no navigation, collapsed content opened', async () => {
    const r = await openReport(
      browser,
      renderReport(demoLikeBundleText(), { source: 'weekly-newsletter.json' }),
    );
    try {
      const { page } = r;
      const prompt = page.locator('#model-calls pre.code').first();
      expect(await prompt.isVisible()).toBe(false);
      await page.emulateMedia({ media: 'print' });
      expect(await prompt.isVisible()).toBe(true);
      expect(await page.locator('nav.toc').isVisible()).toBe(false);
      expect(await inPage(page, 'getComputedStyle(document.body).backgroundColor')).toBe(
        'rgb(255, 255, 255)',
      );
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      await writeFile(join(OUTPUT_DIR, 'weekly-newsletter.pdf'), pdf);
    } finally {
      await r.close();
    }
  });

  it('stays responsive with a 10,000-span bundle', async () => {
    const text = largeBundleText();
    expect((JSON.parse(text) as RunBundle).run.spanCount).toBe(10_000);
    const started = Date.now();
    const r = await openReport(browser, renderReport(text, { source: 'large.json' }), {
      wait: false,
      beforeLoad: async (page) => {
        await page.addInitScript({
          content: `window.__longTasks = [];
            new PerformanceObserver((list) => {
              for (const e of list.getEntries()) window.__longTasks.push(e.duration);
            }).observe({ type: 'longtask', buffered: true });`,
        });
      },
    });
    try {
      const { page } = r;
      await page.waitForFunction(`document.documentElement.dataset.rendered === 'true'`, null, {
        timeout: 30_000,
      });
      const firstRender = Date.now() - started;
      await waitForReport(page);
      const verified = Date.now() - started;
      expect(await page.getAttribute('html', 'data-integrity')).toBe('verified');

      // The first page of each long list, not all of it, with a way to see more.
      const rows = page.locator('#timeline tbody tr');
      expect(await rows.count()).toBe(100);
      const clickedAt = Date.now();
      await page.locator('#timeline .more button', { hasText: 'more' }).click({ timeout: 5_000 });
      await expect.poll(() => rows.count(), { timeout: 5_000 }).toBe(200);
      const responded = Date.now() - clickedAt;

      await page
        .locator('#model-calls .more button', { hasText: 'Show all' })
        .click({ timeout: 5_000 });
      // While the rest renders in batches, the page still answers.
      const t = Date.now();
      await page.locator('nav a[href="#gates"]').click({ timeout: 5_000 });
      const navigated = Date.now() - t;
      await expect
        .poll(() => page.locator('#model-calls table.calls tbody tr').count(), { timeout: 60_000 })
        .toBe(3_333);

      const longTasks = await inPage<number[]>(page, 'window.__longTasks');
      const metrics = {
        bundleBytes: text.length,
        firstRenderMs: firstRender,
        verifiedMs: verified,
        showMoreMs: responded,
        clickDuringShowAllMs: navigated,
        longestTaskMs: Math.round(Math.max(0, ...longTasks)),
        longTasks: longTasks.length,
      };
      await writeFile(
        join(OUTPUT_DIR, 'large-metrics.json'),
        `${JSON.stringify(metrics, null, 2)}\n`,
      );
      await page.screenshot({ path: join(OUTPUT_DIR, 'large.png') });
      // Generous bounds: this proves the page never freezes, not how fast this machine is.
      expect(responded).toBeLessThan(5_000);
      expect(navigated).toBeLessThan(5_000);
      expect(metrics.longestTaskMs).toBeLessThan(5_000);
      expect(r.errors).toEqual([]);
    } finally {
      await r.close();
    }
  });
});
