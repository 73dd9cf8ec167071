import { diag } from '@opentelemetry/api';
import type { GateResolution, WorkbenchScope } from '@llm-workbench/instrumentation';
import { interruptionGateId } from './interruption-gate-id.js';
import type {
  ApprovalDecision,
  ApprovalStateLike,
  ApproveOptions,
  RejectOptions,
} from './types.js';

const logger = diag.createComponentLogger({ namespace: '@llm-workbench/gates-openai-agents' });

/**
 * Approves an interruption on the run state (the SDK's `state.approve(item)`) and records the
 * gate's resolution, `approved`, with the actor, reason and time given. The SDK is called first,
 * and an error it throws reaches you unrecorded (no decision took effect); recording never
 * throws.
 *
 * @example
 * approveToolCall(step, state, item, { actor: 'ops@example.com', reason: 'Amount checked.' });
 * const resumed = await run(agent, state);
 */
export function approveToolCall<Item extends { readonly rawItem: unknown }>(
  scope: WorkbenchScope,
  state: ApprovalStateLike<Item>,
  item: Item,
  options: ApproveOptions,
): void {
  state.approve(item, options.alwaysApprove === true ? { alwaysApprove: true } : undefined);
  record(scope, item, 'approved', options);
}

/**
 * Rejects an interruption on the run state (the SDK's `state.reject(item)`, with its `message`
 * and `alwaysReject` if given) and records the gate's resolution, `rejected` (or `timed_out`
 * when the app says so), with the actor, reason and time given. The SDK is called first, and an
 * error it throws reaches you unrecorded; recording never throws.
 *
 * @example
 * rejectToolCall(step, state, item, { actor: 'ops@example.com', reason: 'Too large.' });
 */
export function rejectToolCall<Item extends { readonly rawItem: unknown }>(
  scope: WorkbenchScope,
  state: ApprovalStateLike<Item>,
  item: Item,
  options: RejectOptions,
): void {
  const sdk: { alwaysReject?: boolean; message?: string } = {};
  if (options.alwaysReject === true) sdk.alwaysReject = true;
  if (options.message !== undefined) sdk.message = options.message;
  state.reject(item, Object.keys(sdk).length > 0 ? sdk : undefined);
  record(scope, item, options.timedOut === true ? 'timed_out' : 'rejected', options);
}

function record(
  scope: WorkbenchScope,
  item: { readonly rawItem: unknown },
  decision: GateResolution['decision'],
  options: ApprovalDecision,
): void {
  try {
    const gateId = interruptionGateId(item);
    if (gateId === undefined) {
      logger.warn('a decision on an interruption without a call id was not recorded');
      return;
    }
    scope.resolveGate({
      gateId,
      decision,
      actor: options.actor,
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      ...(options.time !== undefined ? { time: options.time } : {}),
    });
  } catch (err) {
    logger.error('recording a tool approval decision failed', err);
  }
}
