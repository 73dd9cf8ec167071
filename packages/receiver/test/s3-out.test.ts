import { describe, expect, it } from 'vitest';
import { parseServeArgs, runServeCommand } from '../src/index.js';

function io() {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'never-printed-secret' },
      stop: Promise.resolve(),
    },
    out: () => ({ stdout, stderr }),
  };
}

describe('workbench serve --out s3://', () => {
  it('takes --s3-endpoint as a flag', () => {
    expect(parseServeArgs(['--out', 's3://b/p', '--s3-endpoint', 'http://127.0.0.1:1'])).toEqual({
      ok: true,
      flags: { out: 's3://b/p', 's3-endpoint': 'http://127.0.0.1:1' },
    });
  });

  it('refuses a bad bucket or prefix with exit 2, before listening', async () => {
    for (const out of ['s3://Bad_Bucket/p', 's3://bundles/../up']) {
      const t = io();
      expect(await runServeCommand(['--port', '0', '--out', out], t.io)).toBe(2);
      expect(t.out().stderr).toMatch(/^workbench serve: --out: /);
      expect(t.out().stdout).toBe('');
    }
  });

  it('fails to start with exit 3 and a reason when the bucket is out of reach, never printing the secret', async () => {
    const t = io();
    const code = await runServeCommand(
      ['--port', '0', '--out', 's3://bundles/p', '--s3-endpoint', 'http://127.0.0.1:9'],
      t.io,
    );
    expect(code).toBe(3);
    expect(t.out().stderr).toMatch(/--out: s3:\/\/bundles\/p: .*ECONNREFUSED/);
    expect(t.out().stderr).not.toContain('never-printed-secret');
  }, 90_000);
});
