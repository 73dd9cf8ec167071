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
});
