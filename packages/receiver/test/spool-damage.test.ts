import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@llm-workbench/test-support';
import { checkFolder } from '../../sink/test/fixtures/read-folder.js';
import { bundleFiles, runRecords, send, sendSpans, tempDir } from './helpers.js';
import { startServeProcess } from './serve-process.js';

/** Where each record of a spool segment starts (its 8-byte header: length, CRC-32). */
function recordStarts(segment: Buffer): number[] {
  const starts: number[] = [];
  for (let pos = 0; pos + 8 <= segment.length; pos += 8 + segment.readUInt32LE(pos))
    starts.push(pos);
  return starts;
}

describe('workbench serve restarting on a damaged spool', () => {
  it(
    'recovers every acknowledged record but the damaged one after a SIGKILL and a flipped byte, and reports the damage in its log, its metrics and /healthz',
    { timeout: 120_000 },
    async () => {
      const data = tempDir();
      const out = tempDir();
      // Nothing is folded before the kill: every trace is in the spool only.
      let server = await startServeProcess(['--data', data, '--out', out, '--quiet-ms', '600000']);
      const traces = Array.from({ length: 60 }, () => runRecords(3));
      for (const [i, spans] of traces.entries())
        expect((await sendSpans(server.url, spans, i % 2 === 0 ? 'json' : 'protobuf')).status).toBe(
          200,
        );
      server.child.kill('SIGKILL');
      await server.exited;

      // One flipped byte a third into the segment, in the payload of the 21st record.
      const spoolDir = join(data, 'spool');
      const name = readdirSync(spoolDir).find((f) => f.endsWith('.wal')) as string;
      const segment = readFileSync(join(spoolDir, name));
      const starts = recordStarts(segment);
      expect(starts).toHaveLength(60); // one request, one record
      const hit = (starts[20] as number) + 8 + 40;
      segment[hit] = (segment[hit] as number) ^ 0x10;
      writeFileSync(join(spoolDir, name), segment);

      server = await startServeProcess(['--data', data, '--out', out, '--quiet-ms', '300']);
      try {
        const expected = traces
          .filter((_, i) => i !== 20)
          .map((t) => `${t[0]?.traceId}.json`)
          .sort();
        await waitUntil(
          () => (bundleFiles(out).length >= 59 ? true : undefined),
          'the bundles of the 59 undamaged traces',
          60_000,
        );
        expect(bundleFiles(out)).toEqual(expected);
        // Loud in the log …
        expect(server.stderr()).toMatch(
          new RegExp(
            `SPOOL DAMAGE in segment \\d+: the record at byte ${starts[20]} \\(\\d+ bytes\\) fails its checksum: skipped it, read on from byte ${starts[21]}; what it held is lost`,
          ),
        );
        expect(server.stderr()).toMatch(
          /recovered 177 spans of 59 traces from 59 spool records \(1 damaged, skipped: see above\)/,
        );
        // … in the metrics …
        const metrics = (
          await send(server.url, { method: 'GET', path: '/metrics' })
        ).body.toString();
        expect(metrics).toMatch(/^workbench_receiver_spool_damaged_records_total 1$/m);
        // … and in /healthz, which still answers 200: the receiver works, with a warning.
        const health = await send(server.url, { method: 'GET', path: '/healthz' });
        expect(health.status).toBe(200);
        expect(health.body.toString()).toMatch(
          new RegExp(`^ok\\nwarning: spool segment \\d+ damaged at byte ${starts[20]}`),
        );
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
        // The damaged segment is kept for inspection, whatever the spool has deleted since.
        const kept = readdirSync(join(data, 'damaged'));
        expect(kept).toHaveLength(1);
        expect(readFileSync(join(data, 'damaged', kept[0] as string))).toEqual(segment);
        expect(checkFolder(out)).toMatchObject({ ok: true, recorded: 59 });
      } finally {
        server.child.kill('SIGKILL');
      }
    },
  );
});
