import { describe, expect, it } from 'vitest';
import { pageModule, type DiffLine } from './helpers/page-modules.js';

const { parsePatch, diffLines } = await pageModule('diff.ts');

/** Applies diff lines to the old text's lines, as patch would. */
function apply(before: string, lines: DiffLine[]): string {
  const old = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let i = 0;
  for (const l of lines) {
    if (l.kind === 'hunk') {
      const start = Number(/^@@ -(\d+)/.exec(l.text)![1]);
      const until = start === 0 ? 0 : start - 1;
      while (i < until) out.push(old[i++]!);
    } else if (l.kind === 'ctx') {
      expect(old[i]).toBe(l.text);
      out.push(old[i++]!);
    } else if (l.kind === 'del') {
      expect(old[i]).toBe(l.text);
      i++;
    } else if (l.kind === 'add') out.push(l.text);
  }
  while (i < old.length) out.push(old[i++]!);
  return out.length ? `${out.join('\n')}\n` : '';
}

describe('parsePatch', () => {
  it('numbers old and new lines from the hunk headers', () => {
    const lines = parsePatch(
      '--- a/x\n+++ b/x\n@@ -3,3 +3,3 @@\n keep\n-old\n+new\n tail\n\\ No newline at end of file\n',
    );
    expect(lines.map((l) => [l.kind, l.oldLine, l.newLine, l.text])).toEqual([
      ['meta', null, null, '--- a/x'],
      ['meta', null, null, '+++ b/x'],
      ['hunk', null, null, '@@ -3,3 +3,3 @@'],
      ['ctx', 3, 3, 'keep'],
      ['del', 4, null, 'old'],
      ['add', null, 4, 'new'],
      ['ctx', 5, 5, 'tail'],
      ['meta', null, null, '\\ No newline at end of file'],
    ]);
  });
});

describe('diffLines', () => {
  it('is empty for equal texts', () => {
    expect(diffLines('a\nb\n', 'a\nb\n')).toEqual([]);
  });

  it('gives hunks that turn the old text into the new', () => {
    const next = (() => {
      let s = 42;
      return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    })();
    for (let round = 0; round < 200; round++) {
      const before = Array.from(
        { length: Math.floor(next() * 30) },
        () => `line ${Math.floor(next() * 8)}`,
      );
      const after = before
        .filter(() => next() > 0.2)
        .flatMap((l) => (next() > 0.85 ? [l, `new ${Math.floor(next() * 5)}`] : [l]));
      const a = before.length ? `${before.join('\n')}\n` : '';
      const b = after.length ? `${after.join('\n')}\n` : '';
      const lines = diffLines(a, b);
      expect(lines).not.toBeNull();
      expect(apply(a, lines!)).toBe(b);
    }
  });

  it('keeps three lines of context and puts removals before additions', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const b = a.replace('l10', 'L10');
    expect(diffLines(a, b)!.map((l) => `${l.kind} ${l.text}`)).toEqual([
      'hunk @@ -8,7 +8,7 @@',
      'ctx l7',
      'ctx l8',
      'ctx l9',
      'del l10',
      'add L10',
      'ctx l11',
      'ctx l12',
      'ctx l13',
    ]);
  });

  it('declines texts too large to diff in the page', () => {
    const big = Array.from({ length: 3000 }, (_, i) => `a${i}`).join('\n');
    expect(diffLines(big, big.replace(/a/g, 'b'))).toBeNull();
  });
});
