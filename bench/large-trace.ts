/**
 * A large agent run as span records, deterministic: a run span with its workflow snapshot, then
 * steps, each with model calls (GenAI attributes and a `workbench.model_io` event with content),
 * tool calls, HTTP and database client spans, log and exception events, and now and then an
 * artifact or a human gate. What an instrumented agent with auto-instrumentation records.
 */
import { createHash } from 'node:crypto';
import * as sc from '@llm-workbench/semconv';
import {
  attributesFrom,
  type AttributeValue,
  type SpanEventRecord,
  type SpanRecord,
} from '@llm-workbench/bundle';
import { randomPicks } from '@llm-workbench/test-support';

const WORDS = [
  'plan',
  'agent',
  'reviews',
  'the',
  'draft',
  'and',
  'calls',
  'search',
  'results',
  'summary',
  'context',
  'retry',
  'function',
  'returns',
  'JSON',
  'café',
  'naïve',
  '東京',
  '"quoted"',
  'line\nbreak',
];

/**
 * `spans` span records of one trace (10 000 by default), in steps of `spansPerStep` spans each
 * (the step span and its children; 100 by default, fewer for a run of many small steps).
 *
 * @example
 * const spans = makeLargeTrace(10_000);
 * const manySteps = makeLargeTrace(100_000, 1, 5); // 20,000 steps
 */
