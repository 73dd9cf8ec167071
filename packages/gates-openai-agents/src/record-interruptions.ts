import { diag } from '@opentelemetry/api';
import { requestGates, type PausedGate, type WorkbenchScope } from '@llm-workbench/instrumentation';
import { callIdOf, interruptionGateId } from './interruption-gate-id.js';
import type { ApprovalItemLike, InterruptionOptions } from './types.js';

const logger = diag.createComponentLogger({ namespace: '@llm-workbench/gates-openai-agents' });

/**
 * Records a pending workbench gate for each tool approval an Agents SDK run paused on
 * (`result.interruptions`, `state.getInterruptions()`, or a list of `RunToolApprovalItem`s), on
 * `scope` (a run or a step). The gate id is {@link interruptionGateId}; the subject is the tool
 * call: its name, its call id and the sha256 of its `arguments` text (the text itself only with
 * content capture on). Returns the gate ids recorded. Never throws: odd items are skipped and
 * reported through diag.
 *
 * @example
 * const result = await run(agent, input);
 * recordInterruptions(step, result);
 */
export function recordInterruptions(
  scope: WorkbenchScope,
  from: { readonly interruptions: readonly unknown[] } | readonly unknown[],
  options: InterruptionOptions = {},
): string[] {
  return requestGates(scope, interruptionGates(from), options, logger, 'recordInterruptions');
}

function* interruptionGates(
  from: { readonly interruptions: readonly unknown[] } | readonly unknown[],
): Generator<PausedGate> {
  const items: unknown = Array.isArray(from)
    ? from
    : (from as { readonly interruptions: unknown }).interruptions;
  if (!Array.isArray(items)) return;
  for (const candidate of items as unknown[]) {
    if (!isApprovalItem(candidate)) continue;
    const gateId = interruptionGateId(candidate);
    const callId = callIdOf(candidate);
    const name = candidate.name ?? candidate.toolName;
    if (gateId === undefined || callId === undefined || typeof name !== 'string') {
      logger.warn('an interruption without a call id or a tool name was not recorded');
      continue;
    }
    const args = candidate.arguments;
    yield {
      gateId,
      subject: { tool: { name, callId, ...(typeof args === 'string' ? { arguments: args } : {}) } },
    };
  }
}

function isApprovalItem(item: unknown): item is ApprovalItemLike {
  return (
    typeof item === 'object' &&
    item !== null &&
    (item as { type?: unknown }).type === 'tool_approval_item'
  );
}
