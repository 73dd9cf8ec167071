import type { RedactionKind } from './types.js';

/**
 * One inline content member of a bundle (version 3): where it is, what kind, the object that
 * holds it and the name of its commitment beside it.
 */
export interface ContentMember {
  /** JSON pointer of the content member, e.g. `/model_io/0/input/content`. */
  path: string;
  kind: RedactionKind;
  /** The object holding the member: a receipt's `input`, a tool call's `result`, an artifact. */
  holder: Record<string, unknown>;
  /** The content member's name in `holder`. */
  key: 'content' | 'patch';
  /** The commitment's name in `holder`. */
  commitment: 'sha256' | 'patchSha256';
}

/**
 * The six kinds of inline content a bundle can hold, as `redactions` and `--keep` name them.
 *
 * @example
 * redactBundle(bundle, { keep: REDACTION_KINDS.filter((k) => k.startsWith('artifact_')) });
 */
export const REDACTION_KINDS = [
  'model_input',
  'model_output',
  'tool_arguments',
  'tool_result',
  'artifact_content',
  'artifact_patch',
] as const satisfies readonly RedactionKind[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The inline content members of a bundle, as the version 3 integrity view and redaction know
 * them: `input.content` and `output.content` of each receipt in `model_io`, `arguments.content`
 * and `result.content` of each `tool_call` event, `content` and `patch` of each artifact. Total
 * over any JSON value: a holder that is not an object is skipped, so that verification can walk a
 * bundle before its schema is checked.
 *
 * @example
 * for (const m of contentMembers(bundle)) if (m.holder[m.key] !== null) count++;
 */
export function contentMembers(bundle: unknown): ContentMember[] {
  const out: ContentMember[] = [];
  if (!isObject(bundle)) return out;
  const { artifacts, events, model_io: receipts } = bundle;
  if (Array.isArray(artifacts)) {
    artifacts.forEach((a: unknown, i) => {
      if (!isObject(a)) return;
      const at = `/artifacts/${i}`;
      out.push({
        path: `${at}/content`,
        kind: 'artifact_content',
        holder: a,
        key: 'content',
        commitment: 'sha256',
      });
      out.push({
        path: `${at}/patch`,
        kind: 'artifact_patch',
        holder: a,
        key: 'patch',
        commitment: 'patchSha256',
      });
    });
  }
  if (Array.isArray(events)) {
    events.forEach((e: unknown, i) => {
      if (!isObject(e) || e.type !== 'tool_call') return;
      refs(out, e, `/events/${i}`, 'arguments', 'tool_arguments');
      refs(out, e, `/events/${i}`, 'result', 'tool_result');
    });
  }
  if (Array.isArray(receipts)) {
    receipts.forEach((r: unknown, i) => {
      if (!isObject(r)) return;
      refs(out, r, `/model_io/${i}`, 'input', 'model_input');
      refs(out, r, `/model_io/${i}`, 'output', 'model_output');
    });
  }
  return out;
}

function refs(
  out: ContentMember[],
  parent: Record<string, unknown>,
  at: string,
  name: string,
  kind: RedactionKind,
): void {
  const ref = parent[name];
  if (!isObject(ref)) return;
  out.push({
    path: `${at}/${name}/content`,
    kind,
    holder: ref,
    key: 'content',
    commitment: 'sha256',
  });
}
