import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyBundle } from '@llm-workbench/bundle';
import {
  EMPTY_HEAD,
  ledgerLine,
  serializeEnvelope,
  signCheckpoint,
  SigningKey,
} from '@llm-workbench/evidence';
import { FileBundleSink } from '@llm-workbench/sink';
import {
  bundleText,
  flipCharAt,
  keygen,
  sha256Of,
  tempDir,
  writeBundle,
} from './evidence-fixtures.js';
import { runCli } from './run-cli.js';

/**
 * A bundle folder as a signing sink leaves it: bundles, each signed beside it, the ledger of
 * them, and a checkpoint of its head signed by the same key.
 */
async function ledgerFolder(names = ['one', 'two', 'three']) {
  const dir = tempDir('wb-folder-');
  const keys = tempDir('wb-keys-');
  const alice = await keygen(keys, 'alice');
  const mallory = await keygen(keys, 'mallory');
  const key = SigningKey.fromPem(readFileSync(alice.key, 'utf8'));
  let head = EMPTY_HEAD;
  let ledger = '';
  names.forEach((n, i) => {
    const text = bundleText(n);
    writeBundle(dir, n, text);
    const next = ledgerLine(head, {
      file: `${n}.json`,
      sha256: sha256Of(text),
      time: `2026-12-07T10:00:0${i}.000Z`,
    });
    ledger += next.line;
    head = next.head;
  });
  writeFileSync(join(dir, 'ledger.jsonl'), ledger);
  writeFileSync(
    join(dir, 'ledger.checkpoint.dsse.json'),
    serializeEnvelope(signCheckpoint(head, key)),
  );
  const signed = await runCli([
    'sign',
    ...names.map((n) => join(dir, `${n}.json`)),
    '--key',
    alice.key,
  ]);
  if (signed.code !== 0) throw new Error(signed.stdout);
  return { dir, alice, mallory, ledger };
}

/** The FAIL lines of an output, as [file, code]. */
function failures(stdout: string): Array<[string, string]> {
  return [...stdout.matchAll(/^FAIL {2}(.*?): ([a-z_]+): /gm)].map((m) => [m[1]!, m[2]!]);
}

