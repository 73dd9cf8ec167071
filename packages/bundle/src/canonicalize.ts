import { CanonicalizationError, type CanonicalizationErrorCode } from './canonicalization-error.js';
import { stringifyIfCanonical } from './stringify-if-canonical.js';

// How it works, and why it is fast. For finite numbers, well-formed strings and objects whose
// own keys are already in UTF-16 code unit order, JSON.stringify's output *is* RFC 8785: numbers
// in ECMAScript shortest form (section 3.2.2.3 defers to it), the same string escapes (section
// 3.2.2.2), no whitespace. So one pass validates the value and makes it sorted, copying only the
// objects whose keys are out of order (and the containers above them), and V8's native
// JSON.stringify writes the text. Building the text in JavaScript instead is twice as slow, most
// of it in flattening the string it builds. Sorted key orders are cached per list of keys (a
// "shape") for the duration of one call: bundles repeat a few shapes thousands of times.
//
// V8 enumerates integer-like keys ("0", "42") before all others, in numeric order, whatever the
// insertion order, so a copy cannot hold them in code unit order ("10" before "9"). When an
// object out of order has a key starting with a digit (or when someone has put a `toJSON` on
// Object.prototype or Array.prototype, which JSON.stringify would call), the validated value is
// written by `emit` below instead: slower, same bytes. Objects already in order keep V8's order,
// which is then the canonical one, integer-like keys or not.

/** Deepest nesting of arrays and objects accepted; deeper is `max_depth` (or `cycle`). */
const MAX_DEPTH = 1000;
/** Bounds on the per-call cache of sorted key orders. */
const MAX_FIRST_KEYS = 4096;
const MAX_SHAPES_PER_FIRST_KEY = 16;

/** ES2024 string methods: in Node since 20.0, not yet in the ES2023 lib we compile against. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

const isWellFormed = (s: string): boolean => (s as unknown as WellFormedString).isWellFormed();

interface Context {
  /** ancestors[d] is the array or object being walked at depth d. */
  readonly ancestors: unknown[];
  /** First key of a shape → [keys, sorted keys, keys, sorted keys, ...]. */
  readonly orders: Map<string, (readonly string[])[]>;
  /** True when the prepared value must be written by `emit` rather than JSON.stringify. */
  emit: boolean;
}

/**
 * A failure on its way up: collects the path, innermost segment first, as frames unwind, so the
 * walk keeps no path of its own. Turned into a CanonicalizationError at the top.
 */
class Failure extends Error {
  readonly segments: (string | number)[] = [];

  constructor(
    readonly code: CanonicalizationErrorCode,
    readonly reason: string,
    /** For cycles: how many leading path segments to keep (up to the first repeated ancestor). */
    readonly keep: number = -1,
  ) {
    super(reason);
  }
}

function along(error: unknown, segment: string | number): unknown {
  if (error instanceof Failure) error.segments.push(segment);
  return error;
}

/** Prepares a member or element, a failure saying where (its key or index) on the way up. */
function prepareChild(
  child: unknown,
  ctx: Context,
  depth: number,
  segment: string | number,
): unknown {
  try {
    return prepare(child, ctx, depth + 1);
  } catch (error) {
    throw along(error, segment);
  }
}

/**
 * Returns the RFC 8785 (JSON Canonicalization Scheme) form of a JSON value: no whitespace,
 * object members sorted by the UTF-16 code units of their keys, numbers in ECMAScript shortest
 * form (-0 as `0`), strings with RFC 8785's minimal escaping. The same bytes as
 * json-canonicalize 3.0.1 for every input that library handles correctly. Never changes `value`.
 *
 * Accepts only JSON data: strings, finite numbers, booleans, null, arrays and plain objects
 * (prototype `Object.prototype` or `null`), nested at most 1000 deep. Anything else throws a
 * {@link CanonicalizationError} with a `code` and the `path` of the first offending value found:
 * NaN, ±Infinity, lone surrogates in strings or keys, `undefined` anywhere (never dropped),
 * BigInt, functions, symbols, Dates, Maps, class instances and other non-plain objects (so no
 * `toJSON` is ever called), cycles. Keys such as `__proto__` are data. As with JSON.stringify,
 * only own enumerable string-keyed properties count (symbol keys and non-enumerable properties
 * are ignored), and getters and proxies may be read twice, so they must answer the same way
 * each time.
 *
 * @param value the JSON value to canonicalize
 * @returns the canonical JSON text; hash it as UTF-8
 * @throws CanonicalizationError when the value is not exactly representable as JSON
 * @example
 * ```ts
 * canonicalize({ b: [1e21, -0, 4.5], a: 'é\n' }); // '{"a":"é\\n","b":[1e+21,0,4.5]}'
 * canonicalize({ x: NaN }); // throws CanonicalizationError, code 'non_finite_number', path '/x'
 * ```
 */
