/**
 * A fake model provider on loopback for the client matrix: the OpenAI Chat Completions,
 * Embeddings and Responses APIs and the Anthropic Messages API, enough of each for the real
 * client packages to parse what it sends. Answers are deterministic: the same request always
 * gets the same body, whose usage numbers are the constants below, so a test can say exactly
 * which facts a span should have carried.
 *
 * - The response `model` differs from the requested one (`gpt-4o-mini` →
 *   `gpt-4o-mini-2024-07-18`), so that the request and response models can be told apart.
 * - A request with tools and no tool result yet gets a tool call back; once a tool result is in
 *   the conversation, a text answer: a tool loop makes exactly two calls.
 * - The model `fail-model` gets HTTP 400 with the provider's error body.
 * - Bodies above `MAX_BODY_BYTES` get 413.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The model name that makes every endpoint answer HTTP 400. */
export const FAIL_MODEL = 'fail-model';
/** Largest request body read; a larger one gets 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The text of every answer that is not a tool call. */
export const ANSWER_TEXT = 'Paris is the capital of France.';
/** The tool the fake models call when a request offers tools. */
export const TOOL_ARGUMENTS = { city: 'Paris' };
export const EMBEDDING_DIMENSIONS = 4;

/** OpenAI Chat Completions usage of a text answer, and of a tool-call answer. */
export const CHAT_USAGE = {
  prompt: 42,
  completion: 9,
  cached: 16,
  reasoning: 3,
  audioIn: 5,
  audioOut: 2,
};
export const CHAT_TOOL_CALL_USAGE = {
  prompt: 30,
  completion: 12,
  cached: 8,
  reasoning: 2,
  audioIn: 3,
  audioOut: 1,
};
/** OpenAI Embeddings usage for each input string. */
export const EMBEDDING_TOKENS_PER_INPUT = 5;
/** OpenAI Responses API usage. */
export const RESPONSES_USAGE = { input: 37, output: 11, cached: 8, reasoning: 4 };
/**
 * Anthropic Messages usage. Anthropic's `input_tokens` leaves out the cached ones (the GenAI
 * conventions' input tokens are `input + cacheRead + cacheWrite`); `thinking` is
 * `output_tokens_details.thinking_tokens`.
 */
export const MESSAGES_USAGE = { input: 25, output: 14, cacheRead: 12, cacheWrite: 6, thinking: 5 };
export const MESSAGES_TOOL_USE_USAGE = {
  input: 20,
  output: 10,
  cacheRead: 4,
  cacheWrite: 2,
  thinking: 3,
};

/** The response model for a requested one: OpenAI's dated snapshot names, Anthropic's dates. */
export function responseModelFor(model: string): string {
  return model.startsWith('claude') ? `${model}-20241022` : `${model}-2024-07-18`;
}

/** One request the fake provider answered. */
export interface FakeRequest {
  path: string;
  model: string | null;
  stream: boolean;
  status: number;
}

