import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldRun, sealBundle, serializeBundle, type RunBundle } from '@llm-workbench/bundle';
import { FileBundleSink } from '../src/index.js';
import * as sc from '@llm-workbench/semconv';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'wb-sink-'));
const A = 'abcdef0123456789abcdef0123456789';

function bundle(name = 'run', traceId = A): RunBundle {
  const attributes = Object.assign(Object.create(null) as Record<string, string>, {
    [sc.ATTR_RUN_ID]: 'r',
    [sc.ATTR_RUN_NAME]: name,
  });
  return sealBundle(
    foldRun([
      {
        traceId,
        spanId: '1111111111111111',
        name: 'run',
        kind: 'internal',
        startTimeUnixNano: 1n,
        endTimeUnixNano: 2n,
        status: { code: 'unset' },
        attributes,
        events: [],
        resource: Object.create(null),
        scope: { name: 't' },
      },
    ]),
  );
}

describe('FileBundleSink', () => {
  it('writes <traceId>.json with the canonical bytes and leaves no temporary file', async () => {
    const dir = tmp();
    const result = await new FileBundleSink({ directory: dir }).write(bundle());
    expect(result).toEqual({ status: 'written', location: join(dir, `${A}.json`) });
    expect(readFileSync(result.location, 'utf8')).toBe(serializeBundle(bundle()));
    expect(readdirSync(dir).sort()).toEqual([`${A}.json`, 'ledger.jsonl']);
  });

  it('never rewrites a bundle: the same bytes are unchanged, a different bundle lands beside it', async () => {
    const dir = tmp();
    const sink = new FileBundleSink({ directory: dir });
    await sink.write(bundle('first'));
    expect((await sink.write(bundle('first'))).status).toBe('unchanged');
    const second = bundle('second');
    const r = await sink.write(second);
    expect(r).toEqual({
      status: 'revision',
      location: join(dir, `${A}.${second.integrity.sha256.slice(0, 12)}.json`),
    });
    expect(JSON.parse(readFileSync(join(dir, `${A}.json`), 'utf8')).run.name).toBe('first');
    expect((await sink.write(second)).status).toBe('unchanged');
  });

  it('refuses trace ids that could escape the folder', async () => {
    const dir = tmp();
    const sink = new FileBundleSink({ directory: dir });
    for (const bad of ['../../x', 'a/b', 'abc\u0000', 'A'.repeat(32), 'x'.repeat(5000)]) {
      const b = bundle();
      await expect(sink.write({ ...b, run: { ...b.run, traceId: bad } })).rejects.toThrow(
        /invalid trace id/,
      );
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('does not write through a symlink planted at the bundle name', async () => {
    const dir = tmp();
    const outside = join(tmp(), 'victim');
    writeFileSync(outside, 'precious');
    symlinkSync(outside, join(dir, `${A}.json`));
    await expect(new FileBundleSink({ directory: dir }).write(bundle())).rejects.toThrow(
      /not a regular file/,
    );
    expect(readFileSync(outside, 'utf8')).toBe('precious');
  });

  it('fails with an error, not a crash, on a read-only folder, and works once it is writable', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits; use a path under a regular file instead
      const file = join(tmp(), 'file');
      writeFileSync(file, '');
      await expect(
        new FileBundleSink({ directory: join(file, 'sub') }).write(bundle()),
      ).rejects.toThrow();
      return;
    }
    const dir = tmp();
    chmodSync(dir, 0o500);
    const sink = new FileBundleSink({ directory: dir });
    await expect(sink.write(bundle())).rejects.toThrow();
    chmodSync(dir, 0o700);
    expect((await sink.write(bundle())).status).toBe('written');
  });

  it('creates a missing folder, and refuses an empty path at construction', async () => {
    const dir = join(tmp(), 'a', 'b');
    mkdirSync(join(dir, '..'), { recursive: true });
    expect((await new FileBundleSink({ directory: dir }).write(bundle())).status).toBe('written');
    expect(() => new FileBundleSink({ directory: '' })).toThrow(/non-empty path/);
  });
});