export function canonicalize(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    // Already in canonical order (as the fold writes bundles): JSON.stringify after a check.
    const text = stringifyIfCanonical(value);
    if (text !== undefined) return text;
  }
  const ctx: Context = {
    ancestors: [],
    orders: new Map(),
    emit: 'toJSON' in Object.prototype || 'toJSON' in Array.prototype,
  };
  let prepared: unknown;
  try {
    prepared = prepare(value, ctx, 0);
  } catch (error) {
    throw toCanonicalizationError(error);
  }
  try {
    // Not undefined: prepare only returns JSON values.
    return ctx.emit ? emit(prepared) : JSON.stringify(prepared);
  } catch (error) {
    throw toCanonicalizationError(error);
  }
}

/** Validates `value`; returns it, or a copy whose objects all have their keys in sorted order. */
function prepare(value: unknown, ctx: Context, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) throw loneSurrogate(value, 'string');
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new Failure('non_finite_number', `${value} is not a finite number`);
      }
      return value;
    case 'boolean':
      return value;
    case 'object':
      if (value === null) return value;
      ctx.ancestors[depth] = value;
      if (depth >= MAX_DEPTH) throw tooDeep(ctx, depth);
      return Array.isArray(value)
        ? prepareArray(value as unknown[], ctx, depth)
        : prepareObject(value, ctx, depth);
    case 'undefined':
      throw new Failure('undefined', 'undefined is not a JSON value');
    case 'bigint':
      throw new Failure('bigint', 'a BigInt is not a JSON number: convert it to a string first');
    default:
      throw new Failure('unsupported_type', `a ${typeof value} is not a JSON value`);
  }
}

function prepareArray(array: unknown[], ctx: Context, depth: number): unknown[] {
  if (Object.getPrototypeOf(array) !== Array.prototype) throw nonPlain(array);
  const length = array.length;
  let copy: unknown[] | undefined;
  for (let i = 0; i < length; i++) {
    const child = array[i];
    const prepared = prepareChild(child, ctx, depth, i);
    if (copy !== undefined) copy.push(prepared);
    else if (prepared !== child) {
      copy = array.slice(0, i);
      copy.push(prepared);
    }
  }
  return copy ?? array;
}

function prepareObject(object: object, ctx: Context, depth: number): object {
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) throw nonPlain(object);
  const record = object as Record<string, unknown>;
  const keys = Object.keys(record);
  const count = keys.length;
  if (count === 0) return object;

  let inOrder = true;
  let previous = keys[0]!;
  if (!isWellFormed(previous)) throw along(loneSurrogate(previous, 'key'), previous);
  for (let i = 1; i < count; i++) {
    const key = keys[i]!;
    if (!isWellFormed(key)) throw along(loneSurrogate(key, 'key'), key);
    if (!(previous < key)) inOrder = false;
    previous = key;
  }

  const sorted = inOrder ? keys : sortedKeys(keys, ctx);
  let copy: Record<string, unknown> | undefined = inOrder ? undefined : {};
  for (let i = 0; i < count; i++) {
    const key = sorted[i]!;
    const child = record[key];
    const prepared = prepareChild(child, ctx, depth, key);
    if (copy !== undefined) setMember(copy, key, prepared);
    else if (prepared !== child) {
      // In order so far, but a descendant was copied: copy this object too, in the same order.
      copy = {};
      for (let j = 0; j < i; j++) setMember(copy, sorted[j]!, record[sorted[j]!]);
      setMember(copy, key, prepared);
    }
  }
  return copy ?? object;
}

