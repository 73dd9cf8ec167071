import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunBundle } from '@llm-workbench/bundle';
import { runCli } from './run-cli.js';

describe('workbench demo', () => {
  it('writes a bundle with the snapshot, both gate events, receipts, two artifact versions and integrity', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-demo-'));
    const r = await runCli(['demo', '--out', dir]);
    expect(r.code).toBe(0);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const path = join(dir, files[0]!);
    expect(r.stdout.trim()).toBe(path);
    const text = readFileSync(path, 'utf8');
    const b = JSON.parse(text) as RunBundle;
    expect(b.run.workflowSnapshot).toMatchObject({ id: 'demo-newsletter' });
    expect(b.run.workflowSnapshot?.definition).toBeTruthy();
    expect(b.run.service).toBe('workbench-demo');
    expect(b.run.complete).toBe(true);
    const types = b.events.map((e) => e.type);
    expect(types).toContain('human_gate_requested');
    expect(types).toContain('human_gate_resolved');
    expect(b.model_io.length).toBeGreaterThanOrEqual(2);
    for (const m of b.model_io) {
      expect(m.usage.inputTokens).toBeGreaterThan(0);
      expect(m.usage.outputTokens).toBeGreaterThan(0);
      expect(m.durationMs).toBeGreaterThan(0);
      expect(m.cost?.currency).toBe('USD');
    }
    expect(b.artifacts.map((a) => [a.key, a.version])).toEqual([
      ['draft.md', 1],
      ['draft.md', 2],
    ]);
    expect(b.artifacts[1]?.patch).toContain('@@');
    expect(b.integrity.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.diagnostics).toEqual([]);

    // verify: passes on it; fails with a reason on a copy with one value changed; passes on a
    // re-indented copy with its keys reordered.
    expect((await runCli(['verify', path])).code).toBe(0);
    const changed = join(dir, 'changed.json');
    writeFileSync(changed, text.replace('"approved"', '"rejected"'));
    const bad = await runCli(['verify', changed]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('hash_mismatch');
    const reordered = join(dir, 'reordered.json');
    const reverse = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverse)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverse(x)]),
            )
          : v;
    writeFileSync(reordered, JSON.stringify(reverse(JSON.parse(text)), null, 3));
    expect((await runCli(['verify', reordered])).code).toBe(0);
  });

  it('refuses a bad --runs value, quoting it', async () => {
    const r = await runCli(['demo', '--runs', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"lots"');
  });

  it('says why it could not write its bundle, rather than "see above" with nothing above', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-demo-'));
    const notAFolder = join(dir, 'file');
    writeFileSync(notAFolder, 'x');
    for (const out of ['/dev/full', notAFolder]) {
      const r = await runCli(['demo', '--out', out]);
      expect(r.code).toBe(3);
      expect(r.stderr).not.toContain('see above');
      expect(r.stderr).toMatch(
        /0 of 1 written, 1 write error\(s\): .*the bundle sink failed: E[A-Z]+/,
      );
      expect(r.stdout).toBe('');
    }
  });

  it('--pause records the gated run in three processes and writes one bundle of the whole run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wb-demo-pause-'));
    const r = await runCli(['demo', '--pause', '--out', dir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [result] = JSON.parse(r.stdout) as Array<{
      runId: string;
      segments: string[];
      path: string;
      sha256: string;
    }>;
    // Three traces, three processes; one bundle, named by the first segment's trace.
    expect(new Set(result!.segments).size).toBe(3);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([
      `${result!.segments[0]}.json`,
    ]);
    expect(readdirSync(join(dir, '.open-runs'))).toEqual([]);
    const b = JSON.parse(readFileSync(result!.path, 'utf8')) as RunBundle;
    expect(b.integrity.sha256).toBe(result!.sha256);
    expect(b.run).toMatchObject({
      runId: result!.runId,
      complete: true,
      traceId: result!.segments[0],
    });
    expect(b.run.segments?.map((g) => [g.segment, g.state, g.traceId])).toEqual([
      [1, 'suspended', result!.segments[0]],
      [2, 'suspended', result!.segments[1]],
      [3, 'ended', result!.segments[2]],
    ]);
    expect(b.run.workflowSnapshot).toMatchObject({ id: 'demo-newsletter' });
    expect(b.events.filter((e) => e.type.startsWith('human_gate')).map((e) => e.type)).toEqual([
      'human_gate_requested',
      'human_gate_resolved',
    ]);
    expect(b.artifacts.map((a) => [a.key, a.version, a.parentVersion])).toEqual([
      ['draft.md', 1, null],
      ['draft.md', 2, 1],
    ]);
    expect(b.diagnostics).toEqual([]);
    expect((await runCli(['verify', result!.path])).code).toBe(0);

    // Found by run id; segments and the gate's wait across them shown.
    const show = await runCli(['show', '--run-id', result!.runId, dir]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`File       ${result!.path}`);
    expect(show.stdout).toMatch(/Segments {3}3 trace\(s\)\n/);
    expect(show.stdout).toContain(`── segment 3 (trace ${result!.segments[2]})`);
    expect(show.stdout).toMatch(/review +approved +editor@example\.com .* 1 → 3 /);
    expect(show.stdout).toMatch(/segment 1 {2}requested\n.*segment 3 {2}approved by editor/);
    const json = await runCli(['show', '--run-id', result!.runId, dir, '--json']);
    const shown = JSON.parse(json.stdout) as {
      file: string;
      otherFiles: string[];
      gates: Array<{ waitMs: number; history: Array<{ segment: number }> }>;
    };
    expect(shown.file).toBe(result!.path);
    expect(shown.otherFiles).toEqual([]);
    expect(shown.gates[0]!.waitMs).toBe(252_750);
    expect(shown.gates[0]!.history.map((h) => h.segment)).toEqual([1, 3]);

    const none = await runCli(['show', '--run-id', 'no-such-run', dir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no bundle of run "no-such-run"');
  });
});
