import * as sc from '@llm-workbench/semconv';
import { utf8Length } from './attribute-values.js';

/**
 * The subject of an `identifier_truncated` diagnostic about a span's name (which is no
 * attribute): the step's or the run's name as the bundle holds it.
 */
export const SPAN_NAME_SUBJECT = 'span.name';

/** The subject of an `identifier_truncated` diagnostic about the name of a span's event. */
export const EVENT_NAME_SUBJECT = 'event.name';

/** The workbench attributes a bundle holds as identifiers, with the bytes it keeps of each. */
const LIMITS: ReadonlyMap<string, number> = new Map<string, number>([
  ...[
    sc.ATTR_RUN_ID,
    sc.ATTR_STEP_ID,
    sc.ATTR_STEP_KIND,
    sc.ATTR_GATE_ID,
    sc.ATTR_GATE_POLICY,
    sc.ATTR_GATE_DECISION,
    sc.ATTR_GATE_ACTOR,
    sc.ATTR_GATE_SUBJECT_ARTIFACT_KEY,
    sc.ATTR_GATE_SUBJECT_TOOL_NAME,
    sc.ATTR_GATE_SUBJECT_TOOL_CALL_ID,
    sc.ATTR_ARTIFACT_KEY,
    sc.ATTR_ARTIFACT_MEDIA_TYPE,
    sc.ATTR_WORKFLOW_ID,
    sc.ATTR_WORKFLOW_REVISION,
    sc.ATTR_MODEL_IO_COST_CURRENCY,
  ].map((key) => [key, sc.IDENTIFIER_LIMIT_BYTES] as const),
  // A run's name is its span's name when it has no workbench.run.name: the same limit for both.
  [sc.ATTR_RUN_NAME, sc.INLINE_LIMIT_BYTES],
  [sc.ATTR_GATE_REASON, sc.INLINE_LIMIT_BYTES],
  [SPAN_NAME_SUBJECT, sc.INLINE_LIMIT_BYTES],
  [EVENT_NAME_SUBJECT, sc.INLINE_LIMIT_BYTES],
]);

/**
 * How many UTF-8 bytes of a string attribute (or of a span's or event's name,
 * {@link SPAN_NAME_SUBJECT}, {@link EVENT_NAME_SUBJECT}) a bundle keeps, or undefined for one it
 * does not bound this way.
 *
 * @example
 * identifierLimit('workbench.gate.actor'); // 256
 */
export function identifierLimit(key: string): number | undefined {
  return LIMITS.get(key);
}

/**
 * The longest prefix of `s` of at most `maxBytes` UTF-8 bytes that does not split a character
 * (a surrogate pair stays whole or goes).
 *
 * @example
 * cutUtf8('héllo', 2); // 'h'
 */
export function cutUtf8(s: string, maxBytes: number): string {
  if (s.length <= maxBytes / 3 || utf8Length(s) <= maxBytes) return s;
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return s.slice(0, i);
}
