import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, installed by .ci/install-chromium.sh. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Whether the browser tests must be skipped: only when Chromium is missing outside CI. */
export const SKIP_BROWSER_TESTS = !existsSync(CHROMIUM_PATH) && !process.env['CI'];

export const SKIP_MESSAGE = `skipped: ${CHROMIUM_PATH} is missing (run .ci/install-chromium.sh; with CI set these tests run and fail instead)`;

/** Where screenshots and PDFs are kept: test-output/report/ at the repository root (gitignored). */
export const OUTPUT_DIR = fileURLToPath(
  new URL('../../../../test-output/report/', import.meta.url),
);

/**
 * Starts Debian's Chromium headless with the flags this machine needs: no sandbox (root), no
 * GPU, and no background networking (the network is closed). Playwright gives it a fresh
 * profile directory on every launch.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run .ci/install-chromium.sh`);
  }
  await mkdir(OUTPUT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A report opened from a file:// URL, as a person opens an attachment. */
export interface OpenedReport {
  page: Page;
  context: BrowserContext;
  url: string;
  /** Every request the page made, the page itself included. */
  requests: string[];
  /** Requests to anything but the page, which the route aborted. */
  blocked: string[];
  /** Uncaught page errors and console errors. */
  errors: string[];
  /** Content-Security-Policy violations the page reported. */
  violations: string[];
  close(): Promise<void>;
}

/**
 * Writes `html` to a temporary file and opens it in a new context in which every request but
 * the page's own is aborted and recorded; waits until the report is drawn and its integrity
 * check has finished.
 */
export async function openReport(
  browser: Browser,
  html: string,
  options: {
    viewport?: { width: number; height: number };
    beforeLoad?: (page: Page) => Promise<void>;
    wait?: boolean;
  } = {},
): Promise<OpenedReport> {
  const dir = await mkdtemp(join(tmpdir(), 'report-page-'));
  const file = join(dir, 'report.html');
  await writeFile(file, html);
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
  });
  const requests: string[] = [];
  const blocked: string[] = [];
  const errors: string[] = [];
  const violations: string[] = [];
  await context.route('**/*', async (route) => {
    const u = route.request().url();
    if (u === url) await route.continue();
    else {
      blocked.push(u);
      await route.abort('blockedbyclient');
    }
  });
  const page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.exposeFunction('__reportCspViolation', (v: string) => violations.push(v));
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCspViolation(e.effectiveDirective + ' ' + e.blockedURI);
    });`,
  });
  if (options.beforeLoad) await options.beforeLoad(page);
  await page.goto(url);
  if (options.wait !== false) await waitForReport(page);
  return {
    page,
    context,
    url,
    requests,
    blocked,
    errors,
    violations,
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the report is drawn and its integrity and signature checks have an answer. */
export async function waitForReport(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    `document.documentElement.dataset.rendered === 'true' &&
      (document.documentElement.dataset.integrity ?? 'checking') !== 'checking' &&
      (document.documentElement.dataset.signatures ?? 'checking') !== 'checking'`,
    null,
    { timeout },
  );
}

/**
 * Evaluates an expression in the page. Browser code in the tests is written as text: their
 * TypeScript program has Node's types, not the DOM's.
 *
 * @example
 * const focused = await inPage<string>(page, 'document.activeElement.id');
 */
export async function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate<T>(expression);
}
