import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool, RECORD_JSON } from '../src/spool/spool.js';
import { FoldedJournal } from '../src/spool/folded-journal.js';
import { tempDir, waitFor } from './helpers.js';

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
    await waitFor(
      () => (readdirSync(dir).length === 1 ? true : undefined),
      'the settled segment to be deleted',
    );
    spool.release(second.segment, 't2'); // the active segment stays
    expect(spool.segmentCount).toBe(1);
    await spool.close();
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
