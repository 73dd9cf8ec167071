import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sc from '@llm-workbench/semconv';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  verifyBundle,
  type RunBundle,
} from '@llm-workbench/bundle';
import { FileBundleSink } from '../src/index.js';
import { countDirectorySyncs } from './fixtures/count-directory-syncs.js';

function bundle(i: number): RunBundle {
  const traceId = (i + 1).toString(16).padStart(32, '0');
  return sealBundle(
    foldRun([
      {
        traceId,
        spanId: '1111111111111111',
        name: `run ${i}`,
        kind: 'internal',
        startTimeUnixNano: 1n,
        endTimeUnixNano: 2n,
        status: { code: 'unset' },
        attributes: attributesFrom([[sc.ATTR_RUN_ID, `r${i}`]]),
        events: [],
        resource: attributesFrom([]),
        scope: { name: 't' },
      },
    ]),
  );
}

describe('FileBundleSink with fsync', () => {
  it('shares folder fsyncs among concurrent writes, and every write is whole and verified', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-group-'));
    const sink = new FileBundleSink({ directory: dir, fsync: true });
    const counter = countDirectorySyncs(sink);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => sink.write(bundle(i))));
    expect(results.every((r) => r.status === 'written')).toBe(true);
    const files = readdirSync(dir).filter((f) => f !== 'ledger.jsonl');
    expect(files).toHaveLength(60); // no temporary file left
    for (const f of files) expect(verifyBundle(readFileSync(join(dir, f), 'utf8')).ok).toBe(true);
    expect(counter.syncs).toBeGreaterThanOrEqual(1);
    expect(counter.syncs).toBeLessThan(60);
  });

  it('syncs the folder after every link it reports written, one write at a time too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-group-'));
    const sink = new FileBundleSink({ directory: dir, fsync: true });
    const counter = countDirectorySyncs(sink);
    for (let i = 0; i < 3; i++) expect((await sink.write(bundle(i))).status).toBe('written');
    // One more, once: creating the ledger file is a folder entry too.
    expect(counter.syncs).toBe(3 + 1);
    // The same bundle again links nothing, so needs no folder sync.
    expect((await sink.write(bundle(0))).status).toBe('unchanged');
    expect(counter.syncs).toBe(3 + 1);
  });

  it('makes no folder fsync without fsync', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-group-'));
    const sink = new FileBundleSink({ directory: dir, fsync: false });
    const counter = countDirectorySyncs(sink);
    await Promise.all(Array.from({ length: 5 }, (_, i) => sink.write(bundle(i))));
    expect(counter.syncs).toBe(0);
    expect(readdirSync(dir)).toHaveLength(5 + 1); // and the ledger
  });
});
