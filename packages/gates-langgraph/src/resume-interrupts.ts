import { Command } from '@langchain/langgraph';
import { diag } from '@opentelemetry/api';
import type { WorkbenchScope } from '@llm-workbench/instrumentation';
import { interruptGateId } from './interrupt-gate-id.js';
import type { InterruptAnswer } from './types.js';

const logger = diag.createComponentLogger({ namespace: '@llm-workbench/gates-langgraph' });

/**
 * Records each answer as the resolution of its interrupt's gate (with the decision, actor, reason
 * and time the app gives) and returns the `Command({ resume })` to invoke the graph with: the
 * value itself for one answer, a map from interrupt id to value for several. The command is
 * returned even if recording fails (reported through diag). It carries only `resume` (typed with
 * no update and no goto, so that it fits any graph's `invoke`).
 *
 * @example
 * const command = resumeInterrupts(step, [{ interrupt, resume: { approved: true }, decision: 'approved', actor: 'ops@example.com' }]);
 * await graph.invoke(command, config);
 */
export function resumeInterrupts(
  scope: WorkbenchScope,
  answers: readonly InterruptAnswer[],
): Command<unknown, never, never> {
  for (const answer of answers) {
    try {
      const gateId = interruptGateId(answer.interrupt);
      if (gateId === undefined) {
        logger.warn('an answer to an interrupt without an id was not recorded');
        continue;
      }
      scope.resolveGate({
        gateId,
        decision: answer.decision,
        actor: answer.actor,
        ...(answer.reason !== undefined ? { reason: answer.reason } : {}),
        ...(answer.time !== undefined ? { time: answer.time } : {}),
      });
    } catch (err) {
      logger.error('recording an interrupt answer failed', err);
    }
  }
  if (answers.length === 1) return new Command({ resume: answers[0]!.resume });
  const map: Record<string, unknown> = {};
  for (const a of answers) {
    const id = typeof a.interrupt === 'string' ? a.interrupt : a.interrupt.id;
    if (typeof id === 'string') map[id] = a.resume;
  }
  return new Command({ resume: map });
}
