import { describe, expect, it } from 'vitest';
import { verifyBundle, type RunBundle } from '@llm-workbench/bundle';
import {
  checkFolderBundle,
  EMPTY_HEAD,
  generateKeyPair,
  GENESIS,
  ledgerLine,
  readLedger,
  serializeEnvelope,
  sha256Hex,
  signBundle,
  signCheckpoint,
  SigningKey,
  trustedKeyFromPem,
  verifyFolder,
  type LedgerHead,
} from '../src/index.js';
import { bundleText, flipCharAt, TRACE_A, TRACE_B } from './fixtures.js';

const pair = generateKeyPair();
const key = SigningKey.fromPem(pair.privateKeyPem);
const trusted = [trustedKeyFromPem(pair.publicKeyPem, 'wb.pub')];
const other = generateKeyPair();

/** A folder of bundles and its ledger, as verifyFolder reads it. */
function folder(names: string[]): {
  ledger: string;
  checkpoint: string;
  bundles: Array<{ name: string; text: string }>;
  head: LedgerHead;
} {
  let head = EMPTY_HEAD;
  let ledger = '';
  const bundles: Array<{ name: string; text: string }> = [];
  names.forEach((n, i) => {
    const traceId = i % 2 === 0 ? TRACE_A : TRACE_B;
    const text = bundleText(n, traceId);
    const file = `${n}.json`;
    const sha256 = (verifyBundle(text) as { sha256: string }).sha256;
    const next = ledgerLine(head, { file, sha256, time: `2026-12-04T10:00:0${i}.000Z` });
    ledger += next.line;
    head = next.head;
    bundles.push({ name: file, text });
  });
  return {
    ledger,
    checkpoint: serializeEnvelope(signCheckpoint(head, key)),
    bundles,
    head,
  };
}

describe('ledger', () => {
  it('lines are RFC 8785 entries chained by the hash of the line before', () => {
    const a = ledgerLine(EMPTY_HEAD, { file: 'a.json', sha256: 'a'.repeat(64), time: 't1' });
    expect(a.line).toBe(
      `{"file":"a.json","prev":"${GENESIS}","seq":1,"sha256":"${'a'.repeat(64)}","time":"t1"}\n`,
    );
    expect(a.head).toEqual({ seq: 1, hash: sha256Hex(a.line.slice(0, -1)) });
    const b = ledgerLine(a.head, { file: 'b.json', sha256: 'b'.repeat(64), time: 't2' });
    expect(b.entry.prev).toBe(a.head.hash);
    const r = readLedger(a.line + b.line);
    expect(r.problems).toEqual([]);
    expect(r.entries.map((e) => e.file)).toEqual(['a.json', 'b.json']);
    expect(r.head).toEqual(b.head);
    expect(r.goodLength).toBe(Buffer.byteLength(a.line + b.line));
  });

  it('a torn last line is never accepted; goodLength says where the good part ends', () => {
    const { ledger } = folder(['one', 'two']);
    const torn = ledger.slice(0, -10);
    const r = readLedger(torn);
    expect(r.entries).toHaveLength(1);
    expect(r.problems).toEqual([
      { code: 'torn_line', line: 2, message: expect.stringMatching(/cut short/) },
    ]);
    expect(r.goodLength).toBe(ledger.indexOf('\n') + 1);
  });

  it('one character changed anywhere in a line breaks the ledger at that line', () => {
    const { ledger } = folder(['one', 'two', 'three']);
    const second = ledger.indexOf('\n') + 1;
    for (let at = second; at < ledger.indexOf('\n', second); at += 5) {
      const r = readLedger(flipCharAt(ledger, at));
      expect(r.problems.length, `position ${at}`).toBeGreaterThan(0);
      expect(r.entries.length).toBeLessThan(3);
    }
  });

  it('lines re-ordered or removed break the chain, naming the line', () => {
    const lines = folder(['one', 'two', 'three']).ledger.split('\n').filter(Boolean);
    const swapped = readLedger(`${lines[0]}\n${lines[2]}\n${lines[1]}\n`);
    expect(swapped.problems[0]).toMatchObject({ code: 'broken_chain', line: 2 });
    const removed = readLedger(`${lines[1]}\n${lines[2]}\n`);
    expect(removed.problems[0]).toMatchObject({ code: 'broken_chain', line: 1 });
  });
});

