import { Usage, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';

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
