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
  // Canonical text (every bundle the fold writes) has no duplicates to find: proven in one pass.
  return keysInStrictOrder(text) ? [] : scanDuplicateKeys(text, limit);
}

/** {@link findDuplicateKeys} without its fast path: the exact scan, for any JSON text. */
export function scanDuplicateKeys(text: string, limit = 10): string[] {
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

/**
 * True when every object in the JSON text has its keys, written without escapes and each directly
 * followed by its colon, in strictly increasing UTF-16 code unit order, as RFC 8785 text has them:
 * then no object holds a key twice. False when that is not proven (a key with an escape, space
 * before a colon, keys out of order, or a duplicate); the exact scan then decides. Assumes text
 * that JSON.parse accepts. Allocates nothing but two small stacks, and reads each key once: about
 * half the exact scan's time on a bundle, which builds a set of keys per object.
 *
 * @example
 * keysInStrictOrder('{"a":1,"b":{"a":2}}'); // true
 * keysInStrictOrder('{"b":1,"a":2}'); // false: not proven (the exact scan finds no duplicate)
 */
export function keysInStrictOrder(text: string): boolean {
  // Per open container: where the previous key of an object starts and ends (-1: none yet).
  let keyStart = new Int32Array(64);
  let keyEnd = new Int32Array(64);
  let depth = -1;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i) - 1; // the closing quote
      const next = text.charCodeAt(end + 1);
      if (next === 0x3a /* : */) {
        const start = i + 1;
        for (let j = start; j < end; j++) if (text.charCodeAt(j) === 0x5c /* \ */) return false;
        const before = keyStart[depth]!;
        if (before >= 0 && !lessThan(text, before, keyEnd[depth]!, start, end)) return false;
        keyStart[depth] = start;
        keyEnd[depth] = end;
        i = end + 2;
      } else if (isSpace(next)) {
        return false; // perhaps a key before a spaced colon: left to the exact scan
      } else {
        i = end + 1;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth === keyStart.length) {
        keyStart = grown(keyStart);
        keyEnd = grown(keyEnd);
      }
      keyStart[depth] = -1;
      i++;
    } else {
      if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
      i++;
    }
  }
  return true;
}

/** Whether text[aStart, aEnd) sorts strictly before text[bStart, bEnd), by UTF-16 code units. */
function lessThan(
  text: string,
  aStart: number,
  aEnd: number,
  bStart: number,
  bEnd: number,
): boolean {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const common = aLength < bLength ? aLength : bLength;
  for (let k = 0; k < common; k++) {
    const a = text.charCodeAt(aStart + k);
    const b = text.charCodeAt(bStart + k);
    if (a !== b) return a < b;
  }
  return aLength < bLength;
}

function grown(stack: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(stack.length * 2);
  bigger.set(stack);
  return bigger;
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
