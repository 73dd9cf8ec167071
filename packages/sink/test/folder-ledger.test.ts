import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attributesFrom, foldRun, sealBundle, type RunBundle } from '@llm-workbench/bundle';
import {
  CHECKPOINT_FILE,
  EMPTY_HEAD,
  envelopeNameFor,
  generateKeyPair,
  LEDGER_FILE,
  ledgerLine,
  readLedger,
  SigningKey,
  trustedKeyFromPem,
  verifyEnvelope,
} from '@llm-workbench/evidence';
import { BundleSinkError, FileBundleSink } from '../src/index.js';
import { checkFolder, unsignedBundles } from './fixtures/read-folder.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'wb-ledger-'));

function bundle(i: number, name = `run ${i}`): RunBundle {
  return sealBundle(
    foldRun([
      {
        traceId: (i + 1).toString(16).padStart(32, '0'),
        spanId: '1111111111111111',
        name,
        kind: 'internal',
        startTimeUnixNano: 1n,
        endTimeUnixNano: 2n,
        status: { code: 'unset' },
        attributes: attributesFrom([['workbench.run.id', `r${i}`]]),
        events: [],
        resource: attributesFrom([]),
        scope: { name: 't' },
      },
    ]),
  );
}

const ledgerOf = (dir: string): string => readFileSync(join(dir, LEDGER_FILE), 'utf8');

function keys(): { key: SigningKey; trusted: ReturnType<typeof trustedKeyFromPem> } {
  const pair = generateKeyPair();
  return {
    key: SigningKey.fromPem(pair.privateKeyPem),
    trusted: trustedKeyFromPem(pair.publicKeyPem, 'test.pub'),
  };
}

