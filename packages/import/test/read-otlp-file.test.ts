import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { foldRun, sealBundle, type SpanRecord } from '@llm-workbench/bundle';
import { encodeOtlpJson } from '@llm-workbench/otlp';
import { foldTraceGroups, ImportError, readOtlpFile } from '../src/index.js';
import { plainTrace, randomRun, smallRun, span } from './fixtures.js';

const T2 = '1af7651916cd43dd8448eb211c80319d';
const T3 = '00000000000000000000000000000abc';

function line(spans: SpanRecord[]): string {
  return JSON.stringify(encodeOtlpJson(spans));
}

/** Feeds text in chunks of `size` bytes, so lines cross chunk boundaries. */
function chunks(text: string, size: number): Readable {
  const buf = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

describe('readOtlpFile', () => {
  it('groups a trace spread over many lines, as the Collector file exporter writes it', async () => {
    const run = smallRun();
    const other = smallRun(T2);
    // One export batch a line; each batch mixes traces and holds part of each.
    const text =
      [line([run[2]!, other[0]!]), line([run[0]!]), line([other[1]!, other[2]!, run[1]!])].join(
        '\n',
      ) + '\n';
    const result = await readOtlpFile(chunks(text, 7));
    expect(result.format).toBe('lines');
    expect(result.documents).toBe(3);
    expect(result.spans).toBe(6);
    expect(result.issues).toEqual([]);
    const { bundles } = foldTraceGroups(result.traces);
    expect(bundles.map((b) => b.traceId)).toEqual([smallRun()[0]!.traceId, T2].sort());
    const expected = sealBundle(foldRun(smallRun())).integrity.sha256;
    expect(bundles.find((b) => b.traceId === run[0]!.traceId)?.bundle.integrity.sha256).toBe(
      expected,
    );
  });

  it('reports a bad line by its number and imports the rest', async () => {
    const run = smallRun();
    const text = [
      line([run[0]!]),
      '{"resourceSpans": [ truncated',
      '',
      '{"not":"traces"}',
      line([run[1]!, run[2]!]),
    ].join('\r\n');
    const result = await readOtlpFile(Readable.from([text]));
    expect(result.issues.map((i) => [i.line, i.code])).toEqual([
      [2, 'not_json'],
      [4, 'not_traces'],
    ]);
    const { bundles } = foldTraceGroups(result.traces);
    expect(bundles[0]?.bundle.integrity.sha256).toBe(sealBundle(foldRun(run)).integrity.sha256);
  });

  it('reports spans the decoder refuses with their line', async () => {
    const doc = encodeOtlpJson(smallRun()) as unknown as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }>;
    };
    doc.resourceSpans[0]!.scopeSpans[0]!.spans[2]!['spanId'] = 'zz';
    const result = await readOtlpFile(Readable.from([`\n${JSON.stringify(doc)}\n`]));
    expect(result.rejectedSpans).toBe(1);
    expect(result.issues[0]).toMatchObject({ line: 2, code: 'rejected_span' });
  });

  it('reads one pretty-printed OTLP JSON document', async () => {
    const text = JSON.stringify(encodeOtlpJson(smallRun()), null, 2);
    const result = await readOtlpFile(chunks(text, 100));
    expect(result.format).toBe('document');
    expect(result.issues).toEqual([]);
    expect(foldTraceGroups(result.traces).bundles).toHaveLength(1);
  });

  it('reads saved Jaeger and Tempo answers too', async () => {
    const text = JSON.stringify({ result: encodeOtlpJson(smallRun()) });
    const result = await readOtlpFile(Readable.from([text]));
    expect(result.spans).toBe(3);
  });

  it('skips traces that are not runs', async () => {
    const text = `${line(plainTrace(T3))}\n${line(smallRun())}\n`;
    const result = await readOtlpFile(Readable.from([text]));
    const folded = foldTraceGroups(result.traces);
    expect(folded.bundles).toHaveLength(1);
    expect(folded.skipped).toEqual([T3]);
    expect(foldTraceGroups(result.traces, { all: true }).bundles).toHaveLength(2);
  });

  it('reports progress in bytes and handles an empty input', async () => {
    const seen: number[] = [];
    const text = `${line(smallRun())}\n`;
    const result = await readOtlpFile(chunks(text, 64), { onProgress: (n) => seen.push(n) });
    expect(seen[seen.length - 1]).toBe(Buffer.byteLength(text));
    expect(result.bytesRead).toBe(Buffer.byteLength(text));
    const empty = await readOtlpFile(Readable.from([]));
    expect(empty).toMatchObject({ format: 'empty', documents: 0, spans: 0 });
  });

  it('skips a line longer than maxLineBytes that is no trace document, and reads on', async () => {
    const text = `${'x'.repeat(5000)}\n${line(smallRun())}\n`;
    const result = await readOtlpFile(chunks(text, 1000), { maxLineBytes: 4096 });
    expect(result.issues).toEqual([
      {
        line: 1,
        code: 'not_json',
        message:
          'line is longer than 4096 bytes and could not be read in parts (the line holds no JSON object); skipped',
      },
    ]);
    expect(result.spans).toBe(3);
  });

  it('reads a line longer than maxLineBytes in parts: the same spans, the same bundles', async () => {
    // Several random runs (odd strings, escapes, nested JSON text, many resources and scopes)
    // and a plain trace of 4,500 spans (three parts of at most 2,000) in one line.
    const runs = [3, 5, 8, 13].flatMap((seed) => randomRun(seed));
    const wide = Array.from({ length: 4500 }, (_, i) =>
      span({
        traceId: T3,
        spanId: (i + 1).toString(16).padStart(16, '0'),
        name: `step "${i}" [x] {y} \\ é`,
        scope: { name: i % 2 === 0 ? 'a' : 'b', version: '1' },
      }),
    );
    const one = line([...runs, ...wide]);
    const text = `${line(smallRun(T2))}\n${one}\n${line(plainTrace(T2))}\n`;
    const whole = await readOtlpFile(chunks(text, 65536));
    // Above the largest span (long contents), below the line.
    const parts = await readOtlpFile(chunks(text, 37), { maxLineBytes: 65536 });
    expect(Buffer.byteLength(one)).toBeGreaterThan(65536);
    expect(parts.issues).toEqual(whole.issues);
    expect(parts.documents).toBe(3);
    expect(parts.spans).toBe(whole.spans);
    expect(parts.rejectedSpans).toBe(whole.rejectedSpans);
    const hashes = (r: typeof whole): string[] =>
      foldTraceGroups(r.traces, { all: true }).bundles.map(
        (b) => `${b.traceId} ${b.bundle.integrity.sha256}`,
      );
    expect(hashes(parts)).toEqual(hashes(whole));
    expect(hashes(parts)).toHaveLength(6);
  });

  it('reads a long line in parts up to a resource that comes after its spans, and says so', async () => {
    const spans = Array.from({ length: 20 }, (_, i) =>
      span({ traceId: T3, spanId: (i + 1).toString(16).padStart(16, '0') }),
    );
    const doc = encodeOtlpJson(spans) as unknown as {
      resourceSpans: Array<Record<string, unknown>>;
    };
    const entry = doc.resourceSpans[0]!;
    // Spans first, then their resource: too late for the spans already given out.
    const late = `{"resourceSpans":[{"scopeSpans":${JSON.stringify(entry['scopeSpans'])},"resource":${JSON.stringify(entry['resource'])}}]}`;
    const result = await readOtlpFile(chunks(`${late}\n`, 50), { maxLineBytes: 1024 });
    expect(Buffer.byteLength(late)).toBeGreaterThan(1024);
    expect(result.spans).toBe(20);
    expect(result.issues).toEqual([
      {
        line: 1,
        code: 'not_json',
        message:
          'line is longer than 1024 bytes; read in 1 parts until a resource comes after spans of its entry; the rest skipped',
      },
    ]);
  });

  it('keeps at most maxIssues issues and counts the rest', async () => {
    const text = Array.from({ length: 10 }, () => '{bad}').join('\n');
    const result = await readOtlpFile(Readable.from([`${line(smallRun())}\n${text}`]), {
      maxIssues: 3,
    });
    expect(result.issues).toHaveLength(3);
    expect(result.issuesNotKept).toBe(7);
  });

  it('keeps the good lines of JSON lines whose first line is bad', async () => {
    const ids = [T2, T3, '00000000000000000000000000000def'];
    const good = ids.map((t) => line(smallRun(t)));
    for (const bad of ['{"resourceSpans": [ truncated', 'garbage', '{']) {
      const result = await readOtlpFile(chunks([bad, ...good].join('\n') + '\n', 50));
      expect(result.format).toBe('lines');
      expect(result.issues.map((i) => [i.line, i.code])).toEqual([[1, 'not_json']]);
      expect(foldTraceGroups(result.traces).bundles.map((b) => b.traceId)).toEqual([...ids].sort());
    }
    // Two bad lines first: the file does not parse as one document, so its lines are read.
    const two = await readOtlpFile(Readable.from([['{"a":', '[1,', ...good].join('\n')]));
    expect(two.format).toBe('lines');
    expect(two.issues.map((i) => [i.line, i.code])).toEqual([
      [1, 'not_json'],
      [2, 'not_json'],
    ]);
    expect(foldTraceGroups(two.traces).bundles).toHaveLength(3);
  });

  it('still reads a pretty-printed document, and reports one that does not parse once', async () => {
    const pretty = JSON.stringify(encodeOtlpJson(smallRun()), null, 2);
    const ok = await readOtlpFile(chunks(pretty, 100));
    expect(ok.format).toBe('document');
    expect(ok.issues).toEqual([]);
    const broken = await readOtlpFile(Readable.from([pretty.slice(0, -40)]));
    expect(broken.format).toBe('document');
    expect(broken.issues.map((i) => [i.line, i.code])).toEqual([[1, 'not_json']]);
  });

  it('stops reading an input larger than maxInputBytes, even one that never ends', async () => {
    async function* zeros(): AsyncGenerator<Uint8Array> {
      const chunk = new Uint8Array(64 * 1024);
      for (;;) yield chunk;
    }
    const err = await readOtlpFile(zeros(), { maxInputBytes: 8 * 1024 * 1024 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImportError);
    expect(err).toMatchObject({ code: 'too_large' });
    expect((err as Error).message).toContain('larger than 8388608 bytes');
  });

  it('keeps at most maxSpansPerTrace spans of a trace, across lines, and lists what it cut', async () => {
    const run = smallRun();
    const extra = Array.from({ length: 10 }, (_, i) =>
      span({
        spanId: `4${String(i).padStart(15, '0')}`,
        parentSpanId: '1000000000000001',
        name: `tool ${i}`,
      }),
    );
    const text = [line(run), line(extra.slice(0, 5)), line(extra.slice(5))].join('\n');
    const result = await readOtlpFile(Readable.from([text]), { maxSpansPerTrace: 6 });
    expect(result.spans).toBe(13);
    expect(result.traces.get(run[0]!.traceId)).toHaveLength(6);
    expect([...result.droppedSpans]).toEqual([[run[0]!.traceId, 7]]);
    const { bundles } = foldTraceGroups(result.traces, {
      truncated: new Set(result.droppedSpans.keys()),
    });
    expect(bundles[0]?.bundle.run.complete).toBe(false);
    expect(bundles[0]?.bundle.run.spanCount).toBe(6);
  });

  it('keeps the run span past the cap when it comes last, as a Collector writes it, and says how many were cut', async () => {
    const [root, ...rest] = smallRun();
    const extra = Array.from({ length: 10 }, (_, i) =>
      span({
        spanId: `4${String(i).padStart(15, '0')}`,
        parentSpanId: '1000000000000001',
        name: `tool ${i}`,
      }),
    );
    const text = [line([...rest, ...extra]), line([root!])].join('\n');
    const result = await readOtlpFile(Readable.from([text]), { maxSpansPerTrace: 6 });
    const kept = result.traces.get(root!.traceId)!;
    // Six spans, and the root over the cap: a trace keeps at most one span past it.
    expect(kept).toHaveLength(7);
    expect(kept.at(-1)?.spanId).toBe(root!.spanId);
    expect([...result.droppedSpans]).toEqual([[root!.traceId, rest.length + 10 - 6]]);
    const { bundles } = foldTraceGroups(result.traces, {
      cap: { maxSpansPerTrace: 6, dropped: result.droppedSpans },
    });
    const bundle = bundles[0]!.bundle;
    expect(bundle.run).toMatchObject({ complete: false, runId: 'run-1', spanCount: 7 });
    expect(bundle.diagnostics.filter((d) => d.code === 'spans_dropped')).toEqual([
      expect.objectContaining({ count: rest.length + 4 }),
    ]);
  });

  it('reads bytes that are not UTF-8 as U+FFFD and says so, keeping the line', async () => {
    const run = smallRun();
    const text = line(run).replace('"newsletter"', '"news\u0000letter"');
    const bytes = Buffer.from(text, 'utf8');
    bytes[bytes.indexOf(0)] = 0xff; // a byte no UTF-8 holds
    const result = await readOtlpFile(Readable.from([bytes]));
    expect(result.issues.map((i) => [i.line, i.code])).toEqual([[1, 'invalid_utf8']]);
    const { bundles } = foldTraceGroups(result.traces);
    expect(bundles[0]?.bundle.run.name).toBe('news\ufffdletter');
  });

  it('holds no more than maxDocumentBytes of a document that never ends its line', async () => {
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('{\n"resourceSpans": [\n');
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 64; i++) yield chunk; // 4 MiB of one line
    }
    const result = await readOtlpFile(endless(), { maxDocumentBytes: 1024 * 1024 });
    expect(result.format).toBe('document');
    expect(result.issues.map((i) => [i.line, i.code])).toEqual([[1, 'not_json']]);
    expect(result.issues[0]?.message).toContain('larger than 1048576 bytes');
  });
});
