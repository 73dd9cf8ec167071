import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTemporaryFileName, writeFileAtomically } from '../src/index.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'wb-atomic-'));

describe('writeFileAtomically', () => {
  it('writes a new file and replaces an old one whole, owner-only, leaving no temporary file', async () => {
    const dir = tempDir();
    await writeFileAtomically(dir, 'a.json', 'first');
    await writeFileAtomically(dir, 'a.json', 'second', { fsync: false });
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('second');
    expect(statSync(join(dir, 'a.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('replaces a symlink at the name rather than writing through it', async () => {
    const dir = tempDir();
    const outside = join(tempDir(), 'outside.txt');
    writeFileSync(outside, 'untouched');
    symlinkSync(outside, join(dir, 'a.json'));
    await writeFileAtomically(dir, 'a.json', 'mine');
    expect(readFileSync(outside, 'utf8')).toBe('untouched');
    expect(lstatSync(join(dir, 'a.json')).isFile()).toBe(true);
  });

  it('rejects when the file cannot be placed, and removes its temporary file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'taken', 'inside'), { recursive: true });
    await expect(writeFileAtomically(dir, 'taken', 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    await expect(writeFileAtomically(join(dir, 'missing'), 'a', 'x')).rejects.toThrow(/ENOENT/);
  });
});

describe('isTemporaryFileName', () => {
  it('tells the temporary files it writes from whole ones', () => {
    expect(isTemporaryFileName('.segment-1-ab.json.tmp-0a1b2c3d4e5f')).toBe(true);
    expect(isTemporaryFileName('segment-1-ab.json')).toBe(false);
    expect(isTemporaryFileName('folded.json')).toBe(false);
    expect(isTemporaryFileName('.hidden')).toBe(false);
  });
});
