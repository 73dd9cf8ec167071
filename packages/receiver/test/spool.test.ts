import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { Spool, RECORD_JSON } from '../src/spool/spool.js';
import { FoldedJournal } from '../src/spool/folded-journal.js';
import { tempDir } from './helpers.js';

const noop = (): void => undefined;

describe('Spool', () => {
  it('replays what was appended, in order, and ignores a torn tail', async () => {
    const dir = tempDir();
    const spool = await Spool.open(dir, { segmentBytes: 1 << 20, fsync: true, onError: noop });
    const a = spool.append(RECORD_JSON, Buffer.from('first'));
    const b = spool.append(RECORD_JSON, Buffer.from('second'));
    await Promise.all([a.durable, b.durable]);
    await spool.close();
    const [segment] = readdirSync(dir);
    appendFileSync(join(dir, segment as string), Buffer.from([200, 0, 0, 0, 1, 2, 3])); // a torn record
    const again = await Spool.open(dir, { segmentBytes: 1 << 20, fsync: true, onError: noop });
    const seen: string[] = [];
    for await (const e of again.replay()) seen.push(e.payload.toString());
    expect(seen).toEqual(['first', 'second']);
    await again.close();
  });

  it('starts a new segment when one is full, and deletes segments once every trace in them is settled', async () => {
    const dir = tempDir();
    const spool = await Spool.open(dir, { segmentBytes: 64, fsync: false, onError: noop });
    const first = spool.append(RECORD_JSON, Buffer.alloc(60));
    spool.ref(first.segment, 't1');
    const second = spool.append(RECORD_JSON, Buffer.alloc(60));
    spool.ref(second.segment, 't2');
    await Promise.all([first.durable, second.durable]);
    expect(second.segment).toBe(first.segment + 1);
    expect(readdirSync(dir)).toHaveLength(2);
    spool.release(first.segment, 't1');
    await waitUntil(
      () => (readdirSync(dir).length === 1 ? true : undefined),
      'the settled segment to be deleted',
    );
    spool.release(second.segment, 't2'); // the active segment stays
    expect(spool.segmentCount).toBe(1);
    await spool.close();
  });
});

describe('Spool facing a damaged segment', () => {
  /** A closed spool of five records 'record 0' … 'record 4'; returns its segment's path and the records' offsets. */
  async function fiveRecords(dir: string): Promise<{ path: string; starts: number[] }> {
    const spool = await Spool.open(dir, { segmentBytes: 1 << 20, fsync: false, onError: noop });
    const appends = Array.from({ length: 5 }, (_, i) =>
      spool.append(RECORD_JSON, Buffer.from(`record ${i}`)),
    );
    await Promise.all(appends.map((a) => a.durable));
    await spool.close();
    const name = readdirSync(dir).find((f) => f.endsWith('.wal')) as string;
    // A payload starts after the 8-byte header and the kind byte.
    return { path: join(dir, name), starts: appends.map((a) => a.offset - 9) };
  }

  async function replayAll(dir: string): Promise<{ seen: string[]; spool: Spool }> {
    const spool = await Spool.open(dir, { segmentBytes: 1 << 20, fsync: false, onError: noop });
    const seen: string[] = [];
    for await (const e of spool.replay()) seen.push(e.payload.toString());
    return { seen, spool };
  }

  it('skips only a record whose checksum fails when its length prefix holds, reports it, and keeps a copy', async () => {
    const dir = tempDir();
    const { path, starts } = await fiveRecords(dir);
    const bytes = readFileSync(path);
    const at = (starts[1] as number) + 12; // inside the payload of record 1
    bytes[at] = (bytes[at] as number) ^ 0x01;
    writeFileSync(path, bytes);
    const { seen, spool } = await replayAll(dir);
    expect(seen).toEqual(['record 0', 'record 2', 'record 3', 'record 4']);
    expect(spool.damage).toHaveLength(1);
    const damage = spool.damage[0];
    expect(damage).toMatchObject({ offset: starts[1], resumedAt: starts[2] });
    expect(damage?.reason).toMatch(/fails its checksum: skipped it/);
    // The copy is the damaged segment as found, outside the folder the spool deletes from.
    expect(readFileSync(damage?.copy as string)).toEqual(bytes);
    expect(damage?.copy).toMatch(/[/\\]damaged[/\\]segment-000000000001\.[0-9a-f]{8}\.wal$/);
    await spool.close();
    // Found again after another restart: reported again, copied once.
    const again = await replayAll(dir);
    expect(again.spool.damage[0]?.copy).toBe(damage?.copy);
    expect(readdirSync(join(dir, 'damaged'))).toHaveLength(1);
    await again.spool.close();
  });

  it('reads nothing past a record whose length prefix is damaged, and says so', async () => {
    const dir = tempDir();
    const { path, starts } = await fiveRecords(dir);
    const bytes = readFileSync(path);
    bytes[starts[2] as number] = 3; // record 2 claims 3 bytes: no record starts after them
    writeFileSync(path, bytes);
    const { seen, spool } = await replayAll(dir);
    expect(seen).toEqual(['record 0', 'record 1']);
    expect(spool.damage).toMatchObject([
      { offset: starts[2], resumedAt: null, bytes: bytes.length - (starts[2] as number) },
    ]);
    expect(spool.damage[0]?.reason).toMatch(/cannot be read/);
    await spool.close();
  });

  it('takes a checksum failure in the last record for damage, but a record cut short at the end for a torn write', async () => {
    const dir = tempDir();
    const { path, starts } = await fiveRecords(dir);
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(path, bytes);
    const damaged = await replayAll(dir);
    expect(damaged.seen).toHaveLength(4);
    expect(damaged.spool.damage).toMatchObject([{ offset: starts[4], resumedAt: bytes.length }]);
    await damaged.spool.close();

    const torn = tempDir();
    const t = await fiveRecords(torn);
    writeFileSync(t.path, readFileSync(t.path).subarray(0, (t.starts[4] as number) + 12));
    const cut = await replayAll(torn);
    expect(cut.seen).toHaveLength(4);
    expect(cut.spool.damage).toEqual([]);
    await cut.spool.close();
  });
});

describe('FoldedJournal', () => {
  it('keeps the last entry per trace, ignores a torn line, and compacts', async () => {
    const path = join(tempDir(), 'folded.log');
    const j = await FoldedJournal.open(path, true);
    await Promise.all([
      j.append('a'.repeat(32), 3),
      j.append('b'.repeat(32), 2),
      j.append('a'.repeat(32), 5),
    ]);
    await j.close();
    appendFileSync(path, `${'c'.repeat(32)} 1`); // no newline: torn
    const again = await FoldedJournal.open(path, true);
    expect([...again.entries]).toEqual([
      ['a'.repeat(32), 5],
      ['b'.repeat(32), 2],
    ]);
    await again.compact((id) => id.startsWith('a'));
    await again.close();
    expect([...(await FoldedJournal.open(path, true)).entries]).toEqual([['a'.repeat(32), 5]]);
  });
});
