/**
 * The workbench gate id of an Agents SDK interruption: `tool-approval:` and the tool call's id
 * (`rawItem.callId`, or `rawItem.id` for hosted tools), which survives `RunState` serialization,
 * so a decision taken on a restored state resolves the gate its request opened. `undefined` for
 * an item with neither.
 *
 * @example
 * interruptionGateId(result.interruptions[0]); // 'tool-approval:call_1'
 */
export function interruptionGateId(item: { readonly rawItem: unknown }): string | undefined {
  const id = callIdOf(item);
  return id === undefined ? undefined : `tool-approval:${id}`;
}

/** The tool call's id: `callId`, or `id` for hosted tools. */
export function callIdOf(item: { readonly rawItem: unknown }): string | undefined {
  const raw = item.rawItem;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as { callId?: unknown; id?: unknown };
  if (typeof r.callId === 'string' && r.callId !== '') return r.callId;
  if (typeof r.id === 'string' && r.id !== '') return r.id;
  return undefined;
}