function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    // A plain assignment would set the prototype; define an own data property instead.
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** The keys in UTF-16 code unit order, from the per-call cache when this shape was seen before. */
function sortedKeys(keys: readonly string[], ctx: Context): readonly string[] {
  const count = keys.length;
  const first = keys[0]!;
  let shapes = ctx.orders.get(first);
  if (shapes !== undefined) {
    search: for (let s = 0; s < shapes.length; s += 2) {
      const known = shapes[s]!;
      if (known.length !== count) continue;
      for (let i = 1; i < count; i++) if (known[i] !== keys[i]) continue search;
      return shapes[s + 1]!;
    }
  } else if (ctx.orders.size < MAX_FIRST_KEYS) {
    shapes = [];
    ctx.orders.set(first, shapes);
  }
  // The default sort compares strings by UTF-16 code units, exactly RFC 8785's order.
  const sorted = keys.slice().sort();
  for (const key of sorted) {
    const c = key.charCodeAt(0);
    // A copy cannot hold integer-like keys in this order (see the top of this file).
    if (c >= 0x30 && c <= 0x39) ctx.emit = true;
  }
  if (shapes !== undefined && shapes.length < 2 * MAX_SHAPES_PER_FIRST_KEY) {
    shapes.push(keys, sorted);
  }
  return sorted;
}

/**
 * Writes an already prepared (validated) value in canonical form without JSON.stringify's key
 * order or toJSON calls: the fallback for integer-like keys and a polluted prototype.
 */
function emit(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + emit(value[i]);
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += (i === 0 ? '' : ',') + JSON.stringify(key) + ':' + emit(record[key]);
  }
  return out + '}';
}

function loneSurrogate(s: string, where: 'string' | 'key'): Failure {
  let at = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else {
        at = i;
        break;
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      at = i;
      break;
    }
  }
  const unit = s.charCodeAt(at).toString(16).toUpperCase();
  return new Failure(
    'lone_surrogate',
    `${where === 'key' ? 'an object key' : 'a string'} holds a lone surrogate (U+${unit} at index ${at}), which has no UTF-8 form`,
  );
}

function nonPlain(value: object): Failure {
  let kind = 'an object with another object as prototype';
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    const ctor: unknown =
      typeof proto === 'object' && proto !== null
        ? (proto as { constructor?: unknown }).constructor
        : undefined;
    if (typeof ctor === 'function' && ctor !== Object && ctor.name !== '') {
      kind = `an instance of ${ctor.name}`;
    }
  } catch {
    // A hostile prototype or proxy: keep the generic description.
  }
  return new Failure(
    'non_plain_object',
    `${kind} is not a plain object or array: convert it to plain JSON data first`,
  );
}

/** At the depth limit: a cycle if an ancestor repeats, else plain too-deep nesting. */
function tooDeep(ctx: Context, depth: number): Failure {
  const ancestors = ctx.ancestors;
  for (let j = 1; j <= depth; j++) {
    const node = ancestors[j];
    for (let i = 0; i < j; i++) {
      if (ancestors[i] === node) {
        return new Failure('cycle', 'this object or array contains itself (a cycle)', j);
      }
    }
  }
  return new Failure('max_depth', `arrays and objects are nested more than ${MAX_DEPTH} deep`);
}

function toCanonicalizationError(error: unknown): unknown {
  if (error instanceof Failure) {
    let segments = error.segments.slice().reverse();
    if (error.keep >= 0) segments = segments.slice(0, error.keep);
    return new CanonicalizationError(error.code, pointer(segments), error.reason);
  }
  if (error instanceof RangeError) {
    // The caller's stack was too shallow for the nesting, or the text too long for a string.
    return /call stack/i.test(error.message)
      ? new CanonicalizationError(
          'max_depth',
          '',
          'arrays and objects are nested too deep for the remaining call stack',
          { cause: error },
        )
      : new CanonicalizationError('too_large', '', 'the canonical text is too long for a string', {
          cause: error,
        });
  }
  return error;
}

/** RFC 6901 JSON Pointer; lone surrogates in keys become U+FFFD so the message stays valid. */
function pointer(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    out +=
      '/' +
      (typeof segment === 'number'
        ? String(segment)
        : segment.replace(/~/g, '~0').replace(/\//g, '~1'));
  }
  return (out as unknown as WellFormedString).toWellFormed();
}
