import { constants } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the data folder for this process: two receivers appending to one spool would corrupt
 * it. A lock left by a process that is gone (killed) is taken over.
 *
 * @returns a function that releases the lock
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'receiver.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const h = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await h.writeFile(`${process.pid}\n`);
      await h.close();
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && alive(pid)) {
        throw new Error(`data folder ${dir} is in use by process ${pid}`);
      }
      await unlink(path).catch(() => undefined); // stale: its process is gone
    }
  }
  throw new Error(`could not lock data folder ${dir}`);
}
