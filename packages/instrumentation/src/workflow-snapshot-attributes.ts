import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_WORKFLOW_DEFINITION,
  ATTR_WORKFLOW_DEFINITION_PART_PREFIX,
  ATTR_WORKFLOW_DEFINITION_PARTS,
  ATTR_WORKFLOW_DEFINITION_SHA256,
  ATTR_WORKFLOW_ID,
  ATTR_WORKFLOW_REVISION,
  INLINE_LIMIT_BYTES,
} from '@llm-workbench/semconv';
import { canonicalize } from 'json-canonicalize';
import { describe, type Reporter } from './reporter.js';
import { sha256Hex } from './sha256-hex.js';
import { splitUtf8 } from '@llm-workbench/bundle';
import { hasLoneSurrogate } from './to-well-formed.js';
import type { WorkflowInfo } from './types.js';

/**
 * Most parts a definition is split into. The SDK keeps at most 128 attributes per event by
 * default (`attributePerEventCountLimit`) and would silently drop the rest, leaving a definition
 * that no longer parses; above this (about 240 kB) the definition is left out, with its hash kept.
 */
export const MAX_DEFINITION_PARTS = 120;

/**
 * The attributes of a `workbench.workflow.snapshot` event: id, revision, the definition as JSON
 * text (whole, or in parts of at most INLINE_LIMIT_BYTES split on code point boundaries) and the
 * sha256 of its RFC 8785 form. Never throws; what it cannot record it reports.
 *
 * @example
 * span.addEvent(EVENT_WORKFLOW_SNAPSHOT, workflowSnapshotAttributes(workflow, reporter));
 */
export function workflowSnapshotAttributes(workflow: WorkflowInfo, reporter: Reporter): Attributes {
  const attributes: Attributes = {};
  if (typeof workflow.id === 'string') attributes[ATTR_WORKFLOW_ID] = workflow.id;
  else reporter.warn('bad_workflow', 'workflow.id is not a string; left out');
  if (typeof workflow.revision === 'string') attributes[ATTR_WORKFLOW_REVISION] = workflow.revision;
  else reporter.warn('bad_workflow', 'workflow.revision is not a string; left out');

  const text = definitionText(workflow.definition, reporter);
  if (text === undefined) return attributes;

  const sha256 = definitionSha256(text, reporter);
  if (sha256 !== undefined) attributes[ATTR_WORKFLOW_DEFINITION_SHA256] = sha256;

  if (Buffer.byteLength(text, 'utf8') <= INLINE_LIMIT_BYTES) {
    attributes[ATTR_WORKFLOW_DEFINITION] = text;
    return attributes;
  }
  const parts = splitUtf8(text, INLINE_LIMIT_BYTES);
  if (parts.length > MAX_DEFINITION_PARTS) {
    reporter.warn(
      'definition_too_large',
      `workflow definition needs ${parts.length} parts of ${INLINE_LIMIT_BYTES} bytes, more than ` +
        `${MAX_DEFINITION_PARTS}; left out, its sha256 kept`,
    );
    return attributes;
  }
  attributes[ATTR_WORKFLOW_DEFINITION_PARTS] = parts.length;
  parts.forEach((part, i) => {
    attributes[`${ATTR_WORKFLOW_DEFINITION_PART_PREFIX}${i}`] = part;
  });
  return attributes;
}

function definitionText(definition: unknown, reporter: Reporter): string | undefined {
  try {
    const text: unknown = JSON.stringify(definition);
    if (typeof text === 'string') return text;
    reporter.warn('bad_definition', 'workflow.definition is not JSON-serializable; left out');
  } catch (err) {
    reporter.warn(
      'bad_definition',
      `workflow.definition cannot be serialized (${describe(err)}); left out`,
    );
  }
  return undefined;
}

/**
 * The hash is of the RFC 8785 form of what the fold will parse: the recorded text, not the
 * caller's object (whose `toJSON`, `undefined` and NaN JSON.stringify already settled). The
 * pinned canonicalizer mishandles two things RFC 8785 rejects or orders differently, lone
 * surrogates and objects with a `toJSON` member, so for those the recommended hash is left out
 * rather than risk a wrong one; the fold recomputes it from the definition anyway.
 */
function definitionSha256(text: string, reporter: Reporter): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isSafelyCanonicalizable(parsed)) {
      reporter.warn(
        'definition_not_canonical',
        'workflow.definition has a lone surrogate or a "toJSON" key; its sha256 is left out',
      );
      return undefined;
    }
    return sha256Hex(canonicalize(parsed));
  } catch (err) {
    reporter.error('definition_hash_failed', 'could not hash workflow.definition', err);
    return undefined;
  }
}

function isSafelyCanonicalizable(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (hasLoneSurrogate(item)) return false;
    } else if (Array.isArray(item)) {
      for (const element of item as unknown[]) stack.push(element);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, member] of Object.entries(item)) {
        if (key === 'toJSON' || hasLoneSurrogate(key)) return false;
        stack.push(member);
      }
    }
  }
  return true;
}