export interface FakeProvider {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every request answered, in order. */
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/**
 * Starts the fake provider on 127.0.0.1 on a free port.
 *
 * @example
 * const fake = await startFakeProvider();
 * const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'test' });
 */
export async function startFakeProvider(): Promise<FakeProvider> {
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => {
    handle(req, res, requests).catch((err: unknown) => {
      send(res, 500, { error: { message: String(err), type: 'server_error' } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  requests: FakeRequest[],
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const record = (model: string | null, stream: boolean, status: number) =>
    requests.push({ path, model, stream, status });
  if (req.method !== 'POST') {
    record(null, false, 404);
    return send(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  }
  const body = await readBody(req);
  if (!body.ok) {
    record(null, false, 413);
    return send(res, 413, {
      error: { message: 'request body too large', type: 'invalid_request_error' },
    });
  }
  let request: Json;
  try {
    const parsed: unknown = JSON.parse(body.text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    request = parsed as Json;
  } catch {
    record(null, false, 400);
    return send(res, 400, {
      error: { message: 'body is not a JSON object', type: 'invalid_request_error' },
    });
  }
  const model = typeof request['model'] === 'string' ? request['model'] : null;
  const stream = request['stream'] === true;
  const route = ROUTES.get(path);
  if (route === undefined) {
    record(model, stream, 404);
    return send(res, 404, { error: { message: `no route POST ${path}` } });
  }
  if (model === null || model === FAIL_MODEL) {
    record(model, stream, 400);
    return send(res, 400, route.error(model ?? ''));
  }
  record(model, stream, 200);
  route.answer(request, model, res);
}

interface Route {
  answer(request: Json, model: string, res: ServerResponse): void;
  error(model: string): Json;
}

const openAiError = (model: string): Json => ({
  error: {
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
    type: 'invalid_request_error',
    param: 'model',
    code: 'model_not_found',
  },
});

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['/v1/chat/completions', { answer: chatCompletions, error: openAiError }],
  ['/v1/embeddings', { answer: embeddings, error: openAiError }],
  ['/v1/responses', { answer: responses, error: openAiError }],
  [
    '/v1/messages',
    {
      answer: messages,
      error: (model) => ({
        type: 'error',
        error: { type: 'invalid_request_error', message: `model: ${model} is not a known model` },
      }),
    },
  ],
]);

// ---- OpenAI Chat Completions ------------------------------------------------------------------

/** Whether the conversation offers tools and has no tool result yet. */
function wantsToolCall(request: Json, resultRole: (m: Json) => boolean): boolean {
  const tools = request['tools'];
  if (!Array.isArray(tools) || tools.length === 0) return false;
  const msgs = Array.isArray(request['messages']) ? (request['messages'] as Json[]) : [];
  return !msgs.some((m) => typeof m === 'object' && m !== null && resultRole(m));
}

function firstToolName(request: Json): string {
  const tool = (request['tools'] as Json[])[0] ?? {};
  const fn = tool['function'] as Json | undefined;
  const name = fn?.['name'] ?? tool['name'];
  return typeof name === 'string' ? name : 'tool';
}

function chatCompletions(request: Json, model: string, res: ServerResponse): void {
  const toolCall = wantsToolCall(request, (m) => m['role'] === 'tool');
  const u = toolCall ? CHAT_TOOL_CALL_USAGE : CHAT_USAGE;
  const usage = {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    prompt_tokens_details: { cached_tokens: u.cached, audio_tokens: u.audioIn },
    completion_tokens_details: { reasoning_tokens: u.reasoning, audio_tokens: u.audioOut },
  };
  const id = 'chatcmpl-fake0001';
  const created = 1_764_151_842;
  const responseModel = responseModelFor(model);
  const call = {
    id: 'call_fake0001',
    type: 'function',
    function: {
      name: toolCall ? firstToolName(request) : '',
      arguments: JSON.stringify(TOOL_ARGUMENTS),
    },
  };
  const finishReason = toolCall ? 'tool_calls' : 'stop';
  if (request['stream'] !== true) {
    send(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model: responseModel,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: toolCall
            ? { role: 'assistant', content: null, tool_calls: [call], refusal: null }
            : { role: 'assistant', content: ANSWER_TEXT, refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
    });
    return;
  }
  const chunk = (choices: unknown[], extra: Json = {}) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: responseModel,
    system_fingerprint: 'fp_fake',
    choices,
    ...extra,
  });
  const includeUsage = (request['stream_options'] as Json | undefined)?.['include_usage'] === true;
  const events: unknown[] = [
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
  ];
  if (toolCall) {
    events.push(
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, ...call }] }, finish_reason: null }]),
    );
  } else {
    for (const piece of ANSWER_TEXT.split(/(?<= )/)) {
      events.push(chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
    }
  }
  events.push(chunk([{ index: 0, delta: {}, finish_reason: finishReason }]));
  if (includeUsage) events.push(chunk([], { usage }));
  sse(
    res,
    events.map((e) => ({ data: e })),
    true,
  );
}

// ---- OpenAI Embeddings ------------------------------------------------------------------------

