const PENDING = new Error('pending');

/**
 * Polls `check` with vitest's `vi.waitFor` until it returns a value other than `undefined`,
 * `null` or `false`, and resolves with it; rejects with `timed out waiting for <what>` after
 * `timeoutMs`, or at once with what `check` throws (a child process that exited, say). vitest is
 * loaded when first called, so that a module of test helpers can be imported by a child process.
 *
 * @example
 * const file = await waitUntil(() => readdirSync(dir)[0], 'a bundle', 5_000);
 */
export async function waitUntil<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const { vi } = await import('vitest');
  const outcome = await vi
    .waitFor(
      async (): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> => {
        let value: T | undefined | null | false;
        try {
          value = await check();
        } catch (error) {
          return { ok: false, error };
        }
        if (value === undefined || value === null || value === false) throw PENDING;
        return { ok: true, value };
      },
      { timeout: timeoutMs, interval: 20 },
    )
    .catch((error: unknown) => {
      throw error === PENDING ? new Error(`timed out waiting for ${what}`) : error;
    });
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
