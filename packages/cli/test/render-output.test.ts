import { linkSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleText, tempDir } from './evidence-fixtures.js';
import { runCli } from './run-cli.js';

function setup(): { dir: string; bundle: string; text: string } {
  const dir = tempDir('wb-render-');
  const bundle = join(dir, 'x.json');
  const text = bundleText('x');
  writeFileSync(bundle, text);
  return { dir, bundle, text };
}

describe('workbench render output', () => {
  it('refuses a symbolic link planted at its default output, and leaves its target alone', async () => {
    const { dir, bundle } = setup();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, 'x.html'));
    const r = await runCli(['render', bundle]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/x\.html is a symbolic link: refusing to write over it/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(dir, 'x.html')).isSymbolicLink()).toBe(true);
    const explicit = await runCli(['render', bundle, '-o', join(dir, 'x.html')]);
    expect(explicit.code).toBe(3);
  });

  it('refuses to write over its input, by path or by inode', async () => {
    const { dir, bundle, text } = setup();
    mkdirSync(join(dir, 'sub'));
    linkSync(bundle, join(dir, 'hard.json'));
    for (const out of [bundle, join(dir, 'sub', '..', 'x.json'), join(dir, 'hard.json')]) {
      const r = await runCli(['render', bundle, '-o', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/is the input .*x\.json: refusing to write over it/);
      expect(readFileSync(bundle, 'utf8')).toBe(text);
    }
    const envelope = join(dir, 'e.dsse.json');
    writeFileSync(envelope, '{}');
    const overEnvelope = await runCli(['render', bundle, '--envelope', envelope, '-o', envelope]);
    expect(overEnvelope.code).toBe(2);
    expect(readFileSync(envelope, 'utf8')).toBe('{}');
  });

  it('still replaces a report it wrote before', async () => {
    const { dir, bundle } = setup();
    expect((await runCli(['render', bundle])).code).toBe(0);
    expect((await runCli(['render', bundle])).code).toBe(0);
    expect(readFileSync(join(dir, 'x.html'), 'utf8')).toContain('<!doctype html>');
  });
});
