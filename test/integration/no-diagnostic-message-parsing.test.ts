import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The one file allowed to read a diagnostic's message: replay's reader of bundles written before
 * diagnostics kept their fields beside the message, which hold them nowhere else.
 */
const LEGACY_READER = 'packages/import/src/legacy-diagnostic.ts';

/** A diagnostic's message, as code names it: `d.message`, `diag.message`, `diagnostic.message`. */
const MESSAGE = String.raw`\b(?:d|diag|diagnostic|dg)\??\.message\b`;

/** Ways code reads structure out of a string. */
const PARSING = [
  // A regex or string search applied to the message: /re/.exec(d.message), re.test(d.message).
  new RegExp(String.raw`\.(?:exec|test)\(\s*${MESSAGE}`),
  // A string method on the message: d.message.match(...), .startsWith(...), .split(...).
  new RegExp(
    String.raw`${MESSAGE}\s*\.(?:match|matchAll|search|replace|replaceAll|split|startsWith|endsWith|includes|indexOf|lastIndexOf|slice|substring)\(`,
  ),
  // A message compared with text made to look like one: d.message === `${key} is required`.
  // Comparing it with the message its fields render (readDiagnostic) checks them; it reads nothing.
  new RegExp(String.raw`${MESSAGE}\s*[!=]==?(?![=\s]*renderDiagnostic\()|[!=]==?\s*${MESSAGE}`),
].map((p) => new RegExp(p.source, 'g'));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(?:ts|js|mjs)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** The lines of `text` where a diagnostic's message is parsed (a call may span lines). */
function parsingLines(text: string): string[] {
  const lines = text.split('\n');
  const at = new Set<number>();
  for (const p of PARSING) {
    for (const m of text.matchAll(p)) at.add(text.slice(0, m.index).split('\n').length - 1);
  }
  return [...at].sort((a, b) => a - b).map((i) => lines[i]!);
}

describe('diagnostic messages', () => {
  it('are parsed by no package source, but the one legacy reader', () => {
    const packages = join(ROOT, 'packages');
    const found: string[] = [];
    let scanned = 0;
    for (const pkg of readdirSync(packages)) {
      for (const folder of ['src', 'page']) {
        let files: string[];
        try {
          files = sourceFiles(join(packages, pkg, folder));
        } catch {
          continue; // the package has no such folder
        }
        for (const file of files) {
          const path = relative(ROOT, file);
          scanned++;
          if (path === LEGACY_READER) continue;
          for (const line of parsingLines(readFileSync(file, 'utf8'))) {
            found.push(`${path}: ${line.trim()}`);
          }
        }
      }
    }
    expect(scanned).toBeGreaterThan(100);
    expect(found).toEqual([]);
  });

  it('flags each way of parsing a message, and leaves rendering and reading fields alone', () => {
    const parsing = [
      'const got = / got (\\w+)$/.exec(diag.message)?.[1];',
      'const int = / should be an integer,/.test(diag.message);',
      'const m = pattern.exec(d.message);',
      "if (d.message.startsWith('parent ')) {",
      "const [n] = diagnostic.message.split(' ');",
      '(message === undefined || d.message === `${key} is required`)',
      '(message === undefined || d.message === message)',
    ];
    const multiLine = 'const e = / on event (.*?) should be/.exec(\n  diag.message,\n)?.[1];';
    expect(parsingLines(multiLine)).toEqual(['const e = / on event (.*?) should be/.exec(']);
    for (const line of parsing) expect(parsingLines(line), line).toEqual([line]);
    const fine = [
      'out.push(`  ${d.code}: ${d.message}`);',
      'const expected = d.expected;',
      'if (d.code === "wrong_type" && d.got === "number") return 0.5;',
      'const text = escapeControl(diag.message);',
      'return d.message === renderDiagnostic(typed) ? typed : undefined;',
    ];
    for (const line of fine) expect(parsingLines(line), line).toEqual([]);
  });
});
