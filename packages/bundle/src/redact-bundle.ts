import { contentMembers } from './content-members.js';
import { replaceContents, UNCHANGED } from './integrity-view.js';
import type { Redaction, RedactionKind, RunBundle } from './types.js';

/**
 * Why `redactBundle` refused: the bundle's version hashes content (`hashes_content`), or a
 * content has no commitment (`no_commitment`).
 *
 * @example
 * try { redactBundle(old); } catch (e) { if (e instanceof RedactionError) console.error(e.code); }
 */
export class RedactionError extends Error {
  override readonly name = 'RedactionError';

  constructor(
    readonly code: 'hashes_content' | 'no_commitment',
    message: string,
  ) {
    super(message);
  }
}

/** Options of {@link redactBundle}. */
export interface RedactOptions {
  /** Kinds of content to keep; every other kind is removed. Default: none kept. */
  keep?: readonly RedactionKind[];
}

/**
 * Removes inline content from a version 3 bundle: every content member of a kind not kept is set
 * to null and listed in `redactions` (merged with earlier redactions, sorted by path). The
 * commitments stay, and `integrity` is unchanged: the integrity view leaves content out, so the
 * redacted bundle verifies with the same `integrity.sha256`, and signatures over it still hold.
 * Never changes `bundle`. Throws a {@link RedactionError} for a version 1 or 2 bundle (their hash
 * covers content) and for a content without a commitment (nothing would vouch for it).
 *
 * @example
 * const shared = redactBundle(bundle, { keep: ['artifact_content'] });
 * await writeFile('shared.json', serializeBundle(shared));
 */
export function redactBundle(bundle: RunBundle, options: RedactOptions = {}): RunBundle {
  const version = (bundle as { schemaVersion: unknown }).schemaVersion;
  if (version !== 3) {
    throw new RedactionError(
      'hashes_content',
      `a bundle of schema version ${String(version)} cannot be redacted: its integrity covers content, so removing any would break it`,
    );
  }
  const keep = new Set<RedactionKind>(options.keep ?? []);
  for (const m of contentMembers(bundle)) {
    const value = m.holder[m.key];
    if (
      !keep.has(m.kind) &&
      value !== null &&
      value !== undefined &&
      m.holder[m.commitment] == null
    ) {
      throw new RedactionError(
        'no_commitment',
        `${m.path} holds content without a commitment (${m.commitment} is null): redacting it would leave nothing to verify`,
      );
    }
  }
  const added: Redaction[] = [];
  const record = replaceContents(bundle as unknown as Record<string, unknown>, (m, value) => {
    if (keep.has(m.kind) || value === undefined) return UNCHANGED;
    added.push({ path: m.path, kind: m.kind });
    return null;
  }) as unknown as RunBundle;
  const byPath = new Map<string, Redaction>();
  for (const r of [...(bundle.redactions ?? []), ...added]) byPath.set(r.path, r);
  const redactions = [...byPath.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  const { redactions: _earlier, ...rest } = record;
  return redactions.length > 0 ? { ...rest, redactions } : rest;
}
