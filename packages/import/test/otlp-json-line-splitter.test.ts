import { describe, expect, it } from 'vitest';
import { OtlpJsonLineSplitter, type SplitOutcome } from '../src/otlp-json-line-splitter.js';

function split(
  text: string,
  chunk: number,
  spansPerPart = 2,
  maxValueBytes = 1000,
): { parts: unknown[]; outcome: SplitOutcome } {
  const parts: unknown[] = [];
  const splitter = new OtlpJsonLineSplitter((p) => parts.push(JSON.parse(p.toString('utf8'))), {
    spansPerPart,
    maxValueBytes,
  });
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunk) splitter.push(bytes.subarray(i, i + chunk));
  return { parts, outcome: splitter.end() };
}

describe('OtlpJsonLineSplitter', () => {
  it('gives each part its resource and scope, whatever the chunk size', () => {
    const doc = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'k', value: { stringValue: 'a "}] {[' } }] },
          scopeSpans: [
            { scope: { name: 's1' }, spans: [{ n: 1 }, { n: 2 }, { n: '3 \\ "]' }] },
            { scope: { name: 's2' }, spans: [{ n: 4 }] },
          ],
          schemaUrl: 'https://example.com',
        },
        { resource: { attributes: [] }, scopeSpans: [{ scope: null, spans: [{ n: 5 }] }] },
      ],
    };
    const resource = doc.resourceSpans[0]!.resource;
    const want = [
      {
        resourceSpans: [
          { resource, scopeSpans: [{ scope: { name: 's1' }, spans: [{ n: 1 }, { n: 2 }] }] },
        ],
      },
      {
        resourceSpans: [
          { resource, scopeSpans: [{ scope: { name: 's1' }, spans: [{ n: '3 \\ "]' }] }] },
        ],
      },
      { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 's2' }, spans: [{ n: 4 }] }] }] },
      {
        resourceSpans: [
          { resource: { attributes: [] }, scopeSpans: [{ scope: null, spans: [{ n: 5 }] }] },
        ],
      },
    ];
    for (const chunk of [1, 3, 7, 64, 4096]) {
      const { parts, outcome } = split(JSON.stringify(doc, null, chunk === 3 ? 1 : 0), chunk);
      expect(outcome).toEqual({ ok: true, parts: 4 });
      expect(parts).toEqual(want);
    }
  });

  it('keeps the key names it was given: legacy, snake_case and escaped', () => {
    const text =
      '{"resource_spans":[{"instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"old"},"spans":[{"n":1}]}]}]}';
    const { parts, outcome } = split(text, 5);
    expect(outcome.ok).toBe(true);
    expect(parts).toEqual([JSON.parse(text)]);
    const escaped = '{"resource\\u0053pans":[{"scopeSpans":[{"spans":[{"n":1}]}]}]}';
    expect(split(escaped, 4).parts).toEqual([JSON.parse(escaped)]);
  });

  it('stops, keeping what it gave out, at a value too large or a document of another shape', () => {
    const big = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"n":1},{"s":"${'x'.repeat(2000)}"},{"n":3}]}]}]}`;
    const tooLarge = split(big, 100, 10);
    expect(tooLarge.outcome).toEqual({
      ok: false,
      message: 'a span is larger than 1000 bytes',
      parts: 1,
    });
    expect(tooLarge.parts).toEqual([{ resourceSpans: [{ scopeSpans: [{ spans: [{ n: 1 }] }] }] }]);
    // Nothing after the point it stopped: not the next entry's spans either.
    const late =
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"n":1}]}],"resource":null},{"scopeSpans":[{"spans":[{"n":2}]}]}]}';
    const stopped = split(late, 4096);
    expect(stopped.outcome).toEqual({
      ok: false,
      message: 'a resource comes after spans of its entry',
      parts: 1,
    });
    expect(stopped.parts).toEqual([{ resourceSpans: [{ scopeSpans: [{ spans: [{ n: 1 }] }] }] }]);
    expect(split('{"resourceLogs":[]}', 3).outcome).toEqual({
      ok: false,
      message: 'no resourceSpans in it (only trace documents are read in parts)',
      parts: 0,
    });
    expect(split('{"resourceSpans":[{"scopeSpans":[', 3).outcome).toMatchObject({
      ok: false,
      message: 'the line ends before its JSON document does',
    });
    expect(split('[1,2]', 3).outcome).toMatchObject({ message: 'the line is not a JSON object' });
    expect(split('{} {}', 3).outcome).toMatchObject({
      message: 'more than one JSON value on the line',
    });
    expect(split(`{"resourceSpans":${'['.repeat(100_000)}`, 4096).outcome).toMatchObject({
      message: 'the document nests deeper than 1000 levels',
    });
  });
});
