// Writes dist/page.js, the page's script that the published package renders with (see
// src/page-assets.ts). Run by `pnpm build` after tsc; from the workspace nothing needs it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUILT_PAGE_SCRIPT, buildPageScript } from '../src/page-assets.js';

mkdirSync(new URL('.', BUILT_PAGE_SCRIPT), { recursive: true });
writeFileSync(BUILT_PAGE_SCRIPT, buildPageScript());
process.stdout.write(`wrote ${fileURLToPath(BUILT_PAGE_SCRIPT)}\n`);
