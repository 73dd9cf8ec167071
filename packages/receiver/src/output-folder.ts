import { constants } from 'node:fs';
import { access, mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';

/** What a check of the output folder found. */
export type OutputFolderState =
  | {
      readonly ok: true;
      /**
       * `removed`: it was gone and has been created again; `replaced`: another folder is at its
       * path now. Either way, a sink holding the old folder open must be made again.
       */
      readonly change: 'none' | 'removed' | 'replaced';
    }
  | { readonly ok: false; readonly problem: string };

/** Thrown by {@link OutputFolder.open} for a folder bundles cannot be written to. */
export class OutputFolderError extends Error {
  override readonly name = 'OutputFolderError';
}

/**
 * The receiver's output folder, watched: checked at start (refused if it is not a folder, cannot
 * be created or is not writable), then before each batch of folds, so that a folder removed while
 * serving is created again (with a new ledger), one replaced by another is noticed, and a path
 * that cannot hold bundles is reported (by `/healthz`) instead of failing every write unseen.
 *
 * @example
 * const out = await OutputFolder.open('./bundles');
 * const state = await out.check();
 * if (!state.ok) log(state.problem);
 */
export class OutputFolder {
  private held: Held;
  private running: Promise<OutputFolderState> | undefined;
  private last: OutputFolderState = { ok: true, change: 'none' };
  private closed = false;

  private constructor(
    readonly path: string,
    held: Held,
  ) {
    this.held = held;
  }

  /** Creates the folder if needed and checks that bundles can be written there. */
  static async open(path: string): Promise<OutputFolder> {
    const dir = resolve(path);
    const found = await inspect(dir, true);
    if ('problem' in found) throw new OutputFolderError(found.problem);
    return new OutputFolder(dir, found);
  }

  /** The problem the last check found, or null. */
  get problem(): string | null {
    return this.last.ok ? null : this.last.problem;
  }

  /**
   * Checks the folder again: creates it if it was removed, notices if another folder took its
   * place, and says what is wrong otherwise. Checks running at once share one.
   */
  check(): Promise<OutputFolderState> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Lets go of the folder it holds open. Runs once; later checks are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.running?.catch(() => undefined);
    await this.held.handle.close();
  }

  private async run(): Promise<OutputFolderState> {
    if (this.closed) return { ok: false, problem: `output folder ${this.path}: closed` };
    const gone = await stat(this.path).then(
      () => false,
      (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
    );
    const found = await inspect(this.path, gone);
    if ('problem' in found) {
      this.last = { ok: false, problem: found.problem };
      return this.last;
    }
    const same = found.dev === this.held.dev && found.ino === this.held.ino;
    const old = this.held;
    this.held = found;
    await old.handle.close();
    this.last = { ok: true, change: gone ? 'removed' : same ? 'none' : 'replaced' };
    return this.last;
  }
}

/**
 * The folder held open, and its identity. Holding it open is what makes the identity mean
 * something: a removed folder's inode cannot be given to a new folder while it is held (ext4 hands
 * a freed inode number straight to the next mkdir, and birth times tick in 4 ms).
 */
interface Held {
  readonly handle: FileHandle;
  readonly dev: number;
  readonly ino: number;
}

/** Whether bundles can be written to `dir` (created first when `create`): the folder held, or why not. */
async function inspect(dir: string, create: boolean): Promise<Held | { problem: string }> {
  if (create) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'EEXIST')
        return { problem: `output folder ${dir}: cannot create it (${e.code ?? e.message})` };
    }
  }
  let handle: FileHandle;
  let st;
  try {
    // O_DIRECTORY: a FIFO or device at the path is refused at once instead of opened.
    handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOTDIR')
      return { problem: `output folder ${dir} is not a folder (a file of that name is there)` };
    return { problem: `output folder ${dir}: cannot read it (${e.code ?? e.message})` };
  }
  try {
    st = await handle.stat();
  } catch (err) {
    await handle.close();
    const e = err as NodeJS.ErrnoException;
    return { problem: `output folder ${dir}: cannot read it (${e.code ?? e.message})` };
  }
  if (!st.isDirectory()) {
    await handle.close();
    return { problem: `output folder ${dir} is not a folder (a file of that name is there)` };
  }
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch {
    await handle.close();
    return { problem: `output folder ${dir} is not writable by this process` };
  }
  return { handle, dev: st.dev, ino: st.ino };
}
