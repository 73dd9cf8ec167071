/**
 * Finds object members that appear twice in JSON text. JSON.parse keeps the last of duplicate
 * members silently, so a bundle could show one value to a reader and hash another: verify rejects
 * them. Assumes the text already parsed with JSON.parse; scans iteratively (no recursion), so
 * deeply nested input cannot overflow the stack.
 *
 * @example
 * findDuplicateKeys('{"a":1,"a":2}'); // ['/a']
 */
export function findDuplicateKeys(text: string, limit = 10): string[] {
  const found: string[] = [];
  // One frame per open container: the keys seen so far (objects) or the next index (arrays), and
  // where it sits in its parent. Paths are spelled out only for a duplicate, not for every
  // container: a 300,000-span bundle has millions of them.
  const stack: Frame[] = [];
  let i = 0;
  const n = text.length;
  while (i < n && found.length < limit) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const top = stack[stack.length - 1];
      stack.push({
        keys: c === 0x7b ? new Set() : null,
        index: 0,
        key: null,
        parent: top ?? null,
        at: top === undefined ? null : top.keys ? (top.key ?? '') : top.index,
      });
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      i++;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
      i++;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      let j = end;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (top?.keys && text.charCodeAt(j) === 0x3a /* : */) {
        // A key without escapes is its text; only one with a backslash needs decoding.
        const raw = text.slice(i + 1, end - 1);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
        if (top.keys.has(key)) found.push(`${pathOf(top)}/${escapePointer(key)}`);
        top.keys.add(key);
        top.key = key;
        i = j + 1;
      } else {
        i = end;
      }
    } else {
      i++;
    }
  }
  return found;
}

/** An open container while scanning. */
interface Frame {
  keys: Set<string> | null;
  index: number;
  key: string | null;
  parent: Frame | null;
  /** Its key or index in its parent, as it was when it opened; null for the outermost. */
  at: string | number | null;
}

/** The JSON Pointer of a container. */
function pathOf(frame: Frame): string {
  const parts: string[] = [];
  for (let f: Frame | null = frame; f !== null && f.at !== null; f = f.parent) {
    parts.push(typeof f.at === 'number' ? String(f.at) : escapePointer(f.at));
  }
  return parts.length === 0 ? '' : `/${parts.reverse().join('/')}`;
}

function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let k = q - 1; k > start && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
