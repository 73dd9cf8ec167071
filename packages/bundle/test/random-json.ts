// Random JSON values for the canonicalize tests: keys and strings that stress RFC 8785 (escapes,
// code unit order, integer-like keys, surrogate pairs), numbers that stress ES formatting.

const keyPool = [
  '',
  'a',
  'b',
  'B',
  'aa',
  'ab',
  'z',
  '1',
  '2',
  '10',
  '9',
  '01',
  '-1',
  '1.5',
  '4294967295',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '\u0000',
  '\n',
  '"',
  '\\',
  '/',
  '\u007f',
  '\u0080',
  '\u00f6',
  '\u20ac',
  '\ufb33',
  '\uffff',
  '\u{1f600}',
  '\u{10000}',
  'stepId',
  'spanId',
  'time',
  'run',
  'steps',
  'gen_ai.usage.input_tokens',
  'a b',
];
const alphabet = [
  ...'abcXYZ019 .,:;-_{}[]\'"\\/',
  '\u0000',
  '\b',
  '\t',
  '\n',
  '\f',
  '\r',
  '\u001f',
  '\u007f',
  '\u0080',
  '\u00e9',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\uffff',
  '\u20ac',
  '\u{1f600}',
  '\u{10ffff}',
  '\u6771',
];

function randomString(random: () => number): string {
  let s = '';
  const length = Math.floor(random() ** 2 * 24);
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

function randomNumber(random: () => number): number {
  const kind = Math.floor(random() * 6);
  if (kind === 0) return Math.floor(random() * 2000) - 1000;
  if (kind === 1) return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
  if (kind === 2) return Number((random() * 1000).toFixed(Math.floor(random() * 6)));
  if (kind === 3) {
    const special = [-0, 5e-324, 1e21, 1e-7, 2 ** 53, -(2 ** 53), 1.7976931348623157e308];
    return special[Math.floor(random() * special.length)]!;
  }
  for (;;) {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, Math.floor(random() * 2 ** 32));
    view.setUint32(4, Math.floor(random() * 2 ** 32));
    const value = view.getFloat64(0);
    if (Number.isFinite(value)) return value;
  }
}

/** A random JSON value nested at most `depth` deep; objects have their members in random order. */
export function randomValue(random: () => number, depth: number): unknown {
  const roll = random();
  if (depth <= 0 || roll < 0.45) {
    const kind = Math.floor(random() * 5);
    if (kind === 0) return null;
    if (kind === 1) return random() < 0.5;
    if (kind === 2) return randomNumber(random);
    return randomString(random);
  }
  const size = Math.floor(random() * 7);
  if (roll < 0.65) {
    return Array.from({ length: size }, () => randomValue(random, depth - 1));
  }
  const object: Record<string, unknown> =
    random() < 0.3 ? (Object.create(null) as Record<string, unknown>) : {};
  for (let i = 0; i < size; i++) {
    const key =
      random() < 0.7 ? keyPool[Math.floor(random() * keyPool.length)]! : randomString(random);
    Object.defineProperty(object, key, {
      value: randomValue(random, depth - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}
