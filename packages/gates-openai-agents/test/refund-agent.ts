// The refund agent the adapter's tests run: a scripted model, the tool that needs approval, and
// what its gate looks like in a bundle.
import { createHash } from 'node:crypto';
import { tool, Usage, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';
import { z } from 'zod';
import type { GateRequestedEvent, GateResolvedEvent, RunBundle } from '@llm-workbench/bundle';

/** The arguments text the scripted model calls `refund` with. */
export const ARGS = '{"orderId":"A-17","amount":120}';

/**
 * The Agents SDK's Model interface, scripted: first a call of `refund`, then, once the tool's
 * output (or its rejection) is in the input, a closing message saying which it saw. Stateless
 * between requests, so a run restored from `RunState.fromString` in another process continues.
 */
export class ScriptedModel implements Model {
  readonly requests: ModelRequest[] = [];
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const input = Array.isArray(request.input) ? request.input : [];
    const output = input.find((i) => (i as { type?: string }).type === 'function_call_result');
    if (output === undefined) {
      return {
        usage: new Usage(),
        output: [
          {
            type: 'function_call',
            callId: 'call_refund_1',
            name: 'refund',
            arguments: ARGS,
            status: 'completed',
          },
        ],
      };
    }
    return {
      usage: new Usage(),
      output: [
        {
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: `saw ${JSON.stringify(output)}` }],
        },
      ],
    };
  }
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('not scripted');
  }
}

/** The `refund` tool, which needs approval; `onRefund` sees each refund made. */
export function refundTool(onRefund: (input: unknown) => void = () => undefined) {
  return tool({
    name: 'refund',
    description: 'Refunds an order',
    parameters: z.object({ orderId: z.string(), amount: z.number() }),
    needsApproval: true,
    execute: async (input) => {
      onRefund(input);
      return 'refunded';
    },
  });
}

/** The gate id of the scripted call, and the subject the bundle gives it. */
export const REFUND_GATE_ID = 'tool-approval:call_refund_1';
export const REFUND_SUBJECT_TOOL = {
  name: 'refund',
  callId: 'call_refund_1',
  argumentsSha256: createHash('sha256').update(ARGS).digest('hex'),
};

/** A bundle's gate requests and resolutions. */
export function gatesOf(bundle: RunBundle): {
  requested: GateRequestedEvent[];
  resolved: GateResolvedEvent[];
} {
  return {
    requested: bundle.events.filter(
      (e): e is GateRequestedEvent => e.type === 'human_gate_requested',
    ),
    resolved: bundle.events.filter((e): e is GateResolvedEvent => e.type === 'human_gate_resolved'),
  };
}
