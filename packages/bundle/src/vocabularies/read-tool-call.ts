import { commitContent, VOCABULARIES, type ContentCommitment } from './read-model-call.js';
import type { FieldReader, FieldSource, ToolCallFields, VocabularyName } from './vocabulary.js';

/** What the vocabularies read of one tool-call span. */
export interface ToolCallReading {
  fields: ToolCallFields;
  /** The vocabularies that recognize the span as a tool call, in precedence order. */
  vocabularies: VocabularyName[];
  /** Commitments to the arguments and the result, null when the span carried none. */
  arguments: ContentCommitment | null;
  result: ContentCommitment | null;
}

const TOOL_FIELDS = ['toolName', 'callId', 'toolType'] as const satisfies ReadonlyArray<
  keyof ToolCallFields
>;

/**
 * Reads a tool-call span (`execute_tool`, `ai.toolCall`, OpenInference `TOOL`, Traceloop `tool`)
 * through every vocabulary that recognizes it, first found wins; null when none does.
 *
 * @example
 * readToolCall(reader)?.fields.toolName; // 'get_weather' for gen_ai.tool.name = 'get_weather'
 */
export function readToolCall(r: FieldReader): ToolCallReading | null {
  const tables = VOCABULARIES.flatMap((v) =>
    v.tool !== undefined && v.tool.isToolCall(r) ? [{ v, tool: v.tool }] : [],
  );
  if (tables.length === 0) return null;
  const fields: ToolCallFields = { toolName: null, callId: null, toolType: null };
  for (const f of TOOL_FIELDS) {
    fields[f] = first(
      tables.flatMap((t) => t.tool.fields[f] ?? []),
      r,
    );
  }
  return {
    fields,
    vocabularies: tables.map((t) => t.v.name),
    arguments: commitContent(
      r,
      tables.map((t) => t.tool.arguments),
    ),
    result: commitContent(
      r,
      tables.map((t) => t.tool.result),
    ),
  };
}

function first(sources: ReadonlyArray<FieldSource<string>>, r: FieldReader): string | null {
  for (const s of sources) {
    const value = typeof s === 'string' ? r.str(s) : s(r);
    if (value !== null) return value;
  }
  return null;
}

/** What the vocabularies read of a span that is a step of an agent run. */
export interface StepReading {
  /** `agent`, `workflow`, `chain` or `task`: the first vocabulary's kind. */
  kind: string;
  vocabularies: VocabularyName[];
}

/**
 * The step an agent, workflow or chain span is (`invoke_agent`, OpenInference `AGENT` or `CHAIN`,
 * Traceloop `workflow`, `task` or `agent`), or null. Raw reads only: asked of every span, it
 * leaves no diagnostic.
 */
export function readStep(r: FieldReader): StepReading | null {
  let kind: string | null = null;
  const vocabularies: VocabularyName[] = [];
  for (const v of VOCABULARIES) {
    const k = v.step?.kindOf(r) ?? null;
    if (k === null) continue;
    kind ??= k;
    vocabularies.push(v.name);
  }
  return kind === null ? null : { kind, vocabularies };
}

/** Whether any vocabulary recognizes the span as a tool call (raw reads only). */
export function isToolCallSpan(r: FieldReader): boolean {
  return VOCABULARIES.some((v) => v.tool?.isToolCall(r) === true);
}
