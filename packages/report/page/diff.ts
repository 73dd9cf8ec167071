// Artifact diffs: the unified `patch` a bundle carries, parsed into numbered lines, or a line
// diff computed here (by jsdiff) when both versions' content is inline and no patch was recorded.

import { structuredPatch } from 'diff';

/** One line of a diff as the page draws it, with its old and new line numbers. */
export interface DiffLine {
  kind: 'hunk' | 'add' | 'del' | 'ctx' | 'meta';
  text: string;
  oldLine: number | null;
  newLine: number | null;
}

/**
 * Bounds on a diff computed in the page: the most lines added and removed (jsdiff's edit
 * distance), and the most time; past either the page shows no diff rather than freeze.
 */
export const MAX_DIFF_EDITS = 2000;
export const MAX_DIFF_MS = 250;

/**
 * Parses a unified diff into lines with their old and new line numbers; lines outside hunks
 * (file headers) and `\ No newline` markers are kept as `meta`.
 *
 * @example
 * parsePatch(artifact.patch).filter((line) => line.kind === 'add').length; // lines added
 */
export function parsePatch(patch: string): DiffLine[] {
  const lines = patch.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: DiffLine[] = [];
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      inHunk = true;
      out.push({ kind: 'hunk', text: line, oldLine: null, newLine: null });
    } else if (!inHunk || line.startsWith('\\')) {
      out.push({ kind: 'meta', text: line, oldLine: null, newLine: null });
    } else if (line.startsWith('+')) {
      out.push({ kind: 'add', text: line.slice(1), oldLine: null, newLine: newLine++ });
    } else if (line.startsWith('-')) {
      out.push({ kind: 'del', text: line.slice(1), oldLine: oldLine++, newLine: null });
    } else {
      out.push({ kind: 'ctx', text: line.slice(1), oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return out;
}

/**
 * A unified line diff of two texts with `context` lines around each change; [] when equal, null
 * when beyond {@link MAX_DIFF_EDITS} or {@link MAX_DIFF_MS}. A missing final newline is not a
 * difference.
 *
 * @example
 * diffLines('a\nb\n', 'a\nc\n')?.map((l) => l.kind); // ['hunk', 'ctx', 'del', 'add']
 */
export function diffLines(before: string, after: string, context = 3): DiffLine[] | null {
  const patch = structuredPatch('', '', withNewline(before), withNewline(after), '', '', {
    context,
    maxEditLength: MAX_DIFF_EDITS,
    timeout: MAX_DIFF_MS,
  });
  if (patch === undefined) return null;
  const out: DiffLine[] = [];
  for (const hunk of patch.hunks) {
    out.push({
      kind: 'hunk',
      text: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`,
      oldLine: null,
      newLine: null,
    });
    let oldLine = hunk.oldStart;
    let newLine = hunk.newStart;
    for (const line of hunk.lines) {
      const text = line.slice(1);
      if (line.startsWith('+')) out.push({ kind: 'add', text, oldLine: null, newLine: newLine++ });
      else if (line.startsWith('-')) {
        out.push({ kind: 'del', text, oldLine: oldLine++, newLine: null });
      } else if (line.startsWith('\\')) {
        out.push({ kind: 'meta', text: line, oldLine: null, newLine: null });
      } else out.push({ kind: 'ctx', text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return out;
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}
