// The in-page twin of @llm-workbench/bundle's findDuplicateKeys: JSON.parse keeps the last of
// duplicate members silently, so a bundle could show one value to one reader and another to the
// next. `workbench verify` rejects them; so does the page. Iterative, so deep nesting is safe.

/**
 * JSON pointers of members that appear twice in their object, for text that already parsed.
 *
 * @example
 * findDuplicateKeys('{"a":1,"a":2}'); // ['/a']
 * @param {string} text
 * @param {number} [limit]
 * @returns {string[]}
 */
export function findDuplicateKeys(text, limit = 10) {
  /** @type {string[]} */
  const found = [];
  /** @type {Array<{ keys: Set<string> | null, index: number, path: string, key: string | null }>} */
  const stack = [];
  const n = text.length;
  const pathOf = () => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    return top.keys ? `${top.path}/${escapePointer(top.key ?? '')}` : `${top.path}/${top.index}`;
  };
  let i = 0;
  while (i < n && found.length < limit) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      stack.push({ keys: c === 0x7b ? new Set() : null, index: 0, path: pathOf(), key: null });
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      i++;
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
      i++;
    } else if (c === 0x22) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      let j = end;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (top?.keys && text.charCodeAt(j) === 0x3a) {
        const parsedKey = /** @type {unknown} */ (JSON.parse(text.slice(i, end)));
        const key = typeof parsedKey === 'string' ? parsedKey : '';
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

/**
 * @param {string} text
 * @param {number} start
 * @returns {number}
 */
function stringEnd(text, start) {
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

/**
 * @param {number} c
 * @returns {boolean}
 */
function isSpace(c) {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * @param {string} key
 * @returns {string}
 */
function escapePointer(key) {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
