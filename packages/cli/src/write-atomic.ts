import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** How {@link writeAtomic} places the file. */
export interface WriteAtomicOptions {
  /** File mode of the new file (before the umask). Default 0o644. */
  mode?: number;
  /**
   * `create`: fail with EEXIST if the target exists (the temp file is hard-linked into place, an
   * atomic create-if-absent). `replace`: rename over the target. Default `create`.
   */
  place?: 'create' | 'replace';
}

/**
 * Writes a file so that a reader, or a crash, sees it whole or not at all: a temp file in the same
 * folder (O_EXCL | O_NOFOLLOW, so never through a planted symlink), fsynced, then linked or renamed
 * into place, then the folder fsynced.
 *
 * @example
 * await writeAtomic('run.dsse.json', text, { place: 'replace' });
 */
export async function writeAtomic(
  path: string,
  data: string,
  options: WriteAtomicOptions = {},
): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = options.mode ?? 0o644;
  const fh = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  let placed = false;
  try {
    try {
      // The umask can only remove bits; chmod makes a key's 0600 exact whatever the umask.
      await fh.chmod(mode);
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.place === 'replace') {
      await rename(tmp, path);
      placed = true;
    } else {
      await link(tmp, path);
    }
  } finally {
    if (!placed) await unlink(tmp).catch(() => undefined);
  }
  await syncFolder(dir);
}

async function syncFolder(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, constants.O_RDONLY);
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a folder; the file itself is synced.
  } finally {
    await fh?.close();
  }
}
