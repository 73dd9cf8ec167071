import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** How {@link writeFileAtomically} writes. */
export interface WriteFileAtomicallyOptions {
  /** fsync the file before it is renamed into place, and the folder after. Default true. */
  readonly fsync?: boolean;
  /** Mode of a new file (before the umask). Default 0o600: held spans may hold content. */
  readonly mode?: number;
}

/**
 * The temporary name {@link writeFileAtomically} writes `name` under first: a dot-file, so that
 * readers listing the folder pass over it, recognizable by {@link isTemporaryFileName} so that a
 * crash's leftovers can be removed.
 */
function temporaryName(name: string): string {
  return `.${name}.tmp-${randomBytes(6).toString('hex')}`;
}

/**
 * Whether a file name is a temporary file of {@link writeFileAtomically} (one a crash mid-write
 * may leave behind; never a whole file).
 *
 * @example
 * for (const name of await readdir(dir)) if (isTemporaryFileName(name)) await unlink(join(dir, name));
 */
export function isTemporaryFileName(name: string): boolean {
  return /^\..+\.tmp-[0-9a-f]+$/.test(name);
}

/**
 * Replaces `dir/name` with `text` so that a reader, or a crash, sees the old file or the new one
 * whole, never part of one: a temporary file beside it (O_EXCL | O_NOFOLLOW, so never through a
 * planted symlink), fsynced, renamed over the name, then the folder fsynced (with `fsync`). The
 * folder must exist. What the open-run holders keep of a run's segments is written with it.
 *
 * @example
 * await writeFileAtomically(runDir, segmentFileName(segment), encodeSegmentFile(file));
 */
export async function writeFileAtomically(
  dir: string,
  name: string,
  text: string,
  options: WriteFileAtomicallyOptions = {},
): Promise<void> {
  const fsync = options.fsync ?? true;
  const tmp = join(dir, temporaryName(name));
  const fh = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    options.mode ?? 0o600,
  );
  try {
    try {
      await fh.writeFile(text, 'utf8');
      if (fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (fsync) {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
