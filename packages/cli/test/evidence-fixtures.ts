import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  attributesFrom,
  foldRun,
  sealBundle,
  serializeBundle,
  verifyBundle,
} from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';
import { runCli } from './run-cli.js';

/** A fresh temporary folder. */
export function tempDir(prefix = 'wb-evidence-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The text of a sealed one-span bundle; `name` changes its content (and hash). */
export function bundleText(name = 'run', traceId = 'abcdef0123456789abcdef0123456789'): string {
  return serializeBundle(
    sealBundle(
      foldRun([
        {
          traceId,
          spanId: '1111111111111111',
          name: 'run',
          kind: 'internal',
          startTimeUnixNano: 1_764_151_842_000_000_000n,
          endTimeUnixNano: 1_764_151_843_000_000_000n,
          status: { code: 'ok' },
          attributes: attributesFrom([
            [sc.ATTR_RUN_ID, `run-${name}`],
            [sc.ATTR_RUN_NAME, name],
          ]),
          events: [],
          resource: attributesFrom([]),
          scope: { name: 't' },
        },
      ]),
    ),
  );
}

/** The `integrity.sha256` of a bundle text that verifies. */
export function sha256Of(text: string): string {
  const r = verifyBundle(text);
  if (!r.ok) throw new Error('fixture bundle does not verify');
  return r.sha256;
}

/** Writes a bundle named `name`.json into `dir` and returns its path. */
export function writeBundle(dir: string, name: string, text = bundleText(name)): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, text);
  return path;
}

/** Makes a key pair with `workbench keygen` and returns its two paths and key id. */
export async function keygen(
  dir: string,
  name: string,
): Promise<{ key: string; pub: string; keyId: string }> {
  const r = await runCli(['keygen', '-o', join(dir, name), '--json']);
  if (r.code !== 0) throw new Error(`keygen failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { keyId: string; privateKey: string; publicKey: string };
  return { key: out.privateKey, pub: out.publicKey, keyId: out.keyId };
}

/** The text with the character at `at` replaced by another one of the same kind. */
export function flipCharAt(text: string, at: number): string {
  const c = text[at]!;
  const next = /[0-9a-f]/.test(c) ? (c === '0' ? '1' : '0') : c === 'A' ? 'B' : 'A';
  return text.slice(0, at) + next + text.slice(at + 1);
}

/** Reads a JSON file. */
export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
