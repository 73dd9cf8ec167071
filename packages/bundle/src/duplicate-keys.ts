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
  // One frame per open container: the keys seen so far (objects) or the next index (arrays).
  const stack: Array<{
    keys: Set<string> | null;
    index: number;
    path: string;
    key: string | null;
  }> = [];
  let i = 0;
  const n = text.length;
  const pathOf = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    return top.keys ? `${top.path}/${escapePointer(top.key ?? '')}` : `${top.path}/${top.index}`;
  };
  while (i < n && found.length < limit) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ keys: c === 0x7b ? new Set() : null, index: 0, path: pathOf(), key: null });
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
      // A string directly followed by ':' is a member name.
      let j = end;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (top?.keys && text.charCodeAt(j) === 0x3a /* : */) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) found.push(`${top.path}/${escapePointer(key)}`);
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
