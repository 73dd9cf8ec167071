/**
 * The workbench gate id of a LangGraph interrupt: `interrupt:` and the interrupt's id, which
 * LangGraph keeps in its checkpoint, so a resume in a later call (or, once runs span traces,
 * another process) resolves the gate its interrupt opened. `undefined` for an interrupt with no id.
 *
 * @example
 * interruptGateId(result.__interrupt__[0]); // 'interrupt:5b1d…'
 */
export function interruptGateId(
  interrupt: { readonly id?: string | undefined } | string,
): string | undefined {
  const id = typeof interrupt === 'string' ? interrupt : interrupt.id;
  return typeof id === 'string' && id !== '' ? `interrupt:${id}` : undefined;
}
