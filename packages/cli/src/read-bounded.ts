import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** A file read by {@link readBounded}: its text, absent, or why it was not read. */
export type BoundedRead = { text: string } | { missing: true } | { refused: string };

/**
 * Reads a regular file of at most `max` bytes, never through a symlink (O_NOFOLLOW on the last
 * component) unless `follow`: what a folder holds is checked as it is, not what a link points to.
 * Never blocks on a FIFO planted under a file's name.
 *
 * @example
 * const r = await readBounded('bundles/ledger.jsonl', 64 << 20);
 * if ('text' in r) readLedger(r.text);
 */
export async function readBounded(
  path: string,
  max: number,
  options: { follow?: boolean } = {},
): Promise<BoundedRead> {
  let fh;
  try {
    const flags =
      constants.O_RDONLY | constants.O_NONBLOCK | (options.follow ? 0 : constants.O_NOFOLLOW);
    fh = await open(path, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    if (code === 'ELOOP') return { refused: 'is a symbolic link: not followed' };
    return { refused: `cannot be read: ${code ?? (err as Error).message}` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { refused: 'is not a regular file' };
    if (st.size > max) return { refused: `is larger than ${max} bytes: not read` };
    // One byte more than its size: a file growing while read is refused, not read without bound.
    const buf = Buffer.alloc(st.size + 1);
    let length = 0;
    while (length < buf.length) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > st.size) return { refused: 'changed while it was read' };
    return { text: buf.subarray(0, length).toString('utf8') };
  } catch (err) {
    return { refused: `cannot be read: ${(err as Error).message}` };
  } finally {
    await fh.close();
  }
}
