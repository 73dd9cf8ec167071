import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';

// `../page/` and `../dist/` resolve to the same folders from src/ (workspace) and dist/ (published).
const PAGE_DIR = new URL('../page/', import.meta.url);
/** The page's script as `pnpm build` writes it (scripts/build-page.ts); what dist/ renders with. */
export const BUILT_PAGE_SCRIPT = new URL('../dist/page.js', import.meta.url);
/** Run from src/ (tests, `pnpm workbench`): the script is built from page/ on first use instead. */
const FROM_SOURCE = /\/src\/page-assets\.[cm]?[jt]s$/.test(fileURLToPath(import.meta.url));

/**
 * The script built once per process: the page's sources do not change while it runs, and a
 * build takes esbuild a few hundred milliseconds.
 */
let script: string | undefined;

/**
 * The page's script: page/report.ts and what it imports (the bundle package's browser entry,
 * jsdiff, @noble/ed25519), bundled by esbuild into one classic script (an IIFE) for the page's
 * one inline `<script>`, whose sha256 the page's Content-Security-Policy names. From src/ it is
 * built on first use; from dist/ it is read from dist/page.js, which `pnpm build` writes.
 *
 * @example
 * const script = pageScript(); // '"use strict";\n(() => {\n…'
 */
export function pageScript(): string {
  script ??= checked(FROM_SOURCE ? buildPageScript() : builtPageScript());
  return script;
}

/** dist/page.js, or a build of page/ where dist/ was compiled without it (tsc alone). */
function builtPageScript(): string {
  try {
    return readFileSync(BUILT_PAGE_SCRIPT, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    try {
      return buildPageScript();
    } catch (cause) {
      throw new Error(
        `${fileURLToPath(BUILT_PAGE_SCRIPT)} is missing: build the package with pnpm build`,
        { cause },
      );
    }
  }
}

/**
 * Builds the page's script from page/report.ts with esbuild (a development dependency, so only
 * where the workspace is installed: tests, `pnpm workbench`, `pnpm build`). Workspace packages
 * are read from their TypeScript (the `source` condition), as everywhere in the repository.
 *
 * @example
 * writeFileSync('dist/page.js', buildPageScript());
 */
export function buildPageScript(): string {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild') as typeof Esbuild;
  const result = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL('report.ts', PAGE_DIR))],
    absWorkingDir: fileURLToPath(new URL('..', PAGE_DIR)),
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    tsconfig: fileURLToPath(new URL('tsconfig.json', PAGE_DIR)),
    charset: 'utf8',
    // Licenses of what is bundled (@noble/ed25519's MIT header) stay beside their code.
    legalComments: 'inline',
    minify: true,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error('esbuild wrote no page script');
  return out.text;
}

function checked(text: string): string {
  // The script is inlined in a <script> element: these would end or confuse it.
  if (/<\/script|<!--/i.test(text)) throw new Error('the page script contains </script or <!--');
  return text;
}

/**
 * The page's stylesheet.
 *
 * @example
 * const css = pageStyles();
 */
export function pageStyles(): string {
  const css = readFileSync(new URL('report.css', PAGE_DIR), 'utf8');
  if (/<\/style/i.test(css)) throw new Error('the page stylesheet contains </style');
  return css;
}