describe('verifyFolder', () => {
  it('a folder as written verifies, checkpoint signed by the trusted key', () => {
    const f = folder(['one', 'two', 'three']);
    const v = verifyFolder(f, trusted);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true, recorded: 3, lines: 3, checkpointSignedBy: ['wb.pub'] });
  });

  it('a bundle deleted from the folder fails, naming the file', () => {
    const f = folder(['one', 'two', 'three']);
    const v = verifyFolder(
      { ...f, bundles: f.bundles.filter((b) => b.name !== 'two.json') },
      trusted,
    );
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      { code: 'removed', file: 'two.json', message: 'recorded at line 2, not in the folder' },
    ]);
  });

  it('a bundle copied into the folder outside the ledger fails, naming the file', () => {
    const f = folder(['one', 'two']);
    const v = verifyFolder(
      { ...f, bundles: [...f.bundles, { name: 'intruder.json', text: bundleText('intruder') }] },
      trusted,
    );
    expect(v.problems.map((p) => [p.code, p.file])).toEqual([['outside_ledger', 'intruder.json']]);
  });

  it('a bundle replaced by another valid bundle fails as replaced', () => {
    const f = folder(['one', 'two']);
    const bundles = f.bundles.map((b) =>
      b.name === 'one.json' ? { ...b, text: bundleText('forged') } : b,
    );
    const v = verifyFolder({ ...f, bundles }, trusted);
    expect(v.problems.map((p) => [p.code, p.file])).toEqual([['replaced', 'one.json']]);
    expect(v.problems[0]!.message).toMatch(/the ledger recorded .* at line 1/);
  });

  it('one byte changed in a bundle fails, naming the file', () => {
    const f = folder(['one', 'two']);
    const text = f.bundles[1]!.text;
    const bundles = [f.bundles[0]!, { ...f.bundles[1]!, text: text.replace('"two"', '"twO"') }];
    const v = verifyFolder({ ...f, bundles }, trusted);
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.file)).toEqual(['two.json']);
  });

  it('a truncated ledger fails against its signed checkpoint', () => {
    const f = folder(['one', 'two', 'three']);
    const cut = f.ledger.split('\n').slice(0, 2).join('\n') + '\n';
    // The attacker also removes the bundle the cut line recorded: only the checkpoint shows it.
    const v = verifyFolder({ ...f, ledger: cut, bundles: f.bundles.slice(0, 2) }, trusted);
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.code)).toEqual(['truncated']);
    expect(v.problems[0]!.message).toMatch(/counts 3 lines; the ledger holds 2/);
  });

  it('a ledger rewritten from scratch fails against the signed checkpoint', () => {
    const f = folder(['one', 'two']);
    const forged = folder(['one', 'two']); // same files, other times: another chain
    const v = verifyFolder(
      { ...f, ledger: forged.ledger.replace(/10:00:01/, '10:00:09') },
      trusted,
    );
    expect(v.problems.map((p) => p.code)).toContain('broken_chain');
  });

  it('a checkpoint by another key is untrusted; without a checkpoint trust cannot be checked', () => {
    const f = folder(['one']);
    const theirs = serializeEnvelope(
      signCheckpoint(f.head, SigningKey.fromPem(other.privateKeyPem)),
    );
    const v = verifyFolder({ ...f, checkpoint: theirs }, trusted);
    expect(v.problems.map((p) => p.code)).toEqual(['checkpoint_untrusted']);
    const none = verifyFolder({ ...f, checkpoint: null }, trusted);
    expect(none.problems.map((p) => p.code)).toEqual(['no_checkpoint']);
    // Without trusted keys a folder with no checkpoint is checked for consistency only.
    expect(verifyFolder({ ...f, checkpoint: null }).ok).toBe(true);
  });

  it('lines after the checkpoint (a crash between append and checkpoint) are a warning', () => {
    const f = folder(['one', 'two']);
    const older = serializeEnvelope(
      signCheckpoint({ seq: 1, hash: sha256Hex(f.ledger.split('\n')[0]!) }, key),
    );
    const v = verifyFolder({ ...f, checkpoint: older }, trusted);
    expect(v.ok).toBe(true);
    expect(v.warnings).toEqual(['1 line(s) after the signed checkpoint are not checkpointed yet']);
  });

  it('with trusted keys, each recorded bundle needs an envelope a trusted key signed', () => {
    const f = folder(['one', 'two', 'three']);
    const envelopeOf = (name: string, text: string, by: SigningKey) =>
      serializeEnvelope(
        signBundle((verifyBundle(text) as { bundle: RunBundle }).bundle, name, by, { role: 'app' }),
      );
    const theirs = SigningKey.fromPem(other.privateKeyPem);
    const bundles = f.bundles.map((b, i) => ({
      ...b,
      envelope:
        i === 0
          ? envelopeOf(b.name, b.text, key)
          : i === 1
            ? null
            : envelopeOf(b.name, b.text, theirs),
    }));
    const v = verifyFolder({ ...f, bundles }, trusted);
    expect(v.problems.map((p) => [p.code, p.file])).toEqual([
      ['unsigned', 'two.json'],
      ['bad_signature', 'three.dsse.json'],
    ]);
    expect(v.problems[1]!.message).toMatch(
      /does not vouch for three\.json: no signature is by a trusted key/,
    );
    expect(v).toMatchObject({ recorded: 3, envelopes: 2, signed: 1 });
    // Without trusted keys, envelopes are counted, not checked.
    const plain = verifyFolder({ ...f, bundles });
    expect(plain).toMatchObject({ ok: true, envelopes: 2, signed: 0 });
  });

  it('takes bundles checked one at a time, so a caller holds one bundle in memory', () => {
    const f = folder(['one', 'two']);
    const checks = f.bundles.map((b) => checkFolderBundle(b.name, b.text, undefined, trusted));
    expect(verifyFolder({ ...f, bundles: checks }, trusted)).toMatchObject({
      ok: true,
      recorded: 2,
    });
    const unreadable = [
      checks[0]!,
      {
        name: 'two.json',
        ok: false,
        sha256: null,
        message: 'is a symbolic link: not followed',
        unreadable: true,
      },
    ];
    expect(verifyFolder({ ...f, bundles: unreadable }, trusted).problems).toEqual([
      { code: 'unreadable', file: 'two.json', message: 'is a symbolic link: not followed' },
    ]);
  });

  it('a folder without a ledger fails', () => {
    expect(verifyFolder({ ledger: null, checkpoint: null, bundles: [] }).problems[0]!.code).toBe(
      'no_ledger',
    );
  });
});