describe('workbench verify DIR', () => {
  it('passes a folder as written, saying what it checked', async () => {
    const { dir, alice } = await ledgerFolder();
    const r = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(r.stdout).toBe(
      `OK    ${dir}  3 bundle(s) as recorded in ledger.jsonl (3 line(s)); checkpoint signed by alice.pub; 3 signed by a trusted key\n`,
    );
    expect(r.code).toBe(0);
    const plain = await runCli(['verify', dir]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(
      `note: ${dir}: a checkpoint and 3 envelope(s) present, signatures not checked: pass --trust PUB`,
    );
    const j = JSON.parse((await runCli(['verify', dir, '--trust', alice.pub, '--json'])).stdout);
    expect(j).toEqual([
      {
        file: dir,
        folder: true,
        ok: true,
        lines: 3,
        recorded: 3,
        envelopes: 3,
        signed: 3,
        checkpoint: true,
        checkpointSignedBy: ['alice.pub'],
        trusted: true,
        problems: [],
        warnings: [],
      },
    ]);
  });

  it('fails for a bundle deleted from the folder, naming it', async () => {
    const { dir, alice } = await ledgerFolder();
    unlinkSync(join(dir, 'two.json'));
    const r = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `FAIL  ${join(dir, 'two.json')}: removed: recorded at line 2, not in the folder`,
    );
  });

  it('fails for a bundle copied into the folder outside the ledger, naming it', async () => {
    const { dir, alice } = await ledgerFolder();
    copyFileSync(join(dir, 'one.json'), join(dir, 'copy.json'));
    writeBundle(dir, 'intruder');
    const r = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(failures(r.stdout)).toEqual([
      [join(dir, 'copy.json'), 'outside_ledger'],
      [join(dir, 'intruder.json'), 'outside_ledger'],
    ]);
  });

  it('fails for a bundle replaced by another valid bundle, or changed by one byte, naming it', async () => {
    const { dir, alice } = await ledgerFolder();
    writeFileSync(join(dir, 'one.json'), bundleText('forged'));
    const two = readFileSync(join(dir, 'two.json'), 'utf8');
    writeFileSync(join(dir, 'two.json'), two.replace('"run-two"', '"run-twO"'));
    const r = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(failures(r.stdout)).toEqual([
      [join(dir, 'one.json'), 'replaced'],
      [join(dir, 'two.json'), 'replaced'],
    ]);
    expect(r.stdout).toMatch(
      /one\.json: replaced: is [0-9a-f]{12}…, the ledger recorded [0-9a-f]{12}… at line 1/,
    );
  });

  it('fails when one byte of the ledger changed, naming the ledger and the line', async () => {
    const { dir, alice, ledger } = await ledgerFolder();
    const second = ledger.indexOf('\n') + 1;
    writeFileSync(
      join(dir, 'ledger.jsonl'),
      flipCharAt(ledger, second + ledger.slice(second).indexOf('"sha256":"') + 12),
    );
    const r = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL  ${join(dir, 'ledger.jsonl')}: broken_chain: line 3:`);
  });

  it('fails for a truncated ledger against its signed checkpoint, even with the bundle gone too', async () => {
    const { dir, alice, ledger } = await ledgerFolder();
    writeFileSync(join(dir, 'ledger.jsonl'), ledger.split('\n').slice(0, 2).join('\n') + '\n');
    unlinkSync(join(dir, 'three.json'));
    unlinkSync(join(dir, 'three.dsse.json'));
    const r = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(failures(r.stdout)).toEqual([[join(dir, 'ledger.checkpoint.dsse.json'), 'truncated']]);
    expect(r.stdout).toMatch(/counts 3 lines; the ledger holds 2/);
  });

  it('fails for a checkpoint or an envelope by an untrusted key, and a bundle without its envelope', async () => {
    const { dir, alice, mallory } = await ledgerFolder();
    unlinkSync(join(dir, 'one.dsse.json'));
    unlinkSync(join(dir, 'two.dsse.json'));
    expect((await runCli(['sign', join(dir, 'two.json'), '--key', mallory.key])).code).toBe(0);
    const r = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(failures(r.stdout)).toEqual([
      [join(dir, 'one.json'), 'unsigned'],
      [join(dir, 'two.dsse.json'), 'bad_signature'],
    ]);
    const m = await runCli(['verify', dir, '--trust', mallory.pub]);
    expect(failures(m.stdout)).toContainEqual([
      join(dir, 'ledger.checkpoint.dsse.json'),
      'checkpoint_untrusted',
    ]);
  });

  it('never follows a symlink: a bundle or ledger linked from outside fails, naming the file', async () => {
    const { dir, alice } = await ledgerFolder();
    const outside = tempDir('wb-outside-');
    copyFileSync(join(dir, 'one.json'), join(outside, 'one.json'));
    unlinkSync(join(dir, 'one.json'));
    symlinkSync(join(outside, 'one.json'), join(dir, 'one.json'));
    const r = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `FAIL  ${join(dir, 'one.json')}: unreadable: is a symbolic link: not followed`,
    );
    copyFileSync(join(dir, 'ledger.jsonl'), join(outside, 'ledger.jsonl'));
    unlinkSync(join(dir, 'ledger.jsonl'));
    symlinkSync(join(outside, 'ledger.jsonl'), join(dir, 'ledger.jsonl'));
    const l = await runCli(['verify', dir]);
    expect(l.code).toBe(1);
    expect(l.stdout).toContain(
      `FAIL  ${join(dir, 'ledger.jsonl')}: unreadable: is a symbolic link: not followed`,
    );
  });

  it('reports a FIFO named like a bundle instead of blocking on it, and follows a linked --trust key', async () => {
    const { dir, alice } = await ledgerFolder();
    execFileSync('mkfifo', [join(dir, 'pipe.json')]);
    const linked = join(tempDir('wb-trust-'), 'current.pub');
    symlinkSync(alice.pub, linked);
    const r = await runCli(['verify', dir, '--trust', linked]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /FAIL {2}.*pipe\.json: outside_ledger: is in the folder but not in the ledger: .*; is not a regular file\n/,
    );
    expect(r.stdout).not.toMatch(/one\.json|two\.json|three\.json/);
  });

  it('fails for a folder with no ledger, naming the ledger', async () => {
    const dir = tempDir();
    writeBundle(dir, 'a');
    const r = await runCli(['verify', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `FAIL  ${join(dir, 'ledger.jsonl')}: no_ledger: the folder has no ledger`,
    );
    expect(r.stdout).toContain(`workbench verify ${join(dir, '*.json')}`);
  });

  it('passes a folder a signing FileBundleSink wrote, revisions included, and names what was removed', async () => {
    const dir = tempDir('wb-sink-');
    const alice = await keygen(tempDir('wb-keys-'), 'alice');
    const sink = new FileBundleSink({
      directory: dir,
      fsync: false,
      signingKey: SigningKey.fromPem(readFileSync(alice.key, 'utf8')),
    });
    const bundleOf = (text: string) => {
      const r = verifyBundle(text);
      if (!r.ok) throw new Error('fixture');
      return r.bundle;
    };
    const first = await sink.write(bundleOf(bundleText('a', 'a'.repeat(32))));
    await sink.write(bundleOf(bundleText('b', 'b'.repeat(32))));
    // The same trace again with other content: a revision beside it, recorded too.
    const revision = await sink.write(bundleOf(bundleText('a2', 'a'.repeat(32))));
    expect(revision.status).toBe('revision');
    await sink.shutdown?.();
    const r = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(r.stdout).toMatch(
      /^OK {4}.* 3 bundle\(s\) as recorded in ledger\.jsonl \(3 line\(s\)\); checkpoint signed by alice\.pub; 3 signed by a trusted key$/m,
    );
    expect(r.code).toBe(0);
    unlinkSync(first.location);
    const gone = await runCli(['verify', dir, '--trust', alice.pub]);
    expect(gone.code).toBe(1);
    expect(failures(gone.stdout)).toEqual([[first.location, 'removed']]);
  });
});