describe('FileBundleSink ledger', () => {
  it('chains one line per bundle across many concurrent writes and a new sink on the folder', async () => {
    const dir = tmp();
    const first = new FileBundleSink({ directory: dir });
    await Promise.all(Array.from({ length: 50 }, (_, i) => first.write(bundle(i))));
    await first.shutdown();
    const second = new FileBundleSink({ directory: dir });
    await Promise.all(Array.from({ length: 10 }, (_, i) => second.write(bundle(50 + i))));
    const reading = readLedger(ledgerOf(dir));
    expect(reading.problems).toEqual([]);
    expect(reading.entries).toHaveLength(60);
    expect(new Set(reading.entries.map((e) => e.file)).size).toBe(60);
    for (const e of reading.entries) expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
    const verdict = checkFolder(dir);
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ ok: true, recorded: 60, lines: 60 });
  });

  it('records a revision, and records an unchanged bundle only when the ledger does not name it', async () => {
    const dir = tmp();
    const sink = new FileBundleSink({ directory: dir });
    const a = bundle(0, 'first');
    const b = bundle(0, 'second');
    expect((await sink.write(a)).status).toBe('written');
    expect((await sink.write(a)).status).toBe('unchanged');
    expect((await sink.write(b)).status).toBe('revision');
    expect((await sink.write(b)).status).toBe('unchanged');
    const files = readLedger(ledgerOf(dir)).entries.map((e) => e.file);
    expect(files).toEqual([
      `${a.run.traceId}.json`,
      `${a.run.traceId}.${b.integrity.sha256.slice(0, 12)}.json`,
    ]);
    // A bundle placed but never recorded (a crash between the two): the refold that finds the
    // same bytes records it.
    const c = bundle(1);
    await new FileBundleSink({ directory: dir, ledger: false }).write(c);
    expect(checkFolder(dir).problems.map((p) => p.code)).toEqual(['outside_ledger']);
    expect((await new FileBundleSink({ directory: dir }).write(c)).status).toBe('unchanged');
    expect(checkFolder(dir)).toMatchObject({ ok: true, recorded: 3 });
  });

  it('records a first bundle left outside the ledger (a crash) before the revision a refold with late spans writes', async () => {
    const { key, trusted } = keys();
    const first = bundle(0, 'first');
    const late = bundle(0, 'with a late span');
    const primary = `${first.run.traceId}.json`;
    const revision = `${first.run.traceId}.${late.integrity.sha256.slice(0, 12)}.json`;
    for (const signingKey of [undefined, key]) {
      const dir = tmp();
      // Placed (and signed) by this writer, then killed before its line: no line.
      await new FileBundleSink({ directory: dir, ledger: false, signingKey }).write(first);
      const sink = new FileBundleSink({ directory: dir, signingKey });
      expect((await sink.write(late)).status).toBe('revision');
      const files = readLedger(ledgerOf(dir)).entries.map((e) => e.file);
      expect(files).toEqual([primary, revision]);
      expect(checkFolder(dir, signingKey === undefined ? [] : [trusted]).ok).toBe(true);
    }
    // With a key, a bundle this key did not sign (copied in) is not taken into the ledger.
    const dir = tmp();
    await new FileBundleSink({ directory: dir, ledger: false }).write(first);
    await new FileBundleSink({ directory: dir, signingKey: key }).write(late);
    expect(readLedger(ledgerOf(dir)).entries.map((e) => e.file)).toEqual([revision]);
    expect(checkFolder(dir).problems).toMatchObject([{ code: 'outside_ledger', file: primary }]);
  });

  it('finds a file in a ledger too long to remember, by reading it, and does not record it twice', async () => {
    const dir = tmp();
    const x = bundle(7);
    // 5000 lines: the sink keeps only recent names, so the first line is found by a read.
    let head = EMPTY_HEAD;
    let text = '';
    const time = '2026-01-01T00:00:00.000Z';
    for (let i = 0; i < 5000; i++) {
      const entry =
        i === 0
          ? { file: `${x.run.traceId}.json`, sha256: x.integrity.sha256, time }
          : { file: `f${i}.json`, sha256: 'a'.repeat(64), time };
      const next = ledgerLine(head, entry);
      text += next.line;
      head = next.head;
    }
    writeFileSync(join(dir, LEDGER_FILE), text);
    await new FileBundleSink({ directory: dir, ledger: false }).write(x);
    expect((await new FileBundleSink({ directory: dir }).write(x)).status).toBe('unchanged');
    expect(ledgerOf(dir)).toBe(text);
    await new FileBundleSink({ directory: dir }).write(bundle(8));
    const reading = readLedger(ledgerOf(dir));
    expect(reading.problems).toEqual([]);
    expect(reading.entries).toHaveLength(5001);
  });

  it('cuts a torn last line (an append cut short) and continues the chain', async () => {
    const dir = tmp();
    const sink = new FileBundleSink({ directory: dir });
    for (let i = 0; i < 3; i++) await sink.write(bundle(i));
    await sink.shutdown();
    const whole = ledgerOf(dir);
    appendFileSync(join(dir, LEDGER_FILE), '{"file":"00000000000000000000000000000009.json","pr');
    expect(readLedger(ledgerOf(dir)).problems.map((p) => p.code)).toEqual(['torn_line']);
    await new FileBundleSink({ directory: dir }).write(bundle(3));
    const after = ledgerOf(dir);
    expect(after.startsWith(whole)).toBe(true);
    const reading = readLedger(after);
    expect(reading.problems).toEqual([]);
    expect(reading.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(checkFolder(dir).ok).toBe(true);
  });

  it('refuses to append to a ledger whose chain is broken, and leaves it as it was', async () => {
    const dir = tmp();
    const sink = new FileBundleSink({ directory: dir });
    for (let i = 0; i < 3; i++) await sink.write(bundle(i));
    await sink.shutdown();
    const lines = ledgerOf(dir).split('\n');
    const swapped = `${lines[0]}\n${lines[2]}\n${lines[1]}\n`;
    writeFileSync(join(dir, LEDGER_FILE), swapped);
    const err = await new FileBundleSink({ directory: dir }).write(bundle(3)).catch((e) => e);
    expect(err).toBeInstanceOf(BundleSinkError);
    expect((err as BundleSinkError).code).toBe('ledger_broken');
    expect((err as Error).message).toMatch(/ledger\.jsonl line 2: .*refusing to append/);
    expect(ledgerOf(dir)).toBe(swapped);
  });

  it('refuses a ledger cut shorter under a running sink', async () => {
    const dir = tmp();
    const sink = new FileBundleSink({ directory: dir });
    for (let i = 0; i < 2; i++) await sink.write(bundle(i));
    writeFileSync(join(dir, LEDGER_FILE), ledgerOf(dir).split('\n')[0] + '\n');
    await expect(sink.write(bundle(2))).rejects.toMatchObject({ code: 'ledger_broken' });
  });

  it('writes no ledger with ledger: false', async () => {
    const dir = tmp();
    await new FileBundleSink({ directory: dir, ledger: false }).write(bundle(0));
    expect(readdirSync(dir)).toEqual([`${bundle(0).run.traceId}.json`]);
  });
});

