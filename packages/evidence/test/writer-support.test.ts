import { Worker } from 'node:worker_threads';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_HEAD,
  generateKeyPair,
  KeyError,
  ledgerLine,
  readLedger,
  SigningKey,
  trustedKeyFromPem,
  verifySignature,
} from '../src/index.js';

const time = '2026-01-01T00:00:00.000Z';
const sha = (c: string): string => c.repeat(64);

describe('readLedger from a known head', () => {
  it('reads a piece that follows a head, as a writer reading in chunks does', () => {
    const a = ledgerLine(EMPTY_HEAD, { file: 'a.json', sha256: sha('a'), time });
    const b = ledgerLine(a.head, { file: 'b.json', sha256: sha('b'), time });
    const c = ledgerLine(b.head, { file: 'c.json', sha256: sha('c'), time });
    const whole = readLedger(a.line + b.line + c.line);
    const first = readLedger(a.line);
    const rest = readLedger(b.line + c.line, first.head);
    expect(rest.problems).toEqual([]);
    expect(rest.head).toEqual(whole.head);
    expect(rest.entries.map((e) => e.seq)).toEqual([2, 3]);
    expect(first.goodLength + rest.goodLength).toBe(whole.goodLength);
    // A piece that does not follow the head is a broken chain, numbered as in the whole ledger.
    const wrong = readLedger(c.line, first.head);
    expect(wrong.problems).toMatchObject([{ code: 'broken_chain', line: 2 }]);
  });

  it('counts goodLength in bytes, multi-byte file names included', () => {
    const a = ledgerLine(EMPTY_HEAD, { file: 'é東京.json', sha256: sha('a'), time });
    expect(readLedger(`${a.line}{"torn`).goodLength).toBe(Buffer.byteLength(a.line));
  });
});

describe('SigningKey across threads', () => {
  it('crosses to a worker thread as a KeyObject and signs there with the same key id', async () => {
    const pair = generateKeyPair();
    const key = SigningKey.fromPem(pair.privateKeyPem);
    const data = Buffer.from('payload');
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const { sign } = require('node:crypto');
       parentPort.postMessage(sign(null, workerData.data, workerData.key));`,
      { eval: true, workerData: { key: key.exportKeyObject(), data } },
    );
    const sig = await new Promise<Uint8Array>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const trusted = trustedKeyFromPem(pair.publicKeyPem, 'k.pub');
    expect(verifySignature(trusted.publicKey, data, sig)).toBe(true);
    expect(SigningKey.fromKeyObject(key.exportKeyObject()).keyId).toBe(key.keyId);
  });

  it('refuses a public key object and a key that is not Ed25519', () => {
    const key = SigningKey.fromPem(generateKeyPair().privateKeyPem);
    expect(() => SigningKey.fromKeyObject(key.publicKey)).toThrow(KeyError);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => SigningKey.fromKeyObject(privateKey)).toThrow(/only Ed25519/);
  });
});
