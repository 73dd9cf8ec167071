import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  attributesFrom,
  type AttributeValue,
  type SpanEventRecord,
  type SpanRecord,
} from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';
import { rng } from '@llm-workbench/test-support';

export { rng };

export const TRACE = '0af7651916cd43dd8448eb211c80319c';
export const BASE = 1_764_151_842_000_000_000n; // 2025-11-26T10:10:42Z in ns

/** Captured responses of the real backends (written by test/backends/smoke.mjs --fixtures). */
export const BACKEND_FIXTURES = fileURLToPath(
  new URL('../../../test/fixtures/backends/', import.meta.url),
);

export function backendFixture(name: string): string | null {
  const path = `${BACKEND_FIXTURES}${name}`;
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

export function attrs(o: Record<string, AttributeValue>): ReturnType<typeof attributesFrom> {
  return attributesFrom(Object.entries(o));
}

export function span(p: Partial<SpanRecord> & { spanId: string }): SpanRecord {
  return {
    traceId: TRACE,
    name: p.spanId,
    kind: 'internal',
    startTimeUnixNano: BASE,
    endTimeUnixNano: BASE + 1_000_000n,
    status: { code: 'unset' },
    attributes: attrs({}),
    events: [],
    resource: attrs({ [sc.ATTR_SERVICE_NAME]: 'agent' }),
    scope: { name: 'test' },
    ...p,
  };
}

export function ev(
  name: string,
  offsetNs: bigint,
  a: Record<string, AttributeValue>,
): SpanEventRecord {
  return { name, timeUnixNano: BASE + offsetNs, attributes: attrs(a) };
}

function hex(r: () => number, digits: number): string {
  let s = '';
  while (s.length < digits) s += Math.floor(r() * 16).toString(16);
  return s === '0'.repeat(digits) ? `1${s.slice(1)}` : s;
}

/**
 * A random run trace: a run span, nested steps, plain spans in between, GenAI spans, and every
 * kind of event with ordinary and odd values (long content, wrong types, missing fields, secrets,
 * nested values, non-finite numbers), times with odd nanosecond digits.
 */
export function randomRun(seed: number): SpanRecord[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const traceId = hex(r, 32);
  const rootId = hex(r, 16);
  const start = BASE + BigInt(Math.floor(r() * 1e9));
  const long = (n: number): string => 'é'.repeat(Math.ceil(n / 2));
  const ids = [rootId];
  const spans: SpanRecord[] = [];
  const withRunId = r() < 0.85;
  // A run with no workbench steps: agent, workflow, chain and task spans are its steps.
  const frameworkSteps = r() < 0.25;
  const rootEvents: SpanEventRecord[] = [];
  const t = (): bigint => start + BigInt(Math.floor(r() * 5e9));
  if (withRunId && r() < 0.8) {
    const def = {
      nodes: Array.from({ length: 1 + Math.floor(r() * 200) }, (_, i) => ({
        id: `n${i}`,
        label: pick(['draft', 'rêview', '🦊']),
      })),
    };
    const text = JSON.stringify(def);
    const a: Record<string, AttributeValue> = {
      [sc.ATTR_WORKFLOW_ID]: 'wf',
      [sc.ATTR_WORKFLOW_REVISION]: String(Math.floor(r() * 9)),
    };
    if (r() < 0.5) a[sc.ATTR_WORKFLOW_DEFINITION] = text;
    else {
      // Split on code points, as the instrumentation does: UTF-8 has no form for half a pair.
      const parts = Array.from(text)
        .join('')
        .match(/[\s\S]{1,700}(?![\uDC00-\uDFFF])/gu)!;
      a[sc.ATTR_WORKFLOW_DEFINITION_PARTS] = parts.length;
      parts.forEach((p, i) => (a[`${sc.ATTR_WORKFLOW_DEFINITION_PART_PREFIX}${i}`] = p));
    }
    rootEvents.push({
      name: sc.EVENT_WORKFLOW_SNAPSHOT,
      timeUnixNano: start + 17n,
      attributes: attrs(a),
    });
  }
  const n = 1 + Math.floor(r() * 12);
  const stepIds = ['plan', 'draft', 'review', 'publish', 'tool'];
  const extra: SpanRecord[] = [];
  for (let i = 0; i < n; i++) {
    const spanId = hex(r, 16);
    const parent = pick(ids);
    ids.push(spanId);
    const s = t();
    const e = s + BigInt(Math.floor(r() * 2e9));
    const role = r();
    const a: Record<string, AttributeValue> = {};
    const events: SpanEventRecord[] = [];
    if (role < 0.45 && frameworkSteps) {
      const [key, value] = pick([
        [sc.ATTR_GEN_AI_OPERATION_NAME, 'invoke_agent'],
        [sc.ATTR_GEN_AI_OPERATION_NAME, 'invoke_workflow'],
        ['openinference.span.kind', 'AGENT'],
        ['openinference.span.kind', 'CHAIN'],
        ['traceloop.span.kind', 'workflow'],
        ['traceloop.span.kind', 'task'],
      ] as const);
      a[key] = value;
      if (r() < 0.3) a[sc.ATTR_GEN_AI_AGENT_NAME] = 'planner';
    } else if (role < 0.45) {
      a[sc.ATTR_STEP_ID] = pick(stepIds);
      if (r() < 0.7) a[sc.ATTR_STEP_KIND] = pick(['llm', 'tool', 'human']);
    } else if (role >= 0.6 && role < 0.7) {
      // A tool call, in one of the vocabularies that name one.
      const args = r() < 0.2 ? long(2100) : '{"city":"Paris"}';
      const result = r() < 0.5 ? '{"temp":21}' : undefined;
      const which = r();
      if (which < 0.35) {
        a[sc.ATTR_GEN_AI_OPERATION_NAME] = 'execute_tool';
        a[sc.ATTR_GEN_AI_TOOL_NAME] = 'get_weather';
        if (r() < 0.7) a[sc.ATTR_GEN_AI_TOOL_CALL_ID] = `call_${i}`;
        if (r() < 0.5) a[sc.ATTR_GEN_AI_TOOL_TYPE] = 'function';
        if (r() < 0.6) a[sc.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = args;
        if (result !== undefined) a[sc.ATTR_GEN_AI_TOOL_CALL_RESULT] = result;
      } else if (which < 0.65) {
        a['ai.operationId'] = 'ai.toolCall';
        a['ai.toolCall.name'] = 'get_weather';
        a['ai.toolCall.id'] = `call_${i}`;
        a['ai.toolCall.args'] = args;
        if (result !== undefined) a['ai.toolCall.result'] = result;
      } else if (which < 0.85) {
        a['openinference.span.kind'] = 'TOOL';
        if (r() < 0.8) a['tool.name'] = 'search';
        if (r() < 0.5) a['input.value'] = args;
        if (result !== undefined) a['output.value'] = result;
      } else {
        a['traceloop.span.kind'] = 'tool';
        a['traceloop.entity.name'] = 'lookup';
        if (r() < 0.5) a['traceloop.entity.input'] = args;
      }
    } else if (role < 0.6) {
      a[sc.ATTR_GEN_AI_OPERATION_NAME] = 'chat';
      if (r() < 0.8) a[sc.ATTR_GEN_AI_PROVIDER_NAME] = 'openai';
      else a[sc.ATTR_GEN_AI_SYSTEM] = 'legacy';
      a[sc.ATTR_GEN_AI_REQUEST_MODEL] = pick(['gpt-4o', 'claude']);
      if (r() < 0.5) a[sc.ATTR_GEN_AI_RESPONSE_MODEL] = 'gpt-4o-2024';
      a[sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS] = Math.floor(r() * 1000);
      if (r() < 0.8) a[sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = BigInt(Math.floor(r() * 1000));
      if (r() < 0.3) a[sc.ATTR_MODEL_IO_COST_AMOUNT] = r();
      // Per-modality counts, some only.
      if (r() < 0.2) a[sc.ATTR_GEN_AI_USAGE_AUDIO_INPUT_TOKENS] = Math.floor(r() * 100);
      if (r() < 0.1) a[sc.ATTR_GEN_AI_USAGE_IMAGE_OUTPUT_TOKENS] = 0;
      if (r() < 0.1) a[sc.ATTR_GEN_AI_USAGE_TEXT_CACHE_READ_INPUT_TOKENS] = 12;
      // A sibling span of the same call, as LangChain's under OpenInference (enclosing it in
      // time) or OpenLLMetry's beside the Anthropic stream helper's (starting first, ending first
      // or last); mostly another instrumentation's.
      if (r() < 0.25) {
        const late = BigInt(Math.floor(r() * 3000));
        extra.push({
          traceId,
          spanId: hex(r, 16),
          parentSpanId: parent,
          name: `langchain ${i}`,
          kind: 'internal',
          startTimeUnixNano: s - BigInt(Math.floor(r() * 3000)),
          endTimeUnixNano: r() < 0.7 || e - late <= s ? e + late : e - late,
          status: { code: 'unset' },
          attributes: attrs({
            'openinference.span.kind': 'LLM',
            'llm.provider': 'openai',
            'llm.invocation_parameters': JSON.stringify({
              model: r() < 0.8 ? a[sc.ATTR_GEN_AI_REQUEST_MODEL] : 'other',
            }),
            ...(r() < 0.5 ? { 'llm.token_count.prompt': 3 } : {}),
            ...(r() < 0.2 ? { 'llm.token_count.completion_details.audio': 5 } : {}),
          }),
          events: [],
          resource: attrs({ [sc.ATTR_SERVICE_NAME]: 'agent' }),
          scope: { name: r() < 0.85 ? '@arizeai/openinference-instrumentation-langchain' : 'test' },
        });
      }
      // The SDK's own spans under an instrumentation's: one call (a wrapper), or several (an
      // aggregate), in other vocabularies, agreeing or not.
      if (r() < 0.4) {
        const inner = r() < 0.6 ? 1 : 2;
        for (let c = 0; c < inner; c++) {
          const ca: Record<string, AttributeValue> = {};
          if (r() < 0.5) {
            ca['ai.operationId'] = 'ai.generateText.doGenerate';
            ca['ai.model.provider'] = 'openai.chat';
            if (r() < 0.5) ca['ai.model.id'] = a[sc.ATTR_GEN_AI_REQUEST_MODEL]!;
            ca['ai.usage.inputTokens'] = r() < 0.7 ? a[sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS] : 5;
            if (r() < 0.5) ca['ai.response.text'] = r() < 0.2 ? long(2100) : 'hi';
          } else {
            ca['openinference.span.kind'] = 'LLM';
            ca['llm.provider'] = 'openai';
            if (r() < 0.5) ca['llm.token_count.completion'] = 7;
            if (r() < 0.5) ca['llm.input_messages.0.message.content'] = 'hello';
          }
          extra.push({
            traceId,
            spanId: hex(r, 16),
            parentSpanId: spanId,
            name: `call ${i}.${c}`,
            kind: 'client',
            startTimeUnixNano: s + 1000n,
            endTimeUnixNano: s + 1000n + BigInt(Math.floor(r() * 1e8)),
            status: r() < 0.2 ? { code: 'error', message: 'rate limited' } : { code: 'unset' },
            attributes: attrs(ca),
            events: [],
            resource: attrs({ [sc.ATTR_SERVICE_NAME]: 'agent' }),
            scope: { name: 'test' },
          });
        }
      }
    }
    const ne = Math.floor(r() * 4);
    for (let k = 0; k < ne; k++) {
      const et = r() < 0.2 ? s : s + BigInt(Math.floor(r() * 2e9));
      const kind = r();
      if (kind < 0.25) {
        const content = r() < 0.3 ? long(2100) : `prompt ${k}`;
        const ea: Record<string, AttributeValue> = {
          [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic',
          [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'claude',
          [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 12,
          [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 34,
          [sc.ATTR_MODEL_IO_DURATION_MS]: r() < 0.5 ? 1200 : 12.345,
          [sc.ATTR_MODEL_IO_INPUT]: content,
        };
        if (r() < 0.5)
          ea[sc.ATTR_MODEL_IO_INPUT_SHA256] = r() < 0.2 ? 'f'.repeat(64) : sha(content);
        if (r() < 0.2) ea[sc.ATTR_MODEL_IO_OUTPUT_SHA256] = 'nothex';
        if (r() < 0.2) ea[sc.ATTR_MODEL_IO_COST_AMOUNT] = 'cheap';
        if (r() < 0.3) delete ea[sc.ATTR_GEN_AI_REQUEST_MODEL];
        if (r() < 0.2) ea[sc.ATTR_GEN_AI_USAGE_IMAGE_INPUT_TOKENS] = r() < 0.2 ? 'many' : 8;
        events.push({ name: sc.EVENT_MODEL_IO, timeUnixNano: et, attributes: attrs(ea) });
      } else if (kind < 0.45) {
        const content = r() < 0.3 ? long(2500) : 'hello';
        const ea: Record<string, AttributeValue> = {
          [sc.ATTR_ARTIFACT_KEY]: pick(['draft.md', 'out.json']),
          [sc.ATTR_ARTIFACT_VERSION]: r() < 0.1 ? 'one' : 1 + Math.floor(r() * 3),
          [sc.ATTR_ARTIFACT_SHA256]: r() < 0.2 ? 'a'.repeat(64) : sha(content),
          [sc.ATTR_ARTIFACT_MEDIA_TYPE]: 'text/markdown',
          [sc.ATTR_ARTIFACT_SIZE]: content.length,
          [sc.ATTR_ARTIFACT_CONTENT]: content,
        };
        if (r() < 0.3) ea[sc.ATTR_ARTIFACT_PARENT_VERSION] = 1;
        if (r() < 0.2) ea[sc.ATTR_ARTIFACT_PATCH] = r() < 0.5 ? '@@ -1 +1 @@' : long(3000);
        if (r() < 0.3) {
          // the patch's commitment: its own, another's (the patch is then not held), or malformed
          const patch = ea[sc.ATTR_ARTIFACT_PATCH];
          ea[sc.ATTR_ARTIFACT_PATCH_SHA256] = pick([
            typeof patch === 'string' ? sha(patch) : 'c'.repeat(64),
            'b'.repeat(64),
            'nothex',
          ]);
        }
        if (r() < 0.1) delete ea[sc.ATTR_ARTIFACT_MEDIA_TYPE];
        if (r() < 0.05) delete ea[sc.ATTR_ARTIFACT_KEY];
        events.push({ name: sc.EVENT_ARTIFACT, timeUnixNano: et, attributes: attrs(ea) });
      } else if (kind < 0.55) {
        const ea: Record<string, AttributeValue> = { [sc.ATTR_GATE_ID]: 'review' };
        if (r() < 0.5) ea[sc.ATTR_GATE_POLICY] = 'one-editor';
        if (r() < 0.5) {
          ea[sc.ATTR_GATE_SUBJECT_ARTIFACT_KEY] = 'draft.md';
          ea[sc.ATTR_GATE_SUBJECT_ARTIFACT_VERSION] = r() < 0.2 ? 2n ** 60n : 1;
        }
        if (r() < 0.4) {
          // A framework's tool approval: names cut at the identifier limit, hashes malformed.
          if (r() < 0.8)
            ea[sc.ATTR_GATE_SUBJECT_TOOL_NAME] = r() < 0.2 ? 't'.repeat(300) : 'send_email';
          if (r() < 0.8) ea[sc.ATTR_GATE_SUBJECT_TOOL_CALL_ID] = r() < 0.1 ? 42 : 'call_1';
          if (r() < 0.8)
            ea[sc.ATTR_GATE_SUBJECT_TOOL_ARGUMENTS_SHA256] = pick([
              'ab'.repeat(32),
              'AB'.repeat(32),
              'nothex',
            ]);
        }
        events.push({ name: sc.EVENT_GATE_REQUESTED, timeUnixNano: et, attributes: attrs(ea) });
      } else if (kind < 0.65) {
        const ea: Record<string, AttributeValue> = {
          [sc.ATTR_GATE_ID]: 'review',
          [sc.ATTR_GATE_DECISION]: pick(['approved', 'rejected', 'maybe']),
          [sc.ATTR_GATE_ACTOR]: r() < 0.1 ? 42 : 'ed@example.com',
        };
        if (r() < 0.5) ea[sc.ATTR_GATE_REASON] = 'looks good';
        events.push({ name: sc.EVENT_GATE_RESOLVED, timeUnixNano: et, attributes: attrs(ea) });
      } else if (kind < 0.7) {
        events.push({ name: 'workbench.mystery', timeUnixNano: et, attributes: attrs({ x: 1 }) });
      } else {
        const many: Record<string, AttributeValue> = {
          'exception.message': 'boom',
          'http.request.header.authorization': 'Bearer abcdefghijklmnopqrstu',
          note: 'token sk-abcdefghijklmnopqrstuvwx',
          big: 2n ** 62n,
          nan: Number.NaN,
          inf: -Infinity,
          dbl: 1.5,
          bytes: new Uint8Array([1, 2, 3]),
          list: ['a', 1, true, null],
          nested: { kvlist: attrs({ a: { kvlist: attrs({ b: [[[[[[[[['deep']]]]]]]]] }) } }) },
          longlist: Array.from({ length: 130 }, (_, i) => i),
          longvalue: long(4000),
          ['__proto__']: 'proto',
        };
        if (r() < 0.3) for (let j = 0; j < 70; j++) many[`k${String(j).padStart(2, '0')}`] = j;
        if (r() < 0.2) many['x'.repeat(2100)] = 'long key';
        events.push({
          name: pick(['exception', 'log', 'gen_ai.content.prompt']),
          timeUnixNano: et,
          attributes: attrs(many),
        });
      }
    }
    spans.push({
      traceId,
      spanId,
      parentSpanId: parent,
      name: `span ${i}`,
      kind: 'internal',
      startTimeUnixNano: s + BigInt(Math.floor(r() * 1000)),
      endTimeUnixNano: r() < 0.05 ? s - 5n : e + BigInt(Math.floor(r() * 1000)),
      status:
        r() < 0.2
          ? { code: 'error', message: r() < 0.5 ? 'failed' : undefined }
          : { code: pick(['ok', 'unset']) },
      attributes: attrs(a),
      events,
      resource: attrs({ [sc.ATTR_SERVICE_NAME]: 'agent', 'host.name': 'h' }),
      scope: { name: 'test' },
    });
  }
  spans.push(...extra);
  if (r() < 0.1) {
    // An orphan: its parent never arrived.
    spans.push({ ...spans[spans.length - 1]!, spanId: hex(r, 16), parentSpanId: hex(r, 16) });
  }
  spans.unshift({
    traceId,
    spanId: rootId,
    ...(r() < 0.1 ? { parentSpanId: hex(r, 16) } : {}),
    name: 'run newsletter',
    kind: 'server',
    startTimeUnixNano: start + BigInt(Math.floor(r() * 1000)),
    endTimeUnixNano: start + 6_000_000_000n + BigInt(Math.floor(r() * 1000)),
    status: r() < 0.2 ? { code: 'error', message: 'gate rejected' } : { code: 'ok' },
    attributes: attrs(
      withRunId
        ? {
            [sc.ATTR_RUN_ID]: `run-${seed}`,
            ...(r() < 0.8 ? { [sc.ATTR_RUN_NAME]: 'newsletter' } : {}),
          }
        : {},
    ),
    events: rootEvents,
    resource: attrs({ [sc.ATTR_SERVICE_NAME]: 'agent' }),
    scope: { name: 'test' },
  });
  return spans;
}

function sha(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A small run: run span, one step with a model_io event and an artifact, one plain span. */
export function smallRun(traceId = TRACE): SpanRecord[] {
  const content = 'Hello, readers!';
  return [
    span({
      traceId,
      spanId: '1000000000000001',
      name: 'run newsletter',
      startTimeUnixNano: BASE + 123_456n,
      endTimeUnixNano: BASE + 5_000_654_321n,
      status: { code: 'ok' },
      attributes: attrs({ [sc.ATTR_RUN_ID]: 'run-1', [sc.ATTR_RUN_NAME]: 'newsletter' }),
    }),
    span({
      traceId,
      spanId: '2000000000000002',
      parentSpanId: '1000000000000001',
      name: 'step draft',
      kind: 'client',
      startTimeUnixNano: BASE + 1_000_000_001n,
      endTimeUnixNano: BASE + 3_000_000_999n,
      attributes: attrs({ [sc.ATTR_STEP_ID]: 'draft', [sc.ATTR_STEP_KIND]: 'llm' }),
      events: [
        ev(sc.EVENT_MODEL_IO, 2_000_000_000n, {
          [sc.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
          [sc.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
          [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 812,
          [sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 164,
          [sc.ATTR_MODEL_IO_DURATION_MS]: 2310.5,
        }),
        ev(sc.EVENT_ARTIFACT, 2_500_000_000n, {
          [sc.ATTR_ARTIFACT_KEY]: 'draft.md',
          [sc.ATTR_ARTIFACT_VERSION]: 1,
          [sc.ATTR_ARTIFACT_SHA256]: createHash('sha256').update(content).digest('hex'),
          [sc.ATTR_ARTIFACT_MEDIA_TYPE]: 'text/markdown',
          [sc.ATTR_ARTIFACT_SIZE]: content.length,
          [sc.ATTR_ARTIFACT_CONTENT]: content,
        }),
      ],
    }),
    span({
      traceId,
      spanId: '3000000000000003',
      parentSpanId: '2000000000000002',
      name: 'http POST',
      startTimeUnixNano: BASE + 1_100_000_000n,
      endTimeUnixNano: BASE + 1_900_000_000n,
    }),
  ];
}

/** A trace that is not a run: no workbench attribute or event, no GenAI span. */
export function plainTrace(traceId: string): SpanRecord[] {
  return [span({ traceId, spanId: '9000000000000009', name: 'GET /health' })];
}

type Json = Record<string, unknown>;

/** Rewrites an OTLP JSON document the way Tempo answers: ids in base64, enums as names. */
export function asTempo(doc: Json): Json {
  const kinds = [
    'SPAN_KIND_UNSPECIFIED',
    'SPAN_KIND_INTERNAL',
    'SPAN_KIND_SERVER',
    'SPAN_KIND_CLIENT',
    'SPAN_KIND_PRODUCER',
    'SPAN_KIND_CONSUMER',
  ];
  const codes = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
  const b64 = (hex: unknown): unknown =>
    typeof hex === 'string' ? Buffer.from(hex, 'hex').toString('base64') : hex;
  const copy = JSON.parse(JSON.stringify(doc)) as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: Json[] }> }>;
  };
  for (const rs of copy.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        s['traceId'] = b64(s['traceId']);
        s['spanId'] = b64(s['spanId']);
        if (s['parentSpanId'] !== undefined) s['parentSpanId'] = b64(s['parentSpanId']);
        s['kind'] = kinds[s['kind'] as number];
        const status = s['status'] as Json | undefined;
        if (status !== undefined) status['code'] = codes[status['code'] as number];
      }
    }
  }
  return copy;
}
