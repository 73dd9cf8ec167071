import { createHash } from 'node:crypto';
import * as sc from '@llm-workbench/semconv';
import { toBundleValue, utf8Length } from '../attribute-values.js';
import { canonicalize } from '../canonicalize.js';
import type { JsonValue } from '../types.js';
import { GEN_AI } from './gen-ai.js';
import { normalizeProvider } from './normalize-provider.js';
import { OPENINFERENCE } from './openinference.js';
import { OPENLLMETRY } from './openllmetry.js';
import { VERCEL_AI } from './vercel-ai.js';
import {
  INT_FIELDS,
  NUMBER_FIELDS,
  STRING_FIELDS,
  type ContentSource,
  type FieldReader,
  type FieldSource,
  type ReceiptFields,
  type Vocabulary,
  type VocabularyName,
} from './vocabulary.js';

/**
 * Every vocabulary the fold reads model calls in, in precedence order: the GenAI conventions (their
 * current names before their older ones), then the other families. (An explicit `workbench.model_io`
 * event comes before all of them: the fold reads it apart.)
 */
export const VOCABULARIES: readonly Vocabulary[] = [GEN_AI, OPENINFERENCE, VERCEL_AI, OPENLLMETRY];

/** A commitment to content a span carried: its sha256, never the content itself. */
export interface ContentCommitment {
  sha256: string | null;
  /** Set when a content attribute is longer than the inline limit, which backends may truncate. */
  omitted: 'over_inline_limit' | null;
}

/** What the vocabularies read of one model-call span. */
export interface ModelCallReading {
  fields: ReceiptFields;
  /** The raw provider value, before normalization. */
  providerRaw: string | null;
  /** The vocabularies read, in precedence order: those that recognize the span as a model call. */
  vocabularies: VocabularyName[];
  /** Content commitments, null when the span carried no content. */
  input: ContentCommitment | null;
  output: ContentCommitment | null;
}

/** Whether any vocabulary recognizes the span as one model call. */
export function isModelCallSpan(r: FieldReader): boolean {
  return VOCABULARIES.some((v) => v.isModelCall(r));
}

/**
 * Reads a model-call span through every vocabulary that recognizes it, field by field in
 * precedence order (first found wins); null when none recognizes it.
 *
 * @example
 * const reading = readModelCall(reader);
 * reading?.fields.provider; // 'openai' for ai.model.provider = 'openai.chat'
 */
export function readModelCall(r: FieldReader): ModelCallReading | null {
  const vocabularies = VOCABULARIES.filter((v) => v.isModelCall(r));
  return vocabularies.length === 0 ? null : readWith(r, vocabularies);
}

/**
 * Reads the fields of the given vocabularies, in their order, whether or not they recognize the
 * span (a `workbench.model_io` event uses the GenAI names under its own contract).
 */
export function readWith(r: FieldReader, vocabularies: readonly Vocabulary[]): ModelCallReading {
  const fields = emptyFields();
  const pick = <T>(field: keyof ReceiptFields, read: (s: FieldSource<T>) => T | null): T | null => {
    for (const v of vocabularies) {
      for (const source of (v.fields[field] ?? []) as ReadonlyArray<FieldSource<T>>) {
        const value = read(source);
        if (value !== null) return value;
      }
    }
    return null;
  };
  for (const f of STRING_FIELDS) {
    fields[f] = pick<string>(f, (s) => (typeof s === 'string' ? r.str(s) : s(r)));
  }
  for (const f of INT_FIELDS) {
    fields[f] = pick<number>(f, (s) => (typeof s === 'string' ? r.int(s) : s(r)));
  }
  for (const f of NUMBER_FIELDS) {
    fields[f] = pick<number>(f, (s) => (typeof s === 'string' ? r.num(s) : s(r)));
  }
  const providerRaw = fields.provider;
  if (providerRaw !== null) fields.provider = normalizeProvider(providerRaw);
  return {
    fields,
    providerRaw,
    vocabularies: vocabularies.map((v) => v.name),
    input: commitContent(
      r,
      vocabularies.map((v) => v.input),
    ),
    output: commitContent(
      r,
      vocabularies.map((v) => v.output),
    ),
  };
}

/** Receipt fields with nothing read. */
export function emptyFields(): ReceiptFields {
  return {
    provider: null,
    model: null,
    responseModel: null,
    operation: null,
    inputTokens: null,
    outputTokens: null,
    cacheReadInputTokens: null,
    cacheWriteInputTokens: null,
    reasoningOutputTokens: null,
    textInputTokens: null,
    imageInputTokens: null,
    audioInputTokens: null,
    textOutputTokens: null,
    imageOutputTokens: null,
    audioOutputTokens: null,
    textCacheReadInputTokens: null,
    imageCacheReadInputTokens: null,
    audioCacheReadInputTokens: null,
    costAmount: null,
    costCurrency: null,
  };
}

/**
 * The commitment to the content of the first vocabulary that carries any (one list of sources per
 * vocabulary, in precedence order): sha256 of the value when it is one string attribute, else of
 * the RFC 8785 text of `{attribute: value}` over every attribute it carries. An attribute past the
 * inline limit leaves no commitment (a backend may have truncated it, and one run must give one
 * hash on every path).
 */
export function commitContent(
  r: FieldReader,
  sourceLists: ReadonlyArray<readonly ContentSource[]>,
): ContentCommitment | null {
  for (const sources of sourceLists) {
    const keys = contentKeys(r, sources);
    if (keys.length === 0) continue;
    const values: Record<string, JsonValue> = {};
    for (const key of keys) {
      const value = r.raw(key);
      if (value === undefined) continue;
      if (typeof value === 'string' && utf8Length(value) > sc.INLINE_LIMIT_BYTES) {
        return { omitted: 'over_inline_limit', sha256: null };
      }
      values[key] = toBundleValue(value);
    }
    const only = keys.length === 1 ? values[keys[0] as string] : undefined;
    const text = typeof only === 'string' ? only : canonicalize(values);
    return { omitted: null, sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
  }
  return null;
}

function contentKeys(r: FieldReader, sources: readonly ContentSource[]): string[] {
  const keys: string[] = [];
  for (const s of sources) {
    if ('key' in s) {
      if (r.has(s.key)) keys.push(s.key);
    } else {
      for (const k of r.keys()) if (k.startsWith(s.prefix) && r.has(k)) keys.push(k);
    }
  }
  return [...new Set(keys)].sort();
}
