import { randomUUID } from 'node:crypto';

/**
 * The default run id: `run-` and the UTC date and time to the second, then 12 random hex digits
 * (48 bits) so that runs started in the same second stay distinct. Sorts by start time as text,
 * and is safe in file names and URLs.
 *
 * @example
 * generateRunId(); // 'run-20261126-101042-3f9a1c2b7d4e'
 */
export function generateRunId(now: Date = new Date()): string {
  const stamp = now.toISOString(); // 2026-11-26T10:10:42.123Z
  const date = stamp.slice(0, 10).replaceAll('-', '');
  const time = stamp.slice(11, 19).replaceAll(':', '');
  // The first 12 hex digits of a v4 UUID are all random (the version nibble comes after).
  const uuid = randomUUID();
  const random = uuid.slice(0, 8) + uuid.slice(9, 13);
  return `run-${date}-${time}-${random}`;
}
