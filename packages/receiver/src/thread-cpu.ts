import { readFileSync } from 'node:fs';

/**
 * CPU time (user and system) of the calling thread, in seconds, or null where the platform does
 * not say (only Linux does, through `/proc/thread-self`). Node 20 has no per-thread CPU clock;
 * this lets `/metrics` tell the request thread's CPU from the fold worker's.
 *
 * @example
 * const before = threadCpuSeconds();
 */
export function threadCpuSeconds(): number | null {
  try {
    // Nanoseconds on the CPU: finer than the clock ticks of `stat`.
    const text = readFileSync('/proc/thread-self/schedstat', 'latin1');
    const ns = Number(text.slice(0, text.indexOf(' ')));
    if (Number.isFinite(ns) && ns > 0) return ns / 1e9;
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}
