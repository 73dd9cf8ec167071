import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pageModule } from './helpers/page-modules.js';

const { sha256Hex } = await pageModule('sha256.ts');

function expected(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('sha256Hex (the page fallback)', () => {
  it('gives the FIPS 180-4 test vectors', () => {
    const enc = new TextEncoder();
    expect(sha256Hex(enc.encode(''))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(sha256Hex(enc.encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256Hex(enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('matches node:crypto at every length around the block and padding boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = randomBytes(n);
      expect(sha256Hex(bytes), `length ${n}`).toBe(expected(bytes));
    }
  });

  it('matches node:crypto on random inputs up to a few megabytes', () => {
    for (const n of [1000, 4096, 65_537, 1_000_003, 3_000_000]) {
      const bytes = randomBytes(n);
      expect(sha256Hex(bytes), `length ${n}`).toBe(expected(bytes));
    }
  });

  it('hashes UTF-8 text the way the bundle integrity does', () => {
    const text = '{"name":"café ☕ 🧪","k":"\\u0000"}';
    expect(sha256Hex(new TextEncoder().encode(text))).toBe(
      createHash('sha256').update(text, 'utf8').digest('hex'),
    );
  });
});
