import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalize as jsonCanonicalize } from 'json-canonicalize';
import { describe, expect, it } from 'vitest';
import { rng } from '@llm-workbench/test-support';
import { CanonicalizationError } from '../src/canonicalization-error.js';
import { canonicalize } from '../src/canonicalize.js';
import { randomValue } from './random-json.js';

const sha256 = (data: string | Uint8Array): string =>
  createHash('sha256').update(data).digest('hex');

/** The double whose IEEE 754 bits are `hex`. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

function bitsOf(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16);
}

/** Runs canonicalize and returns the CanonicalizationError it throws. */
function failure(value: unknown): CanonicalizationError {
  try {
    canonicalize(value);
  } catch (error) {
    if (error instanceof CanonicalizationError) return error;
    throw error;
  }
  throw new Error('canonicalize did not throw');
}

describe('canonicalize', () => {
  describe('RFC 8785 examples', () => {
    it('does the section 3.2.2 example: primitives, numbers and string escapes', () => {
      const input = String.raw`{
        "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
        "literals": [null, true, false]
      }`;
      const expected =
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
      const output = canonicalize(JSON.parse(input));
      expect(output).toBe(expected);
      // Section 3.2.4: the UTF-8 bytes, as the RFC lists them.
      expect(Buffer.from(output, 'utf8').toString('hex')).toBe(
        '7b226c6974657261' +
          '6c73223a5b6e756c6c2c747275652c66616c73655d2c226e756d62657273223a5b3333333333333333' +
          '332e333333333333332c31652b33302c342e352c302e3030322c31652d32375d2c22737472696e6722' +
          '3a22e282ac245c75303030665c6e41274' +
          '25c225c5c5c5c5c222f227d',
      );
    });

    it('does the section 3.2.3 example: members sorted by UTF-16 code units', () => {
      const input = String.raw`{
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\ud83d\ude00": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis"
      }`;
      expect(canonicalize(JSON.parse(input))).toBe(
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
          '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
          '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
      );
    });

    // Appendix B: IEEE 754 bit patterns and their required serialization.
    it.each([
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ])('does Appendix B: %s serializes as %s', (bits, expected) => {
      expect(canonicalize(fromBits(bits))).toBe(expected);
      expect(canonicalize([fromBits(bits)])).toBe(`[${expected}]`);
    });

    it.each([
      ['7fffffffffffffff', 'NaN'],
      ['7ff0000000000000', 'Infinity'],
      ['fff0000000000000', '-Infinity'],
    ])('does reject Appendix B %s (%s) with non_finite_number', (bits) => {
      const error = failure({ value: fromBits(bits) });
      expect(error.code).toBe('non_finite_number');
      expect(error.path).toBe('/value');
    });
  });

  describe('published test vectors', () => {
    const fixtures = new URL('./fixtures/jcs/', import.meta.url);
    // sha256 of upstream testdata/output/NAME.json (see fixtures/jcs/README.md).
    const published: [string, string][] = [
      ['arrays', '099601b171cafed97c333f8878d68e7f8c8f795412adb34b2fdcf0e7c7beac42'],
      ['french', 'd99d0ebdcb0033cb858cfa830ae46bc0fb3309413b271f1da828c89901a27ed5'],
      ['structures', '605f65004ec2db7692522a0852c22f1c989e036d547e88963d1a3143cf3195d5'],
      ['unicode', '0d99aad92a125196ff887876643fd3206786a84ddce2cee52ba4ad256d2381d3'],
      ['values', '2d5e01a318d0f0879ab568c4be289c8b1f64ef8921a53c6277d5e069978baacb'],
      ['weird', '6af595a9aa80110b964b4de3f82a05fa6ae7423005019bacfa2620dddc4e94d1'],
    ];

    it.each(published)('does %s byte for byte, with the published sha256', (name, digest) => {
      const input = readFileSync(new URL(`input/${name}.json.txt`, fixtures), 'utf8');
      const output = readFileSync(new URL(`output/${name}.json.txt`, fixtures));
      expect(sha256(output)).toBe(digest);
      const ours = Buffer.from(canonicalize(JSON.parse(input)), 'utf8');
      expect(sha256(ours)).toBe(digest);
      expect(ours.equals(output)).toBe(true);
      expect(ours.toString('utf8')).toBe(jsonCanonicalize(JSON.parse(input)));
    });

    it('does the first 100 000 lines of the ES6 number test file, by published sha256', () => {
      // upstream testdata/README.md: 168 fixed values, 2000 consecutive subnormal-edge values,
      // then the little-endian doubles of a sha256 chain from 32 zero bytes, skipping 0, NaN and
      // the infinities. Each line is "<ieee bits in hex>,<serialized>\n".
      const fixed = `
        0000000000000000 8000000000000000 0000000000000001 8000000000000001 c46696695dbd1cc3
        c43211ede4974a35 c3fce97ca0f21056 c3c7213080c1a6ac c39280f39a348556 c35d9b1f5d20d557
        c327af4c4a80aaac c2f2f2a36ecd5556 c2be51057e155558 c28840d131aaaaac c253670dc1555557
        c21f0b4935555557 c1e8d5d42aaaaaac c1b3de4355555556 c17fca0555555556 c1496e6aaaaaaaab
        c114585555555555 c0e046aaaaaaaaab c0aa0aaaaaaaaaaa c074d55555555555 c040aaaaaaaaaaab
        c00aaaaaaaaaaaab bfd5555555555555 bfa1111111111111 bf6b4e81b4e81b4f bf35d867c3ece2a5
        bf0179ec9cbd821e becbf647612f3696 be965e9f80f29212 be61e54c672874db be2ca213d840baf8
        bdf6e80fe033c8c6 bdc2533fe68fd3d2 bd8d51ffd74c861c bd5774ccac3d3817 bd22c3d6f030f9ac
        bcee0624b3818f79 bcb804ea293472c7 bc833721ba905bd3 bc4ebe9c5db3c61e bc18987d17c304e5
        bbe3ad30dfcf371d bbaf7b816618582f bb792f9ab81379bf bb442615600f9499 bb101e77800c76e1
        bad9ca58cce0be35 baa4a1e0a3e6fe90 ba708180831f320d ba3a68cd9e985016 446696695dbd1cc3
        443211ede4974a35 43fce97ca0f21056 43c7213080c1a6ac 439280f39a348556 435d9b1f5d20d557
        4327af4c4a80aaac 42f2f2a36ecd5556 42be51057e155558 428840d131aaaaac 4253670dc1555557
        421f0b4935555557 41e8d5d42aaaaaac 41b3de4355555556 417fca0555555556 41496e6aaaaaaaab
        4114585555555555 40e046aaaaaaaaab 40aa0aaaaaaaaaaa 4074d55555555555 4040aaaaaaaaaaab
        400aaaaaaaaaaaab 3fd5555555555555 3fa1111111111111 3f6b4e81b4e81b4f 3f35d867c3ece2a5
        3f0179ec9cbd821e 3ecbf647612f3696 3e965e9f80f29212 3e61e54c672874db 3e2ca213d840baf8
        3df6e80fe033c8c6 3dc2533fe68fd3d2 3d8d51ffd74c861c 3d5774ccac3d3817 3d22c3d6f030f9ac
        3cee0624b3818f79 3cb804ea293472c7 3c833721ba905bd3 3c4ebe9c5db3c61e 3c18987d17c304e5
        3be3ad30dfcf371d 3baf7b816618582f 3b792f9ab81379bf 3b442615600f9499 3b101e77800c76e1
        3ad9ca58cce0be35 3aa4a1e0a3e6fe90 3a708180831f320d 3a3a68cd9e985016 4024000000000000
        4014000000000000 3fe0000000000000 3fa999999999999a 3f747ae147ae147b 3f40624dd2f1a9fc
        3f0a36e2eb1c432d 3ed4f8b588e368f1 3ea0c6f7a0b5ed8d 3e6ad7f29abcaf48 3e35798ee2308c3a
        3ed539223589fa95 3ed4ff26cd5a7781 3ed4f95a762283ff 3ed4f8c60703520c 3ed4f8b72f19cd0d
        3ed4f8b5b31c0c8d 3ed4f8b58d1c461a 3ed4f8b5894f7f0e 3ed4f8b588ee37f3 3ed4f8b588e47da4
        3ed4f8b588e3849c 3ed4f8b588e36bb5 3ed4f8b588e36937 3ed4f8b588e368f8 3ed4f8b588e368f1
        3ff0000000000000 bff0000000000000 bfeffffffffffffa bfeffffffffffffb 3feffffffffffffa
        3feffffffffffffb 3feffffffffffffc 3feffffffffffffe bfefffffffffffff bfefffffffffffff
        3fefffffffffffff 3fefffffffffffff 3fd3333333333332 3fd3333333333333 3fd3333333333334
        0010000000000000 000ffffffffffffd 000fffffffffffff 7fefffffffffffff ffefffffffffffff
        4340000000000000 c340000000000000 4430000000000000 44b52d02c7e14af5 44b52d02c7e14af6
        44b52d02c7e14af7 444b1ae4d6e2ef4e 444b1ae4d6e2ef4f 444b1ae4d6e2ef50 3eb0c6f7a0b5ed8c
        3eb0c6f7a0b5ed8d 41b3de4355555553 41b3de4355555554 41b3de4355555555 41b3de4355555556
        41b3de4355555557 becbf647612f3696 43143ff3c1cb0959`
        .trim()
        .split(/\s+/)
        .map(fromBits);
      expect(fixed).toHaveLength(168);
      function* numbers(): Generator<number> {
        yield* fixed;
        for (let i = 0; i < 2000; i++)
          yield fromBits((0x0010000000000000n + BigInt(i)).toString(16));
        let block = Buffer.alloc(32);
        for (;;) {
          block = createHash('sha256').update(block).digest();
          for (let offset = 0; offset < 32; offset += 8) {
            const value = block.readDoubleLE(offset);
            if (value !== 0 && Number.isFinite(value)) yield value;
          }
        }
      }
      const published = new Map([
        [1_000, ['be18b62b6f69cdab33a7e0dae0d9cfa869fda80ddc712221570f9f40a5878687', 37_967]],
        [10_000, ['b9f7a8e75ef22a835685a52ccba7f7d6bdc99e34b010992cbc5864cd12be6892', 399_022]],
        [100_000, ['22776e6d4b49fa294a0d0f349268e5c28808fe7e0cb2bcbe28f63894e494d4c7', 4_031_728]],
      ]);
      const hash = createHash('sha256');
      let lines = 0;
      let bytes = 0;
      for (const value of numbers()) {
        const line = `${bitsOf(value)},${canonicalize(value)}\n`;
        hash.update(line);
        bytes += line.length;
        lines++;
        const expected = published.get(lines);
        if (expected !== undefined) {
          expect([hash.copy().digest('hex'), bytes]).toEqual(expected);
          if (lines === 100_000) break;
        }
      }
    });
  });

  describe('output', () => {
    it('does sort keys by UTF-16 code units, not code points', () => {
      // U+1F600 is D83D DE00 in UTF-16: before U+FB33, although its code point is larger.
      expect(canonicalize({ '\ufb33': 1, '\u{1f600}': 2, '\uffff': 3 })).toBe(
        '{"\u{1f600}":2,"\ufb33":1,"\uffff":3}',
      );
      expect(canonicalize({ b: 1, a: 2, B: 3, aa: 4, '': 5, ä: 6 })).toBe(
        '{"":5,"B":3,"a":2,"aa":4,"b":1,"ä":6}',
      );
    });

    it('does order integer-like keys as strings, not numbers', () => {
      const value = { x: [{ '10': 1, '9': 2, '1': 3, b: 4, '': 5, '-1': 6, '01': 7 }], a: 0 };
      expect(canonicalize(value)).toBe(
        '{"a":0,"x":[{"":5,"-1":6,"01":7,"1":3,"10":1,"9":2,"b":4}]}',
      );
      expect(canonicalize({ '1': 'a', '10': 'b', '2': 'c' })).toBe('{"1":"a","10":"b","2":"c"}');
      expect(canonicalize({ '1': 'a', '10': 'b', c: 'c' })).toBe('{"1":"a","10":"b","c":"c"}');
    });

    it('does write -0 as 0 and numbers in ECMAScript shortest form', () => {
      expect(canonicalize({ a: -0, b: [-0, 0] })).toBe('{"a":0,"b":[0,0]}');
      expect(canonicalize([1e21, 1e-7, 1e-6, 0.1 + 0.2, 123.0, -5e-324, 2 ** 53 + 2])).toBe(
        '[1e+21,1e-7,0.000001,0.30000000000000004,123,-5e-324,9007199254740994]',
      );
    });

    it('does escape strings exactly as RFC 8785 section 3.2.2.2 says', () => {
      const short: Record<number, string> = {
        0x08: '\\b',
        0x09: '\\t',
        0x0a: '\\n',
        0x0c: '\\f',
        0x0d: '\\r',
      };
      for (let c = 0; c < 0x20; c++) {
        const escaped = short[c] ?? `\\u00${c.toString(16).padStart(2, '0')}`;
        expect(canonicalize(String.fromCharCode(c))).toBe(`"${escaped}"`);
      }
      expect(canonicalize('"')).toBe('"\\""');
      expect(canonicalize('\\')).toBe('"\\\\"');
      // Not escaped: solidus, DEL, C1 controls, line and paragraph separators, BOM, astral.
      for (const raw of [
        '/',
        '\u007f',
        '\u0080',
        '\u009f',
        '\u2028',
        '\u2029',
        '\ufeff',
        '\u{10ffff}',
      ]) {
        expect(canonicalize(raw)).toBe(`"${raw}"`);
      }
    });

    it('does escape every BMP code unit but the surrogates as json-canonicalize does', () => {
      for (let c = 0; c <= 0xffff; c++) {
        if (c >= 0xd800 && c <= 0xdfff) continue;
        const s = `a${String.fromCharCode(c)}b`;
        if (canonicalize(s) !== jsonCanonicalize(s)) {
          expect.fail(`U+${c.toString(16)}: ${canonicalize(s)} != ${jsonCanonicalize(s)}`);
        }
      }
    });

    it('does keep __proto__, constructor and toString keys as data', () => {
      const parsed: unknown = JSON.parse(
        '{"z":1,"__proto__":{"y":2,"x":[{"b":1,"a":2}]},"constructor":"c","toString":3}',
      );
      expect(canonicalize(parsed)).toBe(
        '{"__proto__":{"x":[{"a":2,"b":1}],"y":2},"constructor":"c","toString":3,"z":1}',
      );
      // In order already, but a descendant needs a sorted copy: the copy keeps __proto__ as data.
      const single: unknown = JSON.parse('{"__proto__":{"b":1,"a":2}}');
      expect(canonicalize(single)).toBe('{"__proto__":{"a":2,"b":1}}');
      const record = Object.create(null) as Record<string, unknown>;
      record.zeta = true;
      record['__proto__'] = { polluted: true };
      expect(canonicalize({ record })).toBe(
        '{"record":{"__proto__":{"polluted":true},"zeta":true}}',
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(record)).toBeNull();
    });

    it('does accept null-prototype objects and repeated (non-cyclic) references', () => {
      const shared = { b: 1, a: [1, 2] };
      const attributes = Object.create(null) as Record<string, unknown>;
      attributes['k.2'] = shared;
      attributes['k.1'] = shared;
      expect(canonicalize({ attributes, again: [shared, shared] })).toBe(
        '{"again":[{"a":[1,2],"b":1},{"a":[1,2],"b":1}],' +
          '"attributes":{"k.1":{"a":[1,2],"b":1},"k.2":{"a":[1,2],"b":1}}}',
      );
    });

    it('does write empty and top-level primitive values', () => {
      expect(canonicalize({})).toBe('{}');
      expect(canonicalize([])).toBe('[]');
      expect(canonicalize(Object.create(null))).toBe('{}');
      expect(canonicalize([{}, [], [[]]])).toBe('[{},[],[[]]]');
      expect(canonicalize(null)).toBe('null');
      expect(canonicalize(true)).toBe('true');
      expect(canonicalize('')).toBe('""');
      expect(canonicalize(42)).toBe('42');
    });

    it('does not change its input', () => {
      const input = { b: { d: 1, c: [{ f: 2, e: 3 }] }, a: '\u{1f600}' };
      const before = JSON.stringify(input);
      expect(canonicalize(input)).toBe('{"a":"\u{1f600}","b":{"c":[{"e":3,"f":2}],"d":1}}');
      expect(JSON.stringify(input)).toBe(before);
      expect(Object.keys(input)).toEqual(['b', 'a']);
    });

    it('does not call a toJSON put on Object.prototype or Array.prototype', () => {
      const polluted = () => 'polluted';
      for (const proto of [Object.prototype, Array.prototype]) {
        Object.defineProperty(proto, 'toJSON', { value: polluted, configurable: true });
        try {
          expect(canonicalize({ b: [{ d: 1, c: 2 }], a: {} })).toBe('{"a":{},"b":[{"c":2,"d":1}]}');
        } finally {
          delete (proto as { toJSON?: unknown }).toJSON;
        }
      }
    });

    it('does accept nesting 1000 deep', () => {
      let deep: unknown = 'leaf';
      for (let i = 0; i < 1000; i++) deep = i % 2 === 0 ? [deep] : { k: deep };
      const output = canonicalize(deep);
      expect(output).toBe(jsonCanonicalize(deep));
    });
  });

  describe('errors', () => {
    class Point {
      constructor(
        readonly x = 1,
        readonly y = 2,
      ) {}
    }
    class List extends Array<number> {}
    const sparse: unknown[] = [1];
    sparse[2] = 3;
    const cyclic: Record<string, unknown> = { a: { ok: true } };
    (cyclic.a as Record<string, unknown>).back = cyclic;
    const selfArray: unknown[] = [1];
    selfArray.push([selfArray]);
    const proto = JSON.parse('{"__proto__":{}}') as Record<string, Record<string, unknown>>;
    proto['__proto__']!.x = undefined;

    it.each<[string, unknown, string, string]>([
      ['NaN', { run: { durationMs: NaN } }, 'non_finite_number', '/run/durationMs'],
      ['Infinity', [1, Infinity], 'non_finite_number', '/1'],
      ['-Infinity', { a: [{ b: -Infinity }] }, 'non_finite_number', '/a/0/b'],
      ['NaN at the root', NaN, 'non_finite_number', ''],
      ['a lone high surrogate at the end', 'abc\ud800', 'lone_surrogate', ''],
      ['a lone low surrogate', { s: ['ok', '\udc00x'] }, 'lone_surrogate', '/s/1'],
      ['a reversed surrogate pair', ['\ude00\ud83d'], 'lone_surrogate', '/0'],
      ['a lone surrogate in a key', { ok: { 'k\ud800': 1 } }, 'lone_surrogate', '/ok/k\ufffd'],
      ['a lone surrogate in a later key', { a: 1, 'z\udc00': 2 }, 'lone_surrogate', '/z\ufffd'],
      ['undefined as a member', { a: 1, b: undefined }, 'undefined', '/b'],
      ['undefined in an array', [null, undefined], 'undefined', '/1'],
      ['an array hole', sparse, 'undefined', '/1'],
      ['undefined at the root', undefined, 'undefined', ''],
      ['undefined under __proto__', proto, 'undefined', '/__proto__/x'],
      ['a BigInt', { n: 10n }, 'bigint', '/n'],
      ['a function', { f: () => 1 }, 'unsupported_type', '/f'],
      ['a symbol', { s: Symbol('s') }, 'unsupported_type', '/s'],
      ['an object with toJSON', { d: { toJSON: () => 'x' } }, 'unsupported_type', '/d/toJSON'],
      ['a Date', { at: new Date(0) }, 'non_plain_object', '/at'],
      ['a Map', new Map([['a', 1]]), 'non_plain_object', ''],
      ['a Set', [new Set([1])], 'non_plain_object', '/0'],
      ['a class instance', { p: new Point() }, 'non_plain_object', '/p'],
      ['an Array subclass', { l: List.from([1]) }, 'non_plain_object', '/l'],
      ['an object with a plain object as prototype', Object.create({}), 'non_plain_object', ''],
      ['a Uint8Array', { bytes: new Uint8Array(2) }, 'non_plain_object', '/bytes'],
      ['a boxed string', [new String('s')], 'non_plain_object', '/0'],
      ['a RegExp', { re: /x/ }, 'non_plain_object', '/re'],
      ['an Error', { e: new Error('x') }, 'non_plain_object', '/e'],
      ['an object cycle', cyclic, 'cycle', '/a/back'],
      ['an array cycle', selfArray, 'cycle', '/1/0'],
      ['keys with / and ~', { 'a/b': { '~c': NaN } }, 'non_finite_number', '/a~1b/~0c'],
    ])('does reject %s', (_what, value, code, path) => {
      const error = failure(value);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('CanonicalizationError');
      expect({ code: error.code, path: error.path }).toEqual({ code, path });
      expect(error.message).toContain(path === '' ? 'at the root' : `at ${path}`);
    });

    it('does reject nesting deeper than 1000 with max_depth at the innermost container', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 1001; i++) deep = [deep];
      const error = failure(deep);
      expect(error.code).toBe('max_depth');
      expect(error.path).toBe('/0'.repeat(1000));
    });

    it('does say which code unit is lone', () => {
      expect(failure({ s: 'ab\udfffc' }).message).toBe(
        'a string holds a lone surrogate (U+DFFF at index 2), which has no UTF-8 form (at /s)',
      );
    });

    it('does keep the cause of a RangeError as max_depth', () => {
      const overflow = new RangeError('Maximum call stack size exceeded');
      const value = {
        get deep(): unknown {
          throw overflow;
        },
      };
      const error = failure(value);
      expect(error.code).toBe('max_depth');
      expect(error.cause).toBe(overflow);
    });

    it('does report a RangeError for too long a string as too_large', () => {
      const tooLong = new RangeError('Invalid string length');
      const value = {
        get text(): unknown {
          throw tooLong;
        },
      };
      expect(failure(value)).toMatchObject({ code: 'too_large', cause: tooLong });
    });

    it('does name the class of a non-plain object', () => {
      expect(failure({ at: new Date(0) }).message).toBe(
        'an instance of Date is not a plain object or array: convert it to plain JSON data first (at /at)',
      );
    });

    it('does let other errors from getters through unchanged', () => {
      const boom = new Error('boom');
      const value = {
        get x(): unknown {
          throw boom;
        },
      };
      expect(() => canonicalize(value)).toThrow(boom);
    });
  });

  describe('randomized against json-canonicalize', () => {
    /** The same value with every object's members inserted in a random order. */
    function shuffled(value: unknown, random: () => number): unknown {
      if (Array.isArray(value)) return value.map((v) => shuffled(v, random));
      if (typeof value !== 'object' || value === null) return value;
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [entries[i], entries[j]] = [entries[j]!, entries[i]!];
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) {
        Object.defineProperty(out, k, {
          value: shuffled(v, random),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }

    it('does match json-canonicalize byte for byte on 5000 generated documents', () => {
      const random = rng(8785);
      for (let n = 0; n < 5000; n++) {
        const value = randomValue(random, 1 + (n % 6));
        const ours = canonicalize(value);
        const oracle = jsonCanonicalize(value);
        if (ours !== oracle) expect.fail(`document ${n}: ${ours} != ${oracle}`);
        // Canonical text re-canonicalizes to itself, and member order does not matter.
        if (canonicalize(JSON.parse(ours)) !== ours) expect.fail(`document ${n}: not idempotent`);
        if (canonicalize(shuffled(value, random)) !== ours) {
          expect.fail(`document ${n}: depends on member order`);
        }
      }
    });

    const escapeSegment = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

    it('does report code and path of one bad value planted in 2000 generated documents', () => {
      const random = rng(6901);
      const bad: [string, () => unknown][] = [
        ['non_finite_number', () => NaN],
        ['non_finite_number', () => -Infinity],
        ['lone_surrogate', () => `x${String.fromCharCode(0xd800 + Math.floor(random() * 2048))}`],
        ['undefined', () => undefined],
        ['bigint', () => 1n],
        ['unsupported_type', () => Symbol('s')],
        ['non_plain_object', () => new Date(0)],
        ['non_plain_object', () => new Map()],
      ];
      let planted = 0;
      for (let n = 0; n < 2000; n++) {
        const root = { doc: randomValue(random, 4) };
        // Walk down a random path of containers, then plant the bad value there.
        const path: string[] = [];
        let container: Record<string, unknown> | unknown[] = root;
        const ancestors: unknown[] = [root];
        for (;;) {
          const children = (Array.isArray(container) ? container : Object.values(container)).filter(
            (c) => typeof c === 'object' && c !== null,
          );
          if (children.length === 0 || random() < 0.3) break;
          const child = children[Math.floor(random() * children.length)] as Record<string, unknown>;
          const key = Array.isArray(container)
            ? String(container.indexOf(child))
            : Object.keys(container).find(
                (k) => (container as Record<string, unknown>)[k] === child,
              )!;
          path.push(key);
          container = child;
          ancestors.push(child);
        }
        const cycle = random() < 0.1;
        const [code, make] = cycle
          ? ['cycle', () => ancestors[Math.floor(random() * ancestors.length)]]
          : bad[Math.floor(random() * bad.length)]!;
        let slot: string;
        if (!Array.isArray(container) && !cycle && random() < 0.1) {
          // A lone surrogate in a key instead: the pointer shows it as U+FFFD.
          slot = `planted ${n}\udbff`;
          container[slot] = 1;
          const pointer = [...path, `planted ${n}\ufffd`]
            .map((s) => '/' + escapeSegment(s))
            .join('');
          expect(failure(root)).toMatchObject({ code: 'lone_surrogate', path: pointer });
          planted++;
          continue;
        }
        if (Array.isArray(container)) {
          slot = String(Math.floor(random() * (container.length + 1)));
          container[Number(slot)] = make();
        } else {
          slot = `planted ${n}`;
          Object.defineProperty(container, slot, {
            value: make(),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        const pointer = [...path, slot].map((s) => '/' + escapeSegment(s)).join('');
        const error = failure(root);
        expect({ n, code: error.code, path: error.path }).toEqual({
          n,
          code,
          path: pointer,
        });
        planted++;
      }
      expect(planted).toBe(2000);
    });
  });
});
