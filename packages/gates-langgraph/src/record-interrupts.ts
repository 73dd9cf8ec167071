import { diag } from '@opentelemetry/api';
import {
  requestGates,
  type GateSubject,
  type PausedGate,
  type WorkbenchScope,
} from '@llm-workbench/instrumentation';
import { interruptGateId } from './interrupt-gate-id.js';
import type { InterruptLike, RecordInterruptsOptions } from './types.js';

const logger = diag.createComponentLogger({ namespace: '@llm-workbench/gates-langgraph' });

/**
 * Records a pending workbench gate for each interrupt a LangGraph graph paused on: an interrupt
 * is a gate waiting for a decision, never an error. Takes what `invoke` returned (its
 * `__interrupt__`), a `StateSnapshot` from `getState` (its tasks' `interrupts`), or a list of
 * interrupts. The gate id is {@link interruptGateId}. Returns the gate ids recorded; never
 * throws (odd input is skipped and reported through diag).
 *
 * @example
 * const result = await graph.invoke(input, config);
 * recordInterrupts(step, result);
 */
export function recordInterrupts(
  scope: WorkbenchScope,
  from: unknown,
  options: RecordInterruptsOptions = {},
): string[] {
  return requestGates(scope, interruptGates(from, options), options, logger, 'recordInterrupts');
}

function* interruptGates(from: unknown, options: RecordInterruptsOptions): Generator<PausedGate> {
  for (const interrupt of interruptsOf(from)) {
    const gateId = interruptGateId(interrupt);
    if (gateId === undefined) {
      logger.warn('an interrupt without an id was not recorded');
      continue;
    }
    const subject = (options.subject ?? toolCallSubject)(interrupt.value);
    yield { gateId, ...(subject !== undefined ? { subject } : {}) };
  }
}

function interruptsOf(from: unknown): InterruptLike[] {
  if (Array.isArray(from)) return from.filter(isInterrupt);
  if (typeof from !== 'object' || from === null) return [];
  const values = (from as { __interrupt__?: unknown }).__interrupt__;
  if (Array.isArray(values)) return values.filter(isInterrupt);
  const tasks = (from as { tasks?: unknown }).tasks;
  if (Array.isArray(tasks))
    return tasks.flatMap((t: unknown) => {
      const list =
        typeof t === 'object' && t !== null ? (t as { interrupts?: unknown }).interrupts : [];
      return Array.isArray(list) ? list.filter(isInterrupt) : [];
    });
  return [];
}

function isInterrupt(x: unknown): x is InterruptLike {
  return typeof x === 'object' && x !== null;
}

/** A LangChain tool call (`{ name, args, id? }`) as a tool subject; anything else, none. */
function toolCallSubject(value: unknown): GateSubject | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { name?: unknown; args?: unknown; id?: unknown };
  if (typeof v.name !== 'string' || v.name === '' || v.args === undefined) return undefined;
  let args: string | undefined;
  try {
    args = typeof v.args === 'string' ? v.args : JSON.stringify(v.args);
  } catch {
    args = undefined;
  }
  return {
    tool: {
      name: v.name,
      ...(typeof v.id === 'string' && v.id !== '' ? { callId: v.id } : {}),
      ...(args !== undefined ? { arguments: args } : {}),
    },
  };
}
