import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { foldRun, sealBundle, type SpanRecord } from '@llm-workbench/bundle';
import { encodeOtlpJson } from '@llm-workbench/otlp';
import { foldTraceGroups, readOtlpFile } from '../src/index.js';
import { randomRun, smallRun } from './fixtures.js';

type Json = Record<string, unknown>;

const isOurs = (name: string): boolean => name.startsWith('workbench.');

/**
 * The run as a Collector file exporter writes it when the app records events as log records:
 * span lines without workbench events, and `resourceLogs` lines holding those events.
 */
function collectorLines(run: SpanRecord[]): { spanLines: string[]; logLines: string[] } {
  const stripped = run.map((s) => ({ ...s, events: s.events.filter((e) => !isOurs(e.name)) }));
  const encoded = encodeOtlpJson(run) as unknown as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: Json[] }> }>;
  };
  const records: Json[] = [];
  for (const rs of encoded.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans)
        for (const e of (span['events'] as Json[] | undefined) ?? []) {
          if (!isOurs(e['name'] as string)) continue;
          records.push({
            timeUnixNano: e['timeUnixNano'],
            observedTimeUnixNano: e['timeUnixNano'],
            severityNumber: 0,
            body: {},
            eventName: e['name'],
            attributes: e['attributes'],
            traceId: span['traceId'],
            spanId: span['spanId'],
          });
        }
  const half = Math.ceil(records.length / 2);
  const logLine = (logRecords: Json[]): string =>
    JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] },
          scopeLogs: [{ scope: { name: '@llm-workbench/instrumentation' }, logRecords }],
        },
      ],
    });
  return {
    spanLines: [
      JSON.stringify(encodeOtlpJson(stripped.slice(0, 1))),
      JSON.stringify(encodeOtlpJson(stripped.slice(1))),
    ],
    logLines: [logLine(records.slice(half)), logLine(records.slice(0, half))],
  };
}

describe('readOtlpFile with resourceLogs lines', () => {
  it('folds a run recorded as log records to the hash of the span-event run', async () => {
    for (const run of [smallRun(), randomRun(7), randomRun(11)]) {
      const { spanLines, logLines } = collectorLines(run);
      expect(logLines.join('')).toContain('workbench.');
      // Logs first, spans after, one batch a line, as two pipelines append to one file.
      const text = [logLines[0], spanLines[1], logLines[1], spanLines[0]].join('\n') + '\n';
      const result = await readOtlpFile(Readable.from([text]));
      expect(result.issues).toEqual([]);
      expect(result.droppedLogEvents).toBe(0);
      const { bundles } = foldTraceGroups(result.traces, { logEvents: result.logEvents });
      expect(bundles).toHaveLength(1);
      expect(bundles[0]!.bundle.integrity.sha256).toBe(sealBundle(foldRun(run)).integrity.sha256);
    }
  });

  it('reports refused log records by line and keeps the rest of the file', async () => {
    const run = smallRun();
    const { spanLines, logLines } = collectorLines(run);
    const bad = JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { eventName: 'workbench.artifact', traceId: run[0]!.traceId, spanId: 'nope' },
              ],
            },
          ],
        },
      ],
    });
    const text = [...spanLines, bad, ...logLines].join('\n');
    const result = await readOtlpFile(Readable.from([text]));
    expect(result.issues).toMatchObject([{ line: 3, code: 'rejected_log_record' }]);
    const { bundles } = foldTraceGroups(result.traces, { logEvents: result.logEvents });
    expect(bundles[0]!.bundle.integrity.sha256).toBe(sealBundle(foldRun(run)).integrity.sha256);
  });
});