describe('FileBundleSink signing', () => {
  it('writes a verifying envelope beside every bundle, and a signed checkpoint; the folder verifies', async () => {
    const dir = tmp();
    const { key, trusted } = keys();
    const sink = new FileBundleSink({ directory: dir, signingKey: key, signerRole: 'receiver' });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => sink.write(bundle(i))));
    const revised = await sink.write(bundle(0, 'again'));
    expect(revised.status).toBe('revision');
    await sink.shutdown();
    for (const r of [...results, revised]) {
      const name = r.location.slice(dir.length + 1);
      const text = readFileSync(join(dir, envelopeNameFor(name)), 'utf8');
      const sha256 = (JSON.parse(readFileSync(r.location, 'utf8')) as RunBundle).integrity.sha256;
      const v = verifyEnvelope(text, { sha256, name }, [trusted]);
      expect(v.problems).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.statement?.predicate.signerRole).toBe('receiver');
      expect(v.signatures).toEqual([{ keyId: key.keyId, status: 'verified', label: 'test.pub' }]);
    }
    expect(unsignedBundles(dir, [trusted])).toEqual([]);
    const verdict = checkFolder(dir, [trusted]);
    expect(verdict.problems).toEqual([]);
    expect(verdict.warnings).toEqual([]); // the checkpoint is at the head after shutdown
    expect(verdict).toMatchObject({ ok: true, recorded: 21, checkpointSignedBy: ['test.pub'] });
    // No temporary file is left behind.
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('fails the folder check when the checkpoint is signed by a key not trusted', async () => {
    const dir = tmp();
    const sink = new FileBundleSink({ directory: dir, signingKey: keys().key });
    await sink.write(bundle(0));
    await sink.shutdown();
    expect(checkFolder(dir, [keys().trusted]).problems.map((p) => p.code)).toContain(
      'checkpoint_untrusted',
    );
  });

  it('writes the missing envelope of a bundle already there, and leaves an existing one alone', async () => {
    const dir = tmp();
    const { key, trusted } = keys();
    const x = bundle(0);
    const name = `${x.run.traceId}.json`;
    await new FileBundleSink({ directory: dir }).write(x); // unsigned
    const sink = new FileBundleSink({ directory: dir, signingKey: key });
    expect((await sink.write(x)).status).toBe('unchanged');
    expect(unsignedBundles(dir, [trusted])).toEqual([]);
    const envelope = join(dir, envelopeNameFor(name));
    const before = statSync(envelope).mtimeMs;
    const text = readFileSync(envelope, 'utf8');
    expect((await sink.write(x)).status).toBe('unchanged');
    expect(readFileSync(envelope, 'utf8')).toBe(text);
    expect(statSync(envelope).mtimeMs).toBe(before);
  });

  it('replaces an orphan envelope (a crash before its bundle was linked) when the bundle is written', async () => {
    const dir = tmp();
    const { key, trusted } = keys();
    const x = bundle(0);
    const name = `${x.run.traceId}.json`;
    writeFileSync(join(dir, envelopeNameFor(name)), '{"torn":');
    await new FileBundleSink({ directory: dir, signingKey: key }).write(x);
    expect(unsignedBundles(dir, [trusted])).toEqual([]);
  });

  it('never quotes a key given in the wrong form, nor prints the key it holds', () => {
    const { privateKeyPem } = generateKeyPair();
    let message = '';
    try {
      new FileBundleSink({
        directory: tmp(),
        signingKey: privateKeyPem as unknown as SigningKey,
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/signingKey must be a SigningKey/);
    expect(message).not.toContain('PRIVATE');
    const sink = new FileBundleSink({
      directory: tmp(),
      signingKey: SigningKey.fromPem(privateKeyPem),
    });
    expect(JSON.stringify(sink)).not.toContain('PRIVATE');
    expect(() => new FileBundleSink({ directory: tmp(), signerRole: 'root' as 'app' })).toThrow(
      /signerRole must be one of app, receiver, operator, got "root"/,
    );
  });

  it('keeps the checkpoint file beside the ledger only when signing', async () => {
    const dir = tmp();
    await new FileBundleSink({ directory: dir }).write(bundle(0));
    expect(readdirSync(dir)).not.toContain(CHECKPOINT_FILE);
  });
});
