import { attributesFrom, type SpanRecord } from '@llm-workbench/bundle';
import { encodeOtlpJson, encodeOtlpProtobuf } from '@llm-workbench/otlp';

const resource = attributesFrom([
  ['service.name', 'newsletter'],
  ['telemetry.sdk.language', 'nodejs'],
  ['telemetry.sdk.name', 'opentelemetry'],
  ['telemetry.sdk.version', '2.12.1'],
]);

/**
 * Span records shaped like an agent's: `traces` traces of `perTrace` spans, each span with eight
 * attributes and one event; `seed` makes the ids unique per request.
 */
export function benchSpans(traces: number, perTrace: number, seed: number): SpanRecord[] {
  const out: SpanRecord[] = [];
  const t0 = 1_764_151_842_000_000_000n;
  for (let t = 0; t < traces; t++) {
    const traceId = `${seed.toString(16).padStart(16, '0')}${t.toString(16).padStart(16, '0')}`;
    for (let i = 0; i < perTrace; i++) {
      const spanId = `${(t + 1).toString(16).padStart(8, '0')}${(i + 1).toString(16).padStart(8, '0')}`;
      out.push({
        traceId,
        spanId,
        parentSpanId: i === 0 ? undefined : `${(t + 1).toString(16).padStart(8, '0')}00000001`,
        name: i === 0 ? 'weekly-newsletter' : `step ${i}`,
        kind: i % 3 === 0 ? 'client' : 'internal',
        startTimeUnixNano: t0 + BigInt(i) * 1_000_123n,
        endTimeUnixNano: t0 + BigInt(i) * 1_000_123n + 987_654n,
        status: { code: 'unset', message: undefined },
        attributes: attributesFrom([
          [i === 0 ? 'workbench.run.id' : 'workbench.step.id', `id-${seed}-${t}-${i}`],
          ['workbench.step.kind', 'llm'],
          ['gen_ai.operation.name', 'chat'],
          ['gen_ai.provider.name', 'openai'],
          ['gen_ai.request.model', 'gpt-4o'],
          ['gen_ai.usage.input_tokens', 1200 + i],
          ['gen_ai.usage.output_tokens', 300 + i],
          ['http.response.status_code', 200],
        ]),
        events: [
          {
            name: 'workbench.model_io',
            timeUnixNano: t0 + BigInt(i) * 1_000_123n + 500_000n,
            attributes: attributesFrom([
              ['workbench.model_io.duration_ms', 812.5],
              ['workbench.model_io.input.sha256', 'a'.repeat(64)],
            ]),
          },
        ],
        resource,
        scope: { name: '@llm-workbench/instrumentation', version: '0.1.0' },
      });
    }
  }
  return out;
}

export function jsonBody(spans: SpanRecord[]): Buffer {
  return Buffer.from(JSON.stringify(encodeOtlpJson(spans)));
}

export function protobufBody(spans: SpanRecord[]): Buffer {
  return Buffer.from(encodeOtlpProtobuf(spans));
}
