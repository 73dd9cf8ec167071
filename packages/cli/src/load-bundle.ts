import {
  anyRunBundleSchema,
  upgradeBundle,
  verifyBundle,
  type RunBundle,
  type RunBundleV1,
  type RunBundleV2,
  type VerifyResult,
} from '@llm-workbench/bundle';
import { CliError, EXIT } from './io.js';
import { readInput } from './read-input.js';
import type { S3InputSettings } from './s3-input.js';

/** A bundle read for display: shown even when its integrity fails, as long as its shape is right. */
export interface LoadedBundle {
  bundle: RunBundle;
  verification: VerifyResult;
}

/**
 * Reads (a file, `-` or an `s3://` object) and verifies a bundle; refuses (exit 1) only when it is
 * not a bundle at all.
 */
export async function loadBundle(
  path: string,
  stdin: NodeJS.ReadableStream,
  s3: S3InputSettings = {},
): Promise<LoadedBundle> {
  const text = await readInput(path, stdin, s3);
  const verification = verifyBundle(text);
  if (verification.ok) return { bundle: verification.bundle, verification };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not JSON`, EXIT.failed);
  }
  const parsed = anyRunBundleSchema.safeParse(value);
  if (!parsed.success) {
    const p = verification.problems[0];
    throw new CliError(
      `${path} is not a valid bundle: ${p?.code ?? 'schema'}${p?.path ? ` at ${p.path}` : ''}: ${p?.message ?? ''}`,
      EXIT.failed,
    );
  }
  const bundle = upgradeBundle(value as RunBundleV1 | RunBundleV2 | RunBundle);
  return { bundle, verification };
}