function embeddings(request: Json, model: string, res: ServerResponse): void {
  const raw = request['input'];
  const inputs = Array.isArray(raw) ? raw : [raw];
  const base64 = request['encoding_format'] === 'base64';
  const data = inputs.map((_, index) => {
    const vector = Array.from({ length: EMBEDDING_DIMENSIONS }, (_v, i) => (index + 1) / (i + 2));
    return {
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    };
  });
  const tokens = inputs.length * EMBEDDING_TOKENS_PER_INPUT;
  send(res, 200, {
    object: 'list',
    data,
    model: responseModelFor(model),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

// ---- OpenAI Responses -------------------------------------------------------------------------

function responses(request: Json, model: string, res: ServerResponse): void {
  const u = RESPONSES_USAGE;
  const message = {
    type: 'message',
    id: 'msg_fake0001',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: ANSWER_TEXT, annotations: [], logprobs: [] }],
  };
  const response = {
    id: 'resp_fake0001',
    object: 'response',
    created_at: 1_764_151_842,
    status: 'completed',
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: responseModelFor(model),
    output: [message],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: {
      input_tokens: u.input,
      input_tokens_details: { cached_tokens: u.cached },
      output_tokens: u.output,
      output_tokens_details: { reasoning_tokens: u.reasoning },
      total_tokens: u.input + u.output,
    },
    user: null,
    metadata: {},
  };
  if (request['stream'] !== true) return send(res, 200, response);
  const inProgress = { ...response, status: 'in_progress', output: [], usage: null };
  const events: Json[] = [
    { type: 'response.created', response: inProgress },
    { type: 'response.in_progress', response: inProgress },
    {
      type: 'response.output_item.added',
      output_index: 0,
      item: { ...message, status: 'in_progress', content: [] },
    },
    {
      type: 'response.content_part.added',
      item_id: message.id,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    },
    {
      type: 'response.output_text.delta',
      item_id: message.id,
      output_index: 0,
      content_index: 0,
      delta: ANSWER_TEXT,
    },
    {
      type: 'response.output_text.done',
      item_id: message.id,
      output_index: 0,
      content_index: 0,
      text: ANSWER_TEXT,
    },
    {
      type: 'response.content_part.done',
      item_id: message.id,
      output_index: 0,
      content_index: 0,
      part: message.content[0],
    },
    { type: 'response.output_item.done', output_index: 0, item: message },
    { type: 'response.completed', response },
  ];
  sse(
    res,
    events.map((e, i) => ({ event: e['type'] as string, data: { ...e, sequence_number: i } })),
    false,
  );
}

// ---- Anthropic Messages -----------------------------------------------------------------------

function messages(request: Json, model: string, res: ServerResponse): void {
  const toolUse = wantsToolCall(
    request,
    (m) =>
      Array.isArray(m['content']) &&
      (m['content'] as Json[]).some((b) => typeof b === 'object' && b?.['type'] === 'tool_result'),
  );
  const u = toolUse ? MESSAGES_TOOL_USE_USAGE : MESSAGES_USAGE;
  const usage = {
    input_tokens: u.input,
    output_tokens: u.output,
    cache_read_input_tokens: u.cacheRead,
    cache_creation_input_tokens: u.cacheWrite,
    output_tokens_details: { thinking_tokens: u.thinking },
  };
  const block = toolUse
    ? {
        type: 'tool_use',
        id: 'toolu_fake0001',
        name: firstToolName(request),
        input: TOOL_ARGUMENTS,
      }
    : { type: 'text', text: ANSWER_TEXT };
  const message = {
    id: 'msg_fake0001',
    type: 'message',
    role: 'assistant',
    model: responseModelFor(model),
    content: [block],
    stop_reason: toolUse ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage,
  };
  if (request['stream'] !== true) return send(res, 200, message);
  const events: Json[] = [
    {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { ...usage, output_tokens: 1 },
      },
    },
    {
      type: 'content_block_start',
      index: 0,
      content_block: toolUse ? { ...block, input: {} } : { type: 'text', text: '' },
    },
    { type: 'ping' },
    {
      type: 'content_block_delta',
      index: 0,
      delta: toolUse
        ? { type: 'input_json_delta', partial_json: JSON.stringify(TOOL_ARGUMENTS) }
        : { type: 'text_delta', text: ANSWER_TEXT },
    },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: u.output, output_tokens_details: { thinking_tokens: u.thinking } },
    },
    { type: 'message_stop' },
  ];
  sse(
    res,
    events.map((e) => ({ event: e['type'] as string, data: e })),
    false,
  );
}

// ---- HTTP ------------------------------------------------------------------------------------

/** The body as text, or not ok once it passes `MAX_BODY_BYTES` (the rest is not read). */
async function readBody(req: IncomingMessage): Promise<{ ok: true; text: string } | { ok: false }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false };
    chunks.push(chunk);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': 'req_fake',
    // After a 413 the rest of the body is unread: the connection cannot be reused.
    ...(status === 413 ? { connection: 'close' } : {}),
  });
  res.end(text);
}

function sse(
  res: ServerResponse,
  events: Array<{ event?: string; data: unknown }>,
  done: boolean,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) {
    res.write(
      `${e.event !== undefined ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`,
    );
  }
  if (done) res.write('data: [DONE]\n\n');
  res.end();
}