export function makeLargeTrace(spans = 10_000, seed = 1, spansPerStep = 100): SpanRecord[] {
  const { random, int, pick, hex } = randomPicks(seed);
  const text = (words: number): string => {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(pick(WORDS));
    return out.join(' ');
  };
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  const attrs = (o: Record<string, AttributeValue>) => attributesFrom(Object.entries(o));

  const traceId = hex(32);
  const resource = attrs({
    [sc.ATTR_SERVICE_NAME]: 'research-agent',
    'service.version': '2.4.1',
    'deployment.environment.name': 'production',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.2.0',
    'host.name': 'agent-7f9c',
    'process.pid': 4242,
    'process.runtime.version': '20.20.2',
  });
  const scope = { name: '@llm-workbench/instrumentation', version: '0.1.0' };
  let clock = 1_764_151_842_000_000_000n; // ns
  const tick = (maxMs: number): bigint => (clock += BigInt(1 + int(maxMs * 1_000_000)));
  const out: SpanRecord[] = [];
  const span = (
    name: string,
    parentSpanId: string | undefined,
    attributes: Record<string, AttributeValue>,
    events: SpanEventRecord[] = [],
    kind: SpanRecord['kind'] = 'internal',
  ): SpanRecord => {
    const start = tick(5);
    const record: SpanRecord = {
      traceId,
      spanId: hex(16),
      parentSpanId,
      name,
      kind,
      startTimeUnixNano: start,
      endTimeUnixNano: start + BigInt(1 + int(900_000_000)),
      status: random() < 0.97 ? { code: 'ok' } : { code: 'error', message: text(5) },
      attributes: attrs(attributes),
      events,
      resource,
      scope,
    };
    out.push(record);
    return record;
  };
  const event = (name: string, attributes: Record<string, AttributeValue>): SpanEventRecord => ({
    name,
    timeUnixNano: tick(2),
    attributes: attrs(attributes),
  });

  const definition = JSON.stringify({
    nodes: Array.from({ length: 24 }, (_, i) => ({ id: `step-${i}`, kind: pick(['llm', 'tool']) })),
    edges: Array.from({ length: 23 }, (_, i) => [`step-${i}`, `step-${i + 1}`]),
    gates: [{ id: 'review', after: 'step-12' }],
  });
  const rootEvents: SpanEventRecord[] = [];
  const root = span(
    'run research',
    undefined,
    {
      [sc.ATTR_RUN_ID]: `run-${hex(12)}`,
      [sc.ATTR_RUN_NAME]: 'research',
      'app.tenant': 'acme',
      'app.user': 'user-42',
    },
    rootEvents,
  );
  rootEvents.push(
    event(sc.EVENT_WORKFLOW_SNAPSHOT, {
      [sc.ATTR_WORKFLOW_ID]: 'research',
      [sc.ATTR_WORKFLOW_REVISION]: 'r42',
      [sc.ATTR_WORKFLOW_DEFINITION]: definition,
    }),
  );

  let step = 0;
  let artifactVersion = 0;
  while (out.length < spans) {
    const stepId = `step-${step % 24}-${step}`;
    const stepEvents: SpanEventRecord[] = [];
    const stepSpan = span(
      `step ${stepId}`,
      root.spanId,
      {
        [sc.ATTR_STEP_ID]: stepId,
        [sc.ATTR_STEP_KIND]: pick(['llm', 'tool', 'human']),
        'app.attempt': 1 + int(2),
      },
      stepEvents,
    );
    if (step % 25 === 12) {
      stepEvents.push(
        event(sc.EVENT_GATE_REQUESTED, { [sc.ATTR_GATE_ID]: `review-${step}` }),
        event(sc.EVENT_GATE_RESOLVED, {
          [sc.ATTR_GATE_ID]: `review-${step}`,
          [sc.ATTR_GATE_DECISION]: pick(['approved', 'rejected', 'changes_requested']),
          [sc.ATTR_GATE_ACTOR]: 'editor@example.com',
          [sc.ATTR_GATE_REASON]: text(6),
        }),
      );
    }
    if (step % 5 === 0) {
      const content = text(120);
      artifactVersion++;
      stepEvents.push(
        event(sc.EVENT_ARTIFACT, {
          [sc.ATTR_ARTIFACT_KEY]: 'report.md',
          [sc.ATTR_ARTIFACT_VERSION]: artifactVersion,
          ...(artifactVersion > 1
            ? { [sc.ATTR_ARTIFACT_PARENT_VERSION]: artifactVersion - 1 }
            : {}),
          [sc.ATTR_ARTIFACT_SHA256]: sha(content),
          [sc.ATTR_ARTIFACT_MEDIA_TYPE]: 'text/markdown',
          [sc.ATTR_ARTIFACT_SIZE]: Buffer.byteLength(content),
          [sc.ATTR_ARTIFACT_CONTENT]: content,
        }),
      );
    }
    // ~100 spans under each step: model calls, tools, HTTP and database calls.
    for (let i = 0; i < spansPerStep - 1 && out.length < spans; i++) {
      const r = random();
      if (r < 0.2) {
        const input = text(60);
        const output = text(90);
        const model = pick(['gpt-4o', 'claude-sonnet-4', 'gemini-2.5-pro']);
        span(
          `chat ${model}`,
          stepSpan.spanId,
          {
            [sc.ATTR_GEN_AI_OPERATION_NAME]: 'chat',
            [sc.ATTR_GEN_AI_PROVIDER_NAME]: pick(['openai', 'anthropic', 'google']),
            [sc.ATTR_GEN_AI_REQUEST_MODEL]: model,
            [sc.ATTR_GEN_AI_RESPONSE_MODEL]: `${model}-2025-08-06`,
            [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 200 + int(8000),
            [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 20 + int(2000),
            'gen_ai.request.temperature': 0.2,
            'server.address': 'api.example.com',
          },
          [
            event(sc.EVENT_MODEL_IO, {
              [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
              [sc.ATTR_GEN_AI_REQUEST_MODEL]: model,
              [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 200 + int(8000),
              [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 20 + int(2000),
              [sc.ATTR_MODEL_IO_DURATION_MS]: int(30_000) / 10,
              [sc.ATTR_MODEL_IO_COST_AMOUNT]: int(10_000) / 1_000_000,
              [sc.ATTR_MODEL_IO_COST_CURRENCY]: 'USD',
              [sc.ATTR_MODEL_IO_INPUT]: input,
              [sc.ATTR_MODEL_IO_INPUT_SHA256]: sha(input),
              [sc.ATTR_MODEL_IO_OUTPUT]: output,
              [sc.ATTR_MODEL_IO_OUTPUT_SHA256]: sha(output),
            }),
          ],
          'client',
        );
      } else if (r < 0.45) {
        span(
          `execute_tool ${pick(['search', 'fetch', 'python'])}`,
          stepSpan.spanId,
          {
            'gen_ai.tool.name': pick(['search', 'fetch', 'python']),
            'app.tool.args': JSON.stringify({ q: text(4), limit: int(20) }),
            'app.tool.cached': random() < 0.3,
          },
          random() < 0.1
            ? [
                event('app.log', {
                  'log.message': text(12),
                  'log.level': 'info',
                  'app.n': int(100),
                }),
              ]
            : [],
        );
      } else if (r < 0.85) {
        const status = random() < 0.95 ? 200 : pick([429, 500, 503]);
        span(
          `GET`,
          stepSpan.spanId,
          {
            'http.request.method': 'GET',
            'url.full': `https://api.example.com/v1/items/${int(100_000)}?q=${encodeURIComponent(text(2))}`,
            'http.response.status_code': status,
            'server.address': 'api.example.com',
            'server.port': 443,
            'network.protocol.version': '1.1',
          },
          status >= 500 && random() < 0.5
            ? [
                event('exception', {
                  'exception.type': 'Error',
                  'exception.message': `HTTP ${status}: ${text(6)}`,
                  'exception.stacktrace': `Error: HTTP ${status}\n    at fetch (agent.js:${int(900)}:12)\n    at step (agent.js:${int(900)}:5)`,
                }),
              ]
            : [],
          'client',
        );
      } else {
        span(
          'SELECT documents',
          stepSpan.spanId,
          {
            'db.system.name': 'postgresql',
            'db.operation.name': 'SELECT',
            'db.collection.name': 'documents',
            'db.query.text': 'SELECT id, body FROM documents WHERE topic = $1 LIMIT $2',
            'server.address': 'db.internal',
          },
          [],
          'client',
        );
      }
    }
    step++;
  }
  return out.slice(0, spans);
}
