/**
 * The resume token of a suspended run: what another process needs to continue the run as its next
 * segment. JSON text, versioned, small, and holding no content (no prompts, no artifact texts):
 * only ids, the gates still open and the artifact versions reached.
 */
export interface ResumeTokenData {
  /** The run id, `workbench.run.id`. */
  readonly runId: string;
  /** The run's name. */
  readonly name: string;
  /** The number of the segment the resume starts (the suspended one's plus 1). */
  readonly segment: number;
  /** The run span of the suspended segment, which the next one links to. */
  readonly previous: { readonly traceId: string; readonly spanId: string };
  /** Gate ids requested and not yet resolved when the run was suspended, in request order. */
  readonly openGates: readonly string[];
  /** The last version of each artifact key, so versions continue across segments. */
  readonly artifacts: ReadonlyArray<readonly [key: string, version: number]>;
  /** The workflow the run follows (its snapshot is on segment 1), when it had one. */
  readonly workflow: { readonly id: string; readonly revision: string } | null;
}

/** The `type` member every token carries, so a stray JSON text is not taken for one. */
export const RESUME_TOKEN_TYPE = 'llm-workbench.resume';
/** The token format version this package writes and reads. */
export const RESUME_TOKEN_VERSION = 1;
/** Longest token text read, in UTF-16 code units: a token is small; anything larger is refused. */
export const MAX_RESUME_TOKEN_LENGTH = 1_048_576;
/** Most open gates and artifact keys a token carries; the rest are left out (and reported). */
export const MAX_TOKEN_ENTRIES = 10_000;

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

/**
 * The token text of a suspended run.
 *
 * @example
 * const text = encodeResumeToken({ runId: 'r1', name: 'newsletter', segment: 2, previous, openGates: ['review'], artifacts: [['draft.md', 1]], workflow: null });
 */
export function encodeResumeToken(data: ResumeTokenData): string {
  return JSON.stringify({
    type: RESUME_TOKEN_TYPE,
    v: RESUME_TOKEN_VERSION,
    runId: data.runId,
    name: data.name,
    segment: data.segment,
    previous: { traceId: data.previous.traceId, spanId: data.previous.spanId },
    openGates: data.openGates,
    artifacts: data.artifacts,
    workflow: data.workflow,
  });
}

/**
 * Reads a token text back, checking every member: `{ ok: true, token }` or `{ ok: false, reason }`.
 * Never throws.
 *
 * @example
 * const read = parseResumeToken(text);
 * if (read.ok) console.log(read.token.segment);
 */
export function parseResumeToken(
  text: unknown,
): { ok: true; token: ResumeTokenData } | { ok: false; reason: string } {
  if (typeof text !== 'string') return { ok: false, reason: `the token is a ${typeof text}` };
  if (text.length > MAX_RESUME_TOKEN_LENGTH) {
    return { ok: false, reason: `the token is longer than ${MAX_RESUME_TOKEN_LENGTH} characters` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the token is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'the token is not a JSON object' };
  }
  const t = value as Record<string, unknown>;
  if (t['type'] !== RESUME_TOKEN_TYPE)
    return { ok: false, reason: 'the token has no workbench type' };
  if (t['v'] !== RESUME_TOKEN_VERSION) {
    return {
      ok: false,
      reason: `token version ${JSON.stringify(t['v'])} is not ${RESUME_TOKEN_VERSION}`,
    };
  }
  const runId = t['runId'];
  const name = t['name'];
  const segment = t['segment'];
  const previous = t['previous'] as Record<string, unknown> | null | undefined;
  if (typeof runId !== 'string' || runId === '') return { ok: false, reason: 'runId is missing' };
  if (typeof name !== 'string' || name === '') return { ok: false, reason: 'name is missing' };
  if (typeof segment !== 'number' || !Number.isSafeInteger(segment) || segment < 2) {
    return { ok: false, reason: 'segment is not an integer of at least 2' };
  }
  if (
    typeof previous !== 'object' ||
    previous === null ||
    typeof previous['traceId'] !== 'string' ||
    !HEX32.test(previous['traceId']) ||
    typeof previous['spanId'] !== 'string' ||
    !HEX16.test(previous['spanId'])
  ) {
    return { ok: false, reason: 'previous is not a trace id and span id' };
  }
  const openGates = t['openGates'];
  if (!Array.isArray(openGates) || !openGates.every((g) => typeof g === 'string' && g !== '')) {
    return { ok: false, reason: 'openGates is not a list of gate ids' };
  }
  const artifacts = t['artifacts'];
  if (
    !Array.isArray(artifacts) ||
    !artifacts.every(
      (a) =>
        Array.isArray(a) &&
        a.length === 2 &&
        typeof a[0] === 'string' &&
        typeof a[1] === 'number' &&
        Number.isSafeInteger(a[1]) &&
        a[1] >= 1,
    )
  ) {
    return { ok: false, reason: 'artifacts is not a list of [key, version] pairs' };
  }
  const workflow = t['workflow'] as Record<string, unknown> | null | undefined;
  if (
    workflow !== null &&
    (typeof workflow !== 'object' ||
      typeof workflow['id'] !== 'string' ||
      typeof workflow['revision'] !== 'string')
  ) {
    return { ok: false, reason: 'workflow is neither null nor an id and revision' };
  }
  return {
    ok: true,
    token: {
      runId,
      name,
      segment,
      previous: { traceId: previous['traceId'], spanId: previous['spanId'] },
      openGates: (openGates as string[]).slice(0, MAX_TOKEN_ENTRIES),
      artifacts: (artifacts as Array<[string, number]>)
        .slice(0, MAX_TOKEN_ENTRIES)
        .map(([k, v]) => [k, v] as const),
      workflow:
        workflow === null
          ? null
          : { id: workflow['id'] as string, revision: workflow['revision'] as string },
    },
  };
}
