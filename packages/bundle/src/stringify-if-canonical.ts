// The fast path of canonicalize, for values already in RFC 8785 order (the fold writes every
// object that way). For such a value JSON.stringify's text *is* the canonical text (see the top
// of canonicalize.ts), so all that is left is to prove the value is one: a walk that allocates
// nothing and only reads (every object's own keys strictly increasing in UTF-16 code unit order,
// plain objects and arrays only, finite numbers, no undefined, at most 1000 deep), then
// JSON.stringify, then one native search of the text for a `\ud` escape, which is how
// JSON.stringify writes a lone surrogate (in a string or a key) and nothing else. Whatever the
// walk cannot prove, it leaves to the exact canonicalizer, which then gives the error or copies
// the value into order. The walk is about a quarter of JSON.stringify's time (bench/RESULTS.md).

/** As canonicalize's MAX_DEPTH: arrays and objects nested deeper are left to it. */
const MAX_DEPTH = 1000;

/**
 * JSON.stringify of `value` when that is its RFC 8785 text, else undefined (the value is not
 * JSON data, or not in canonical order, or holds a lone surrogate, or JSON.stringify threw): the
 * caller then canonicalizes exactly. Never accepts a value the exact canonicalizer rejects.
 *
 * @example
 * stringifyIfCanonical({ a: 1, b: [true] }); // '{"a":1,"b":[true]}'
 * stringifyIfCanonical({ b: 1, a: 2 }); // undefined: keys out of order
 */
export function stringifyIfCanonical(value: object): string | undefined {
  if (!prototypesClean()) return undefined;
  let text: string;
  try {
    if (!inOrder(value, 0)) return undefined;
    text = JSON.stringify(value);
  } catch {
    // A getter that throws, a stack too shallow, a text too long: the exact path says which.
    return undefined;
  }
  return hasSurrogateEscape(text) ? undefined : text;
}

/**
 * False when JSON.stringify or for-in would see something on the shared prototypes: a `toJSON`
 * (which JSON.stringify would call) or an enumerable property of Object.prototype (which for-in
 * would list after an object's own keys).
 */
function prototypesClean(): boolean {
  if ('toJSON' in Object.prototype || 'toJSON' in Array.prototype) return false;
  for (const _ in Object.prototype) return false;
  return true;
}

/**
 * True when the object or array at `depth` and everything in it is JSON data in canonical order.
 * Leaves are checked in the loops, not by a call each: three quarters of a bundle's values are
 * strings and numbers.
 */
function inOrder(value: object, depth: number): boolean {
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    const length = value.length;
    for (let i = 0; i < length; i++) if (!childInOrder(value[i], depth)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  // for-in, not Object.keys: no array per object. With a clean Object.prototype (checked at the
  // start) it lists the own enumerable string keys in the order JSON.stringify writes them.
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    if (!childInOrder((value as Record<string, unknown>)[key], depth)) return false;
  }
  return true;
}

/** One member or element: a string, boolean, finite number, null, or an object in order. */
function childInOrder(child: unknown, depth: number): boolean {
  if (typeof child === 'string') return true;
  if (typeof child === 'object') return child === null || inOrder(child, depth + 1);
  if (typeof child === 'number') return Number.isFinite(child);
  return typeof child === 'boolean';
}

/**
 * True when `text` (JSON.stringify output) holds a `\ud` escape, i.e. a lone surrogate: a
 * `\ud` preceded by an odd run of backslashes (an even run is an escaped backslash followed by
 * the letters "ud"). Well-formed pairs are written as they are, never escaped.
 */
function hasSurrogateEscape(text: string): boolean {
  for (let at = text.indexOf('\\ud'); at !== -1; at = text.indexOf('\\ud', at + 1)) {
    let before = at - 1;
    while (before >= 0 && text.charCodeAt(before) === 0x5c) before--;
    if ((at - before) % 2 === 1) return true;
  }
  return false;
}
