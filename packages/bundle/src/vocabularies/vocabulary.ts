import type { AttributeValue } from '../span-record.js';

/** The names of the vocabularies a receipt can be read from, in precedence order. */
export type VocabularyName = 'gen_ai' | 'openinference' | 'vercel_ai' | 'openllmetry';

/** What a vocabulary reads through: typed reads that record wrong types as diagnostics. */
export interface FieldReader {
  has(key: string): boolean;
  str(key: string): string | null;
  int(key: string): number | null;
  num(key: string): number | null;
  /** Attribute keys of the span, for vocabularies that flatten content under a prefix. */
  keys(): Iterable<string>;
  raw(key: string): AttributeValue | undefined;
}

/** One way to read a field: an attribute name, or a function of the span's attributes. */
export type FieldSource<T> = string | ((r: FieldReader) => T | null);

/** Where a vocabulary keeps content: one attribute, or every attribute under a prefix. */
export type ContentSource = { key: string } | { prefix: string };

/** The receipt fields a vocabulary can supply. */
export interface ReceiptFields {
  provider: string | null;
  model: string | null;
  responseModel: string | null;
  operation: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadInputTokens: number | null;
  cacheWriteInputTokens: number | null;
  reasoningOutputTokens: number | null;
  /** Per-modality counts (`gen_ai.usage.audio.input_tokens`, ...): parts of the totals above. */
  textInputTokens: number | null;
  imageInputTokens: number | null;
  audioInputTokens: number | null;
  textOutputTokens: number | null;
  imageOutputTokens: number | null;
  audioOutputTokens: number | null;
  textCacheReadInputTokens: number | null;
  imageCacheReadInputTokens: number | null;
  audioCacheReadInputTokens: number | null;
  costAmount: number | null;
  costCurrency: string | null;
}

/** The modalities usage may be broken down by, as the GenAI conventions name them. */
export const MODALITIES = ['audio', 'image', 'text'] as const;
export type Modality = (typeof MODALITIES)[number];

/** The per-modality receipt fields, by modality and count. */
export const MODALITY_FIELD = {
  audio: {
    inputTokens: 'audioInputTokens',
    outputTokens: 'audioOutputTokens',
    cacheReadInputTokens: 'audioCacheReadInputTokens',
  },
  image: {
    inputTokens: 'imageInputTokens',
    outputTokens: 'imageOutputTokens',
    cacheReadInputTokens: 'imageCacheReadInputTokens',
  },
  text: {
    inputTokens: 'textInputTokens',
    outputTokens: 'textOutputTokens',
    cacheReadInputTokens: 'textCacheReadInputTokens',
  },
} as const satisfies Record<
  Modality,
  Record<'inputTokens' | 'outputTokens' | 'cacheReadInputTokens', keyof ReceiptFields>
>;

const MODALITY_FIELDS = [
  'audioInputTokens',
  'audioOutputTokens',
  'audioCacheReadInputTokens',
  'imageInputTokens',
  'imageOutputTokens',
  'imageCacheReadInputTokens',
  'textInputTokens',
  'textOutputTokens',
  'textCacheReadInputTokens',
] as const satisfies ReadonlyArray<keyof ReceiptFields>;

/** Fields read as strings. */
export const STRING_FIELDS = [
  'provider',
  'model',
  'responseModel',
  'operation',
  'costCurrency',
] as const satisfies ReadonlyArray<keyof ReceiptFields>;
/** Fields read as integers. */
export const INT_FIELDS = [
  'inputTokens',
  'outputTokens',
  'cacheReadInputTokens',
  'cacheWriteInputTokens',
  'reasoningOutputTokens',
  ...MODALITY_FIELDS,
] as const satisfies ReadonlyArray<keyof ReceiptFields>;
/** Fields read as numbers. */
export const NUMBER_FIELDS = ['costAmount'] as const satisfies ReadonlyArray<keyof ReceiptFields>;

type StringField = (typeof STRING_FIELDS)[number];
type IntField = (typeof INT_FIELDS)[number];
type NumberField = (typeof NUMBER_FIELDS)[number];

/**
 * A vocabulary as data: how one family of instrumentations names a model call. Reading a span, the
 * fold asks each vocabulary in precedence order for each field and keeps the first value found.
 * Adding a vocabulary is one table like this and its tests.
 */
export interface Vocabulary {
  name: VocabularyName;
  /**
   * Whether the span describes one model call in this vocabulary. It reads raw values only (`raw`,
   * `has`), so that asking it of every span leaves no diagnostic.
   */
  isModelCall(r: FieldReader): boolean;
  /** Sources per field, first found wins. */
  fields: Partial<Record<StringField | NumberField, readonly FieldSource<string | number>[]>> &
    Partial<Record<IntField, readonly FieldSource<number>[]>>;
  /** Where the prompt and the response are carried, when the instrumentation captured them. */
  input: readonly ContentSource[];
  output: readonly ContentSource[];
  /**
   * Attributes that write a receipt back in this vocabulary (replay), so that reading them again
   * gives the same receipt: the first plain attribute name of each field, plus what `isModelCall`
   * looks for.
   */
  write(fields: ReceiptFields): Record<string, AttributeValue>;
  /** How the vocabulary names a tool call, when it has a name for one. */
  tool?: ToolTable;
  /** How the vocabulary names an agent, workflow or chain span, when it has one. */
  step?: StepTable;
}

/** The fields of a tool call a vocabulary can supply. */
export interface ToolCallFields {
  toolName: string | null;
  callId: string | null;
  toolType: string | null;
}

/** How one vocabulary names a tool call. */
export interface ToolTable {
  /** Whether the span is one tool call in this vocabulary; raw reads only, as for model calls. */
  isToolCall(r: FieldReader): boolean;
  fields: Partial<Record<keyof ToolCallFields, readonly FieldSource<string>[]>>;
  /** Where the arguments passed to the tool and the result it returned are carried. */
  arguments: readonly ContentSource[];
  result: readonly ContentSource[];
  /** Attributes that write a tool call back in this vocabulary (replay). */
  write(fields: ToolCallFields): Record<string, AttributeValue>;
}

/** How one vocabulary names a span that is a step of an agent run (an agent, a workflow, a chain). */
export interface StepTable {
  /** The step kind (`agent`, `workflow`, `chain`, `task`), or null; raw reads only. */
  kindOf(r: FieldReader): string | null;
  /** Attributes that make a span of this kind again (replay); null for a kind it has no name for. */
  write(kind: string): Record<string, AttributeValue> | null;
}
