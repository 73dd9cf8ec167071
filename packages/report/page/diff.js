// Artifact diffs: the unified `patch` a bundle carries, parsed into numbered lines, or a line
// diff computed here when both versions' content is inline and no patch was recorded.

/**
 * @typedef {{ kind: 'hunk' | 'add' | 'del' | 'ctx' | 'meta', text: string,
 *   oldLine: number | null, newLine: number | null }} DiffLine
 */

/** Above this many cells (lines × lines) the page does not compute a diff itself. */
export const MAX_DIFF_CELLS = 4_000_000;

/**
 * Parses a unified diff into lines with their old and new line numbers.
 *
 * @example
 * parsePatch(artifact.patch).filter((line) => line.kind === 'add').length; // lines added
 * @param {string} patch
 * @returns {DiffLine[]}
 */
export function parsePatch(patch) {
  const lines = patch.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  /** @type {DiffLine[]} */
  const out = [];
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
 * when too large to compute in the page.
 *
 * @example
 * diffLines('a\nb\n', 'a\nc\n').map((l) => l.kind); // ['hunk', 'ctx', 'del', 'add']
 * @param {string} before
 * @param {string} after
 * @param {number} [context]
 * @returns {DiffLine[] | null}
 */
export function diffLines(before, after, context = 3) {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  if (n === 0 && m === 0) return [];
  if ((n + 1) * (m + 1) > MAX_DIFF_CELLS) return null;

  // Longest common subsequence table over the differing middle, filled from the end.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (/** @type {number} */ i, /** @type {number} */ j) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] =
        a[start + i] === b[start + j]
          ? /** @type {number} */ (lcs[at(i + 1, j + 1)]) + 1
          : Math.max(
              /** @type {number} */ (lcs[at(i + 1, j)]),
              /** @type {number} */ (lcs[at(i, j + 1)]),
            );
    }
  }
  /** @type {Array<{ kind: 'ctx' | 'del' | 'add', text: string, oldLine: number, newLine: number }>} */
  const ops = [];
  for (let i = 0; i < start; i++)
    ops.push({ kind: 'ctx', text: a[i] ?? '', oldLine: i + 1, newLine: i + 1 });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      ops.push({
        kind: 'ctx',
        text: a[start + i] ?? '',
        oldLine: start + i + 1,
        newLine: start + j + 1,
      });
      i++;
      j++;
    } else if (j < m && (i >= n || (lcs[at(i, j + 1)] ?? 0) >= (lcs[at(i + 1, j)] ?? 0))) {
      ops.push({
        kind: 'add',
        text: b[start + j] ?? '',
        oldLine: start + i + 1,
        newLine: start + j + 1,
      });
      j++;
    } else {
      ops.push({
        kind: 'del',
        text: a[start + i] ?? '',
        oldLine: start + i + 1,
        newLine: start + j + 1,
      });
      i++;
    }
  }
  for (let k = 0; k < a.length - endA; k++) {
    ops.push({
      kind: 'ctx',
      text: a[endA + k] ?? '',
      oldLine: endA + k + 1,
      newLine: endB + k + 1,
    });
  }
  // Deletions before additions within a change reads best; the walk above already yields that
  // except when it prefers an addition first, so sort each run of changes.
  for (let k = 0; k < ops.length;) {
    if (ops[k]?.kind === 'ctx') {
      k++;
      continue;
    }
    let e = k;
    while (e < ops.length && ops[e]?.kind !== 'ctx') e++;
    const run = ops.slice(k, e);
    run.sort((x, y) => (x.kind === y.kind ? 0 : x.kind === 'del' ? -1 : 1));
    ops.splice(k, run.length, ...run);
    k = e;
  }

  /** @type {DiffLine[]} */
  const out = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]?.kind === 'ctx') {
      k++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is no more than 2 × context lines from the previous one.
    const from = Math.max(0, k - context);
    let to = k;
    for (;;) {
      while (to < ops.length && ops[to]?.kind !== 'ctx') to++;
      let gap = to;
      while (gap < ops.length && ops[gap]?.kind === 'ctx') gap++;
      if (gap < ops.length && gap - to <= 2 * context) to = gap;
      else {
        to = Math.min(ops.length, to + context);
        break;
      }
    }
    const hunk = ops.slice(from, to);
    const oldCount = hunk.filter((o) => o.kind !== 'add').length;
    const newCount = hunk.filter((o) => o.kind !== 'del').length;
    const first = /** @type {{ oldLine: number, newLine: number }} */ (hunk[0]);
    const oldStart =
      oldCount === 0
        ? first.oldLine - 1
        : Math.min(...hunk.filter((o) => o.kind !== 'add').map((o) => o.oldLine));
    const newStart =
      newCount === 0
        ? first.newLine - 1
        : Math.min(...hunk.filter((o) => o.kind !== 'del').map((o) => o.newLine));
    out.push({
      kind: 'hunk',
      text: `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`,
      oldLine: null,
      newLine: null,
    });
    for (const o of hunk) {
      out.push({
        kind: o.kind,
        text: o.text,
        oldLine: o.kind === 'add' ? null : o.oldLine,
        newLine: o.kind === 'del' ? null : o.newLine,
      });
    }
    k = to;
  }
  return out;
}

/**
 * @param {string} text
 * @returns {string[]}
 */
function splitLines(text) {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
