import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../src/index.js';

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('KeyedQueue', () => {
  it('runs the tasks of one key one at a time, in order, and of other keys meanwhile', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const held = gate();
    const a1 = queue.run('a', async () => {
      log.push('a1 start');
      await held.promise;
      log.push('a1 end');
      return 1;
    });
    const a2 = queue.run('a', async () => {
      log.push('a2');
      return 2;
    });
    const b = queue.run('b', async () => {
      log.push('b');
      return 'b';
    });
    await expect(b).resolves.toBe('b');
    expect(log).toEqual(['a1 start', 'b']);
    held.open();
    await expect(Promise.all([a1, a2])).resolves.toEqual([1, 2]);
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
  });

  it('goes on after a task that rejects, and forgets keys with nothing queued', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('a', () => Promise.reject(new Error('boom')));
    const next = queue.run('a', async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    await expect.poll(() => queue.size).toBe(0);
  });
});
