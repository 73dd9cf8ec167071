import type { DiagLogger } from '@opentelemetry/api';
import type { WorkbenchScope } from './workbench-scope.js';
import type { EventTime, GateSubject } from './types.js';

/**
 * A gate a framework paused on, as an adapter reads it from the framework's result: its id and
 * what it decides on.
 *
 * @example
 * const gate: PausedGate = { gateId: 'ai-sdk:ap_1', subject: { tool: { name: 'send_email', callId: 'call_1' } } };
 */
export interface PausedGate {
  gateId: string;
  subject?: GateSubject;
}

/**
 * Requests a pending gate on `scope` (a run or a step) for each gate `gates` yields, with the
 * options' policy and time: what the framework adapters (`@llm-workbench/gates-*`) do with the
 * approvals a run paused on. Returns the ids requested. Never throws: an error while reading
 * `gates` (a generator over a framework's objects, whose getters may throw) is reported through
 * `logger` (`<caller> failed; no gate recorded for the rest`) and the ids requested until then
 * are returned.
 *
 * @example
 * return requestGates(step, approvalsOf(result), options, logger, 'recordToolApprovalRequests');
 */
export function requestGates(
  scope: WorkbenchScope,
  gates: Iterable<PausedGate>,
  options: { readonly policy?: string | undefined; readonly time?: EventTime | undefined },
  logger: DiagLogger,
  caller: string,
): string[] {
  const ids: string[] = [];
  try {
    for (const { gateId, subject } of gates) {
      scope.requestGate({
        gateId,
        ...(options.policy !== undefined ? { policy: options.policy } : {}),
        ...(subject !== undefined ? { subject } : {}),
        ...(options.time !== undefined ? { time: options.time } : {}),
      });
      ids.push(gateId);
    }
  } catch (err) {
    logger.error(`${caller} failed; no gate recorded for the rest`, err);
  }
  return ids;
}
