import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { INLINE_LIMIT_BYTES } from '@llm-workbench/semconv';

/** The limits an {@link ArtifactStore} keeps to. */
export interface ArtifactStoreLimits {
  /** Largest text, in UTF-8 bytes, kept to diff the next version against. */
  readonly diffMaxBytes: number;
  /** Cap on the bytes of text kept across all keys; least recently recorded dropped first. */
  readonly cacheMaxBytes: number;
}

/** One artifact version as the store saw it. */
export interface StoredVersion {
  readonly version: number;
  readonly parentVersion: number | null;
  /** Unified diff from the parent, when both are text, the parent was cached and it fits inline. */
  readonly patch: string | undefined;
}

interface CachedText {
  readonly version: number;
  readonly text: string;
  readonly bytes: number;
}

/**
 * A patch of at most INLINE_LIMIT_BYTES has fewer edits than this (each added or removed line
 * takes at least 2 bytes), so the diff gives up early rather than compute a patch that would be
 * dropped. That also bounds its time at O((N + M) · D).
 */
const MAX_EDIT_LENGTH = Math.floor(INLINE_LIMIT_BYTES / 2);

/**
 * Per-run artifact state: the next version of each key, and the latest text of each key (within
 * limits) to diff the next version against. Keys live in Maps, so `__proto__` is a key like any
 * other. `release()` frees everything when the run ends.
 *
 * @example
 * const store = new ArtifactStore({ diffMaxBytes: 65536, cacheMaxBytes: 4194304 });
 * store.add('draft.md', '# v1\n', 5, undefined, true); // { version: 1, parentVersion: null, patch: undefined }
 */
export class ArtifactStore {
  private readonly _versions = new Map<string, number>();
  /** Insertion order is recency order: the first entry is evicted first. */
  private readonly _texts = new Map<string, CachedText>();
  private _cachedBytes = 0;

  constructor(private readonly _limits: ArtifactStoreLimits) {}

  /**
   * Gives the next version of `key` and, for text, a patch from its parent.
   * @param text the content as text, or undefined when it is not text
   * @param bytes its size in bytes
   * @param parentVersion the caller's choice of parent; `undefined` for the previous version
   * @param keepText whether to keep the text for the next diff (false when nothing is recorded)
   */
  add(
    key: string,
    text: string | undefined,
    bytes: number,
    parentVersion: number | null | undefined,
    keepText: boolean,
  ): StoredVersion {
    const previous = this._versions.get(key) ?? 0;
    const version = previous + 1;
    this._versions.set(key, version);
    const parent = parentVersion === undefined ? (previous > 0 ? previous : null) : parentVersion;

    const cached = this._texts.get(key);
    let patch: string | undefined;
    const diffable = text !== undefined && bytes <= this._limits.diffMaxBytes;
    if (diffable && parent !== null && cached?.version === parent) {
      patch = diffText(key, cached.text, text, parent, version);
    }

    this._forget(key);
    if (keepText && diffable) {
      this._texts.set(key, { version, text, bytes });
      this._cachedBytes += bytes;
      for (const [oldKey] of this._texts) {
        if (this._cachedBytes <= this._limits.cacheMaxBytes) break;
        this._forget(oldKey);
      }
    }
    return { version, parentVersion: parent, patch };
  }

  /**
   * The last version of each key, in first-recorded order: what a resume token carries, so that
   * versions continue in the next segment.
   */
  versions(): Array<[key: string, version: number]> {
    return [...this._versions];
  }

  /**
   * Continues from versions recorded in an earlier segment (no texts: the first version recorded
   * after a resume has no patch).
   */
  seed(versions: Iterable<readonly [key: string, version: number]>): void {
    for (const [key, version] of versions) this._versions.set(key, version);
  }

  /** Frees all per-run state. */
  release(): void {
    this._versions.clear();
    this._texts.clear();
    this._cachedBytes = 0;
  }

  private _forget(key: string): void {
    const cached = this._texts.get(key);
    if (cached === undefined) return;
    this._texts.delete(key);
    this._cachedBytes -= cached.bytes;
  }
}

function diffText(
  key: string,
  before: string,
  after: string,
  beforeVersion: number,
  afterVersion: number,
): string | undefined {
  const name = patchFileName(key);
  const patch = createTwoFilesPatch(
    name,
    name,
    before,
    after,
    `v${beforeVersion}`,
    `v${afterVersion}`,
    { context: 3, maxEditLength: MAX_EDIT_LENGTH, headerOptions: FILE_HEADERS_ONLY },
  );
  if (patch === undefined || Buffer.byteLength(patch, 'utf8') > INLINE_LIMIT_BYTES)
    return undefined;
  return patch;
}

/** Keys with control characters are quoted, as git does, so the patch stays line-oriented. */
function patchFileName(key: string): string {
  return /[\u0000-\u001f\u007f]/.test(key) ? JSON.stringify(key) : key;
}
