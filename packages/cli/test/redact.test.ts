import { execFile } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalize, type RunBundle } from '@llm-workbench/bundle';
import { keygen, readJson, tempDir } from './evidence-fixtures.js';
import { runCli } from './run-cli.js';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

/** Runs the real CLI in its own process, as a user would. */
async function workbench(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', BIN, ...args],
      { maxBuffer: 64 << 20 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The demo's bundle: model inputs and outputs, artifact contents and a patch, all held. */
let demo: { dir: string; path: string; text: string; sha256: string };

beforeAll(async () => {
  const dir = tempDir('wb-redact-');
  const r = await runCli(['demo', '--out', dir]);
  if (r.code !== 0) throw new Error(r.stderr);
  const name = readdirSync(dir).find((n) => /^[0-9a-f]{32}\.json$/.test(n))!;
  const path = join(dir, name);
  const text = readFileSync(path, 'utf8');
  demo = { dir, path, text, sha256: (JSON.parse(text) as RunBundle).integrity.sha256 };
}, 60_000);

const heldKinds = (b: RunBundle): string[] =>
  [
    ...b.model_io.flatMap((m) => [
      m.input.content !== null ? 'model_input' : '',
      m.output.content !== null ? 'model_output' : '',
    ]),
    ...b.artifacts.flatMap((a) => [
      a.content !== null ? 'artifact_content' : '',
      a.patch !== null ? 'artifact_patch' : '',
    ]),
  ].filter(Boolean);

describe('workbench redact', () => {
  it('writes the demo bundle without content, and verify passes it with the same integrity.sha256', async () => {
    const before = JSON.parse(demo.text) as RunBundle;
    expect(new Set(heldKinds(before))).toEqual(
      new Set(['model_input', 'model_output', 'artifact_content', 'artifact_patch']),
    );
    const out = join(tempDir('wb-redact-out-'), 'shared.json');
    const r = await workbench(['redact', demo.path, '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`integrity.sha256 ${demo.sha256} (unchanged)`);
    expect(r.stdout).toMatch(/^ {2}model_input {7}2$/m);
    expect(r.stdout).toMatch(/^ {2}artifact_patch {4}1$/m);

    const after = readJson<RunBundle>(out);
    expect(heldKinds(after)).toEqual([]);
    expect(after.integrity.sha256).toBe(demo.sha256);
    expect(after.redactions).toHaveLength(heldKinds(before).length);
    // Nothing else changed: the same bundle but for the content and the list of redactions.
    const { redactions: _r, ...rest } = after;
    const blank = (b: RunBundle): string =>
      canonicalize({
        ...b,
        model_io: b.model_io.map((m) => ({
          ...m,
          input: { ...m.input, content: null },
          output: { ...m.output, content: null },
        })),
        artifacts: b.artifacts.map((a) => ({ ...a, content: null, patch: null })),
      });
    expect(blank(rest)).toBe(blank(before));

    const v = await workbench(['verify', out]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain(demo.sha256);
    const again = await workbench(['verify', out, '--json']);
    expect(JSON.parse(again.stdout)[0]).toMatchObject({ ok: true, sha256: demo.sha256 });
  }, 60_000);

  it('keeps the kinds given with --keep, and says so', async () => {
    const out = join(tempDir('wb-redact-out-'), 'keep.json');
    const r = await runCli([
      'redact',
      demo.path,
      '-o',
      out,
      '--keep',
      'model_output',
      '--keep',
      'artifact_patch,artifact_content',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      output: out,
      sha256: demo.sha256,
      redacted: { model_input: 2 },
      removedNow: 2,
      kept: ['model_output', 'artifact_patch', 'artifact_content'],
      envelope: null,
    });
    const after = readJson<RunBundle>(out);
    expect(new Set(heldKinds(after))).toEqual(
      new Set(['model_output', 'artifact_content', 'artifact_patch']),
    );
    expect((await runCli(['verify', out])).code).toBe(0);

    // redacting the copy again merges the lists, and the hash still holds
    const twice = join(tempDir('wb-redact-out-'), 'twice.json');
    const r2 = await runCli(['redact', out, '-o', twice, '--keep', 'artifact_patch', '--json']);
    expect(JSON.parse(r2.stdout)).toMatchObject({
      sha256: demo.sha256,
      redacted: { model_input: 2, model_output: 2, artifact_content: 2 },
      removedNow: 4,
    });
    const paths = readJson<RunBundle>(twice).redactions!.map((x) => x.path);
    expect(paths).toEqual([...paths].sort());
    expect((await runCli(['verify', twice])).code).toBe(0);
  });

  it('copies the signature envelope beside OUT, and the signature still verifies', async () => {
    const dir = tempDir('wb-redact-signed-');
    const bundle = join(dir, 'run.json');
    writeFileSync(bundle, demo.text);
    const alice = await keygen(dir, 'alice');
    expect((await runCli(['sign', bundle, '--key', alice.key])).code).toBe(0);
    const out = join(dir, 'shared.json');
    const r = await runCli(['redact', bundle, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`envelope copied to ${join(dir, 'shared.dsse.json')}`);
    expect(readFileSync(join(dir, 'shared.dsse.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'run.dsse.json'), 'utf8'),
    );
    const v = await runCli(['verify', out, '--trust', alice.pub]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('signed by alice.pub');
    expect(v.stdout).toContain('signed as "run.json", checked as "shared.json"');
  });

  it('refuses to write over the input, or over an existing OUT without --force', async () => {
    const dir = tempDir('wb-redact-refuse-');
    const bundle = join(dir, 'run.json');
    writeFileSync(bundle, demo.text);
    const same = await runCli(['redact', bundle, '-o', join(dir, '.', 'run.json')]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('is the input itself');
    symlinkSync(bundle, join(dir, 'link.json'));
    const viaLink = await runCli(['redact', bundle, '-o', join(dir, 'link.json'), '--force']);
    expect(viaLink.code).toBe(2);
    expect(viaLink.stderr).toContain('is the input itself');
    expect(readFileSync(bundle, 'utf8')).toBe(demo.text);

    const out = join(dir, 'out.json');
    writeFileSync(out, 'keep me');
    const exists = await runCli(['redact', bundle, '-o', out]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain('give --force');
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    const forced = await runCli(['redact', bundle, '-o', out, '--force']);
    expect(forced.code).toBe(0);
    expect(readJson<RunBundle>(out).integrity.sha256).toBe(demo.sha256);
    expect(statSync(out).mode & 0o777).toBe(0o644);
  });

  it('reads BUNDLE from standard input as -', async () => {
    const out = join(tempDir('wb-redact-stdin-'), 'shared.json');
    const r = await runCli(['redact', '-', '-o', out, '--json'], demo.text);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ input: '-', sha256: demo.sha256, envelope: null });
    expect((await runCli(['verify', out])).code).toBe(0);
  });

  it('refuses bad usage: no OUT, an unknown kind', async () => {
    const noOut = await runCli(['redact', demo.path]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('-o OUT is required');
    const out = join(tempDir('wb-redact-out-'), 'x.json');
    const bad = await runCli(['redact', demo.path, '-o', out, '--keep', 'prompts']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"prompts"');
    expect(existsSync(out)).toBe(false);
  });

  it('writes nothing for a bundle that does not verify, or whose version hashes content', async () => {
    const dir = tempDir('wb-redact-bad-');
    const changed = join(dir, 'changed.json');
    writeFileSync(changed, demo.text.replace('"approved"', '"rejected"'));
    const r = await runCli(['redact', changed, '-o', join(dir, 'out.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not verify, nothing written: hash_mismatch');

    // content edited under its commitment: the hash holds but verify does not
    const b = JSON.parse(demo.text) as RunBundle;
    b.model_io[0]!.output.content = 'forged';
    writeFileSync(changed, JSON.stringify(b));
    const forged = await runCli(['redact', changed, '-o', join(dir, 'out.json')]);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('content_mismatch at /model_io/0/output/content');

    // a version 2 file, hashed by its own rule
    const { integrity: _i, ...rest } = JSON.parse(demo.text) as RunBundle;
    const v2 = {
      ...rest,
      schemaVersion: 2,
      artifacts: rest.artifacts.map(({ patchSha256: _p, ...a }) => a),
    };
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(canonicalize(v2)).digest('hex');
    const old = join(dir, 'v2.json');
    writeFileSync(
      old,
      JSON.stringify({
        ...v2,
        integrity: { algorithm: 'sha256', canonicalization: 'RFC8785', sha256 },
      }),
    );
    expect((await runCli(['verify', old])).code).toBe(0);
    const refused = await runCli(['redact', old, '-o', join(dir, 'out.json')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('schema version 2 bundle, whose integrity covers its content');
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
  });
});

describe('workbench show on a redacted bundle', () => {
  it('counts what was redacted by kind and marks where it was', async () => {
    const out = join(tempDir('wb-redact-show-'), 'shared.json');
    expect((await runCli(['redact', demo.path, '-o', out, '--keep', 'artifact_patch'])).code).toBe(
      0,
    );
    const r = await runCli(['show', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Redacted   6 content(s) removed after sealing; their sha256 commitments remain and verify',
    );
    expect(r.stdout).toMatch(/^ {11}model_input {7}2$/m);
    expect(r.stdout).toMatch(/^ {11}artifact_content {2}2$/m);
    expect(r.stdout).not.toMatch(/^ {11}artifact_patch/m);
    expect(r.stdout).toContain('in redacted, out redacted');
    expect(r.stdout).toContain('content redacted, patch');
    const j = JSON.parse((await runCli(['show', out, '--json'])).stdout) as Record<string, unknown>;
    expect(j['redacted']).toEqual({ model_input: 2, model_output: 2, artifact_content: 2 });
    expect(j['redactions']).toHaveLength(6);

    const plain = await runCli(['show', demo.path]);
    expect(plain.stdout).not.toContain('Redacted');
    expect(plain.stdout).toContain('in, out');
  });
});
