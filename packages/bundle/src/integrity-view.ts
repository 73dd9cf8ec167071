import { contentMembers, type ContentMember } from './content-members.js';

/**
 * What stands for a content member in the view: null, or (when sealing) a placeholder the
 * caller splices the content back into. Given the member and its value (undefined when absent).
 */
export type ContentStandIn = (member: ContentMember, value: unknown) => unknown;

/** What a {@link ContentStandIn} returns to leave a member as it is. */
export const UNCHANGED: unique symbol = Symbol('unchanged');

const toNull: ContentStandIn = () => null;

/**
 * The integrity view of a version 3 bundle, the value whose RFC 8785 form `integrity.sha256`
 * hashes: the bundle without its top-level `integrity` and `redactions` members, and with every
 * inline content member (see `contentMembers`) set to null. Everything else, commitments and
 * `omitted` reasons included, stays. Copies only the objects on the way to a content that is not
 * already null; never changes `bundle`.
 *
 * @example
 * const sha256 = createHash('sha256').update(canonicalize(integrityView(bundle))).digest('hex');
 */
export function integrityView(
  bundle: object,
  standIn: ContentStandIn = toNull,
): Record<string, unknown> {
  // Rest spread defines data properties: a `__proto__` member stays a member.
  const {
    integrity: _integrity,
    redactions: _redactions,
    ...rest
  } = bundle as Record<string, unknown>;
  return replaceContents(rest, standIn);
}

/**
 * `record` with each content member that is not already null replaced by what `standIn` gives,
 * copying only the objects on the way (arrays, receipts, tool calls, refs, artifacts).
 */
export function replaceContents(
  rest: Record<string, unknown>,
  standIn: ContentStandIn,
): Record<string, unknown> {
  const copies = new Map<Record<string, unknown>, Record<string, unknown>>();
  for (const m of contentMembers(rest)) {
    const { holder, key } = m;
    if (Object.hasOwn(holder, key) && holder[key] === null) continue;
    const replacement = standIn(m, Object.hasOwn(holder, key) ? holder[key] : undefined);
    if (replacement === UNCHANGED) continue;
    let copy = copies.get(holder);
    if (copy === undefined) {
      copy = { ...holder };
      copies.set(holder, copy);
    }
    copy[key] = replacement;
  }
  if (copies.size === 0) return rest;
  const swap = (value: unknown): unknown => copies.get(value as Record<string, unknown>) ?? value;
  const view: Record<string, unknown> = { ...rest };
  if (Array.isArray(rest.artifacts)) view.artifacts = rest.artifacts.map(swap);
  if (Array.isArray(rest.events)) {
    view.events = rest.events.map((e: unknown) =>
      (e as { type?: unknown } | null)?.type === 'tool_call'
        ? replaceRefs(e, ['arguments', 'result'], swap)
        : e,
    );
  }
  if (Array.isArray(rest.model_io)) {
    view.model_io = rest.model_io.map((r: unknown) => replaceRefs(r, ['input', 'output'], swap));
  }
  return view;
}

function replaceRefs(
  parent: unknown,
  names: readonly string[],
  swap: (value: unknown) => unknown,
): unknown {
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return parent;
  const record = parent as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const name of names) {
    const ref = record[name];
    const swapped = swap(ref);
    if (swapped !== ref) {
      copy ??= { ...record };
      copy[name] = swapped;
    }
  }
  return copy ?? parent;
}
