import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT_CONTEXT, trace, type Tracer } from '@opentelemetry/api';
import { attributesFrom, type SpanRecord } from '@llm-workbench/bundle';
import { encodeOtlpJson, encodeOtlpProtobuf } from '@llm-workbench/otlp';
import { isBundleFileName } from '@llm-workbench/evidence';

export function tempDir(prefix = 'wb-receiver-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Bundle file names in a folder, sorted. */
export function bundleFiles(dir: string): string[] {
  try {
    // Not envelopes (`X.dsse.json`), the ledger's checkpoint nor temporary files.
    return readdirSync(dir).filter(isBundleFileName).sort();
  } catch {
    return [];
  }
}

export function readBundleText(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

/**
 * Records one agent run with the SDK: a run span with a workflow snapshot, two steps, a model
 * receipt event, an artifact, a GenAI client span, and attribute values of every SDK type.
 */
export function recordRun(
  tracer: Tracer,
  runId: string,
  noteValues: Record<string, number> = {},
): string {
  // Explicit parent contexts: no global context manager is needed.
  const run = tracer.startSpan(
    'weekly-newsletter',
    { attributes: { 'workbench.run.id': runId, 'workbench.run.name': 'weekly-newsletter' } },
    ROOT_CONTEXT,
  );
  const inRun = trace.setSpan(ROOT_CONTEXT, run);
  run.addEvent('workbench.workflow.snapshot', {
    'workbench.workflow.id': 'newsletter',
    'workbench.workflow.revision': 'r7',
    'workbench.workflow.definition': JSON.stringify({
      nodes: [{ id: 'draft' }, { id: 'review' }],
      edges: [['draft', 'review']],
    }),
  });
  const draft = tracer.startSpan(
    'draft',
    { attributes: { 'workbench.step.id': 'draft', 'workbench.step.kind': 'llm' } },
    inRun,
  );
  draft.addEvent('workbench.model_io', {
    'gen_ai.provider.name': 'fake',
    'gen_ai.request.model': 'fake-1',
    'gen_ai.usage.input_tokens': 120,
    'gen_ai.usage.output_tokens': 80,
    'workbench.model_io.duration_ms': 12.5,
    'workbench.model_io.input.sha256': 'a'.repeat(64),
    'workbench.model_io.output.sha256': 'b'.repeat(64),
  });
  const llm = tracer.startSpan(
    'chat fake-2',
    {
      kind: 2,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'fake',
        'gen_ai.request.model': 'fake-2',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 5,
        'test.float': 0.1,
        'test.negative': -7,
        'test.big': 2 ** 53 + 2,
        'test.bools': [true, false],
        'test.strings': ['a', 'b'],
        'test.unicode': 'naïve ✓ 𝄞',
      },
    },
    trace.setSpan(ROOT_CONTEXT, draft),
  );
  llm.end();
  draft.addEvent('workbench.artifact', {
    'workbench.artifact.key': 'draft.md',
    'workbench.artifact.version': 1,
    'workbench.artifact.sha256': 'c'.repeat(64),
    'workbench.artifact.media_type': 'text/markdown',
    'workbench.artifact.size': 11,
    'workbench.artifact.content': 'hello world',
  });
  draft.end();
  const review = tracer.startSpan(
    'review',
    { attributes: { 'workbench.step.id': 'review', 'workbench.step.kind': 'human' } },
    inRun,
  );
  review.addEvent('workbench.gate.requested', {
    'workbench.gate.id': 'review',
    'workbench.gate.policy': 'one-editor',
  });
  review.addEvent('workbench.gate.resolved', {
    'workbench.gate.id': 'review',
    'workbench.gate.decision': 'approved',
    'workbench.gate.actor': 'editor@example.com',
  });
  review.setStatus({ code: 2, message: 'needs another pass' });
  review.end();
  // An event the fold does not interpret keeps its attributes: values must survive the trip exactly.
  run.addEvent('workbench.custom.note', {
    'note.float': 1.5,
    'note.negative': -42,
    'note.list': [1, 2, 3],
    ...noteValues,
  });
  run.setStatus({ code: 1 });
  run.end();
  return run.spanContext().traceId;
}

let counter = 0;

/** Span records of a small run, built by hand: `spans` spans, the first of them the root. */
export function runRecords(spans: number, seed = counter++): SpanRecord[] {
  const traceId = (BigInt(seed + 1) * 0x9e3779b97f4a7c15n)
    .toString(16)
    .padStart(32, '0')
    .slice(-32);
  const resource = attributesFrom([['service.name', 'svc']]);
  const start = 1_764_151_842_000_000_000n + BigInt(seed) * 1_000_000_000n;
  const rootId = (BigInt(seed + 1) * 0x1000n + 1n).toString(16).padStart(16, '0');
  const out: SpanRecord[] = [];
  for (let i = 0; i < spans; i++) {
    const spanId =
      i === 0
        ? rootId
        : (BigInt(seed + 1) * 0x1000n + BigInt(i + 1)).toString(16).padStart(16, '0');
    out.push({
      traceId,
      spanId,
      parentSpanId: i === 0 ? undefined : rootId,
      name: i === 0 ? 'run' : `step ${i}`,
      kind: 'internal',
      startTimeUnixNano: start + BigInt(i) * 1000n,
      endTimeUnixNano: start + 1_000_000n + BigInt(i),
      status: { code: 'unset', message: undefined },
      attributes:
        i === 0
          ? attributesFrom([['workbench.run.id', `run-${seed}`]])
          : attributesFrom([['workbench.step.id', `s${i}`]]),
      events: [],
      resource,
      scope: { name: 'test', version: undefined },
    });
  }
  return out;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request with node:http (full control of headers, unlike fetch). */
export function send(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string | number>;
    body?: Uint8Array | string;
    path?: string;
  },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path ?? '/v1/traces', url);
    const req = request(
      target,
      { method: options.method ?? 'POST', headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

/** Sends span records as OTLP JSON or protobuf, gzipped or not. */
export function sendSpans(
  url: string,
  spans: SpanRecord[],
  format: 'json' | 'protobuf' = 'json',
  gzip = false,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  let body: Uint8Array =
    format === 'json'
      ? Buffer.from(JSON.stringify(encodeOtlpJson(spans)))
      : encodeOtlpProtobuf(spans);
  if (gzip) body = gzipSync(body);
  return send(url, {
    headers: {
      'content-type': format === 'json' ? 'application/json' : 'application/x-protobuf',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...headers,
    },
    body,
  });
}
