import { foldRun, sealBundle, serializeBundle, type RunBundle } from '@llm-workbench/bundle';
import * as sc from '@llm-workbench/semconv';

export const TRACE_A = 'abcdef0123456789abcdef0123456789';
export const TRACE_B = '0123456789abcdef0123456789abcdef';

/** A sealed one-span run bundle; `name` changes its content (and hash). */
export function bundle(name = 'run', traceId = TRACE_A): RunBundle {
  const attributes = Object.assign(Object.create(null) as Record<string, string>, {
    [sc.ATTR_RUN_ID]: `run-${name}`,
    [sc.ATTR_RUN_NAME]: name,
  });
  return sealBundle(
    foldRun([
      {
        traceId,
        spanId: '1111111111111111',
        name: 'run',
        kind: 'internal',
        startTimeUnixNano: 1_764_151_842_000_000_000n,
        endTimeUnixNano: 1_764_151_843_000_000_000n,
        status: { code: 'ok' },
        attributes,
        events: [],
        resource: Object.create(null),
        scope: { name: 't' },
      },
    ]),
  );
}

export function bundleText(name = 'run', traceId = TRACE_A): string {
  return serializeBundle(bundle(name, traceId));
}

/** `text` with the character at `at` replaced by another one of the same kind. */
export function flipCharAt(text: string, at: number): string {
  const c = text[at]!;
  const next = /[0-9a-f]/.test(c) ? (c === '0' ? '1' : '0') : c === 'A' ? 'B' : 'A';
  return text.slice(0, at) + next + text.slice(at + 1);
}
