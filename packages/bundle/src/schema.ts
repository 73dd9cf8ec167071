// A namespace import, as zod recommends: a bundler (the report's page) then keeps only the parts
// of zod used here; `import { z }` keeps all of it, its 40 locales included.
import * as z from 'zod';
import { REDACTION_KINDS } from './content-members.js';
import type { JsonValue, RunBundle } from './types.js';

const time = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, 'a bundle time');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest');
const spanId = z.string().regex(/^[0-9a-f]{16}$/, 'a span id');
const status = z.object({ code: z.enum(['unset', 'ok', 'error']), message: z.string().nullable() });
const omittedReason = z.enum(['over_inline_limit', 'hash_mismatch', 'not_captured']).nullable();
const json: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(json),
    z.record(z.string(), json),
  ]),
);

const contentRef = z.object({
  sha256: hex64.nullable(),
  content: z.string().nullable(),
  omitted: omittedReason,
});

/** Set (true) on what was folded from a span that arrived in differing versions (version 3). */
const disputed = z.literal(true).optional();

// Events were never strict objects, so earlier versions' events may carry the flag as well.
const eventBase = { time: time.nullable(), spanId, stepId: z.string().nullable(), disputed };

const vocabulary = z.enum(['workbench', 'gen_ai', 'openinference', 'vercel_ai', 'openllmetry']);

const eventsV1 = [
  z.object({
    ...eventBase,
    type: z.literal('workflow_snapshot'),
    workflowId: z.string().nullable(),
    revision: z.string().nullable(),
    sha256: hex64.nullable(),
  }),
  z.object({
    ...eventBase,
    type: z.literal('human_gate_requested'),
    gateId: z.string().nullable(),
    policy: z.string().nullable(),
    subject: z
      .object({ artifactKey: z.string().nullable(), artifactVersion: z.number().int().nullable() })
      .nullable(),
  }),
  z.object({
    ...eventBase,
    type: z.literal('human_gate_resolved'),
    gateId: z.string().nullable(),
    decision: z.string().nullable(),
    actor: z.string().nullable(),
    reason: z.string().nullable(),
  }),
  z.object({
    ...eventBase,
    type: z.literal('model_io'),
    provider: z.string().nullable(),
    model: z.string().nullable(),
    inputTokens: z.number().int().nullable(),
    outputTokens: z.number().int().nullable(),
    durationMs: z.number().nullable(),
  }),
  z.object({
    ...eventBase,
    type: z.literal('artifact'),
    key: z.string().nullable(),
    version: z.number().int().nullable(),
    sha256: hex64.nullable(),
  }),
  z.object({
    ...eventBase,
    type: z.literal('step_started'),
    name: z.string(),
    kind: z.string().nullable(),
  }),
  z.object({ ...eventBase, type: z.literal('step_ended'), name: z.string(), status }),
  z.object({
    ...eventBase,
    type: z.literal('unknown'),
    name: z.string(),
    attributes: z.record(z.string(), json),
  }),
] as const;

const eventsV2 = [
  ...eventsV1,
  z.object({
    ...eventBase,
    type: z.literal('tool_call'),
    toolName: z.string().nullable(),
    callId: z.string().nullable(),
    toolType: z.string().nullable(),
    durationMs: z.number().nullable(),
    status,
    arguments: contentRef,
    result: contentRef,
    vocabularies: z.array(vocabulary),
  }),
] as const;

const stepCommon = {
  stepId: z.string(),
  kind: z.string().nullable(),
  name: z.string(),
  spanId,
  parentSpanId: spanId.nullable(),
  parentStepId: z.string().nullable(),
  startTime: time.nullable(),
  endTime: time.nullable(),
  durationMs: z.number().nullable(),
  status,
};

const stepsV1 = {
  steps: z.array(z.strictObject(stepCommon)),
  events: z.array(z.discriminatedUnion('type', eventsV1)),
};
const stepsV2 = {
  steps: z.array(z.strictObject({ ...stepCommon, vocabularies: z.array(vocabulary) })),
  events: z.array(z.discriminatedUnion('type', eventsV2)),
};
/** Version 3: a gate's subject may name the tool call of a framework's tool approval. */
const [snapshotEvent, , ...laterEventsV2] = eventsV2;
const eventsV3 = [
  snapshotEvent,
  ...laterEventsV2,
  z.object({
    ...eventBase,
    type: z.literal('human_gate_requested'),
    gateId: z.string().nullable(),
    policy: z.string().nullable(),
    subject: z
      .object({
        artifactKey: z.string().nullable(),
        artifactVersion: z.number().int().nullable(),
        tool: z
          .strictObject({
            name: z.string().nullable(),
            callId: z.string().nullable(),
            argumentsSha256: hex64.nullable(),
          })
          .optional(),
      })
      .nullable(),
  }),
] as const;
const stepsV3 = {
  ...stepsV2,
  events: z.array(z.discriminatedUnion('type', eventsV3)),
  steps: z.array(z.strictObject({ ...stepCommon, vocabularies: z.array(vocabulary), disputed })),
};

const common = {
  run: z.strictObject({
    traceId: z.string().regex(/^[0-9a-f]{32}$/, 'a trace id'),
    runId: z.string().nullable(),
    name: z.string(),
    service: z.string().nullable(),
    rootSpanId: spanId.nullable(),
    startTime: time.nullable(),
    endTime: time.nullable(),
    durationMs: z.number().nullable(),
    status,
    complete: z.boolean(),
    workflowSnapshot: z
      .strictObject({
        id: z.string().nullable(),
        revision: z.string().nullable(),
        sha256: hex64.nullable(),
        definition: json.nullable(),
      })
      .nullable(),
    spanCount: z.number().int().nonnegative(),
  }),
};

const count = z.number().int().nullable();
/** The members of a receipt that both versions share. */
const receiptCommon = {
  source: z.enum(['event', 'span']),
  time: time.nullable(),
  operation: z.string().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  responseModel: z.string().nullable(),
  durationMs: z.number().nullable(),
  cost: z.strictObject({ amount: z.number(), currency: z.string().nullable() }).nullable(),
  stepId: z.string().nullable(),
  spanId,
  input: contentRef,
  output: contentRef,
};
const usageCommon = {
  inputTokens: count,
  outputTokens: count,
  cacheReadInputTokens: count,
  reasoningOutputTokens: count,
};

const modalityUsage = z.strictObject({
  cacheReadInputTokens: count,
  inputTokens: count,
  outputTokens: count,
});

const receiptsV1 = {
  model_io: z.array(
    z.strictObject({
      ...receiptCommon,
      usage: z.strictObject({ ...usageCommon, cacheCreationInputTokens: count }),
    }),
  ),
};

const receiptV2 = {
  ...receiptCommon,
  providerRaw: z.string().nullable(),
  usage: z.strictObject({
    ...usageCommon,
    cacheWriteInputTokens: count,
    modalities: z
      .strictObject({ audio: modalityUsage, image: modalityUsage, text: modalityUsage })
      .partial()
      .optional(),
  }),
  vocabularies: z.array(vocabulary),
  status: status.nullable(),
  sources: z.array(
    z.strictObject({
      spanId,
      role: z.enum(['wrapper', 'aggregate']),
      vocabularies: z.array(vocabulary),
      disagreements: z.record(z.string(), json),
    }),
  ),
};
const receiptsV2 = { model_io: z.array(z.strictObject(receiptV2)) };
const receiptsV3 = { model_io: z.array(z.strictObject({ ...receiptV2, disputed })) };

const artifactCommon = {
  key: z.string(),
  version: z.number().int().nullable(),
  sha256: hex64.nullable(),
  mediaType: z.string().nullable(),
  size: z.number().int().nullable(),
  parentVersion: z.number().int().nullable(),
  content: z.string().nullable(),
  patch: z.string().nullable(),
  omitted: z.strictObject({ content: omittedReason, patch: omittedReason }),
  stepId: z.string().nullable(),
  spanId,
  time: time.nullable(),
};

/** Version 3: artifacts commit to their patch; redacted contents are listed outside the hash. */
const contentV3 = {
  artifacts: z.array(
    z.strictObject({ ...artifactCommon, patchSha256: hex64.nullable(), disputed }),
  ),
  disputes: z
    .array(
      z.strictObject({
        spanId,
        paths: z.array(z.string()),
        pathsOmitted: z.number().int().nonnegative(),
        variants: z.array(z.record(z.string(), json)),
        variantsOmitted: z.number().int().nonnegative(),
      }),
    )
    .optional(),
  redactions: z
    .array(
      z.strictObject({
        path: z.string(),
        kind: z.enum(REDACTION_KINDS),
      }),
    )
    .optional(),
};

const diagnosticCommon = {
  code: z.string(),
  message: z.string(),
  spanId: spanId.nullable(),
  subject: z.string().nullable(),
};

const tail = {
  artifacts: z.array(z.strictObject(artifactCommon)),
  diagnostics: z.array(z.strictObject(diagnosticCommon)),
  integrity: z.strictObject({
    canonicalization: z.literal('RFC8785'),
    algorithm: z.literal('sha256'),
    sha256: hex64,
  }),
};

/**
 * Version 3's run: version 2's, plus `segments` for a run that spans traces (absent otherwise, so
 * every bundle of a one-trace run keeps its bytes and hash).
 */
const runV3 = {
  run: common.run.extend({
    segments: z
      .array(
        z.strictObject({
          segment: z.number().int().positive(),
          traceId: z.string().regex(/^[0-9a-f]{32}$/, 'a trace id'),
          runSpanId: spanId,
          state: z.enum(['suspended', 'ended']).nullable(),
          startTime: time.nullable(),
          endTime: time.nullable(),
        }),
      )
      .optional(),
  }),
};

/**
 * Version 3's diagnostics: the common members, plus the structured ones a reader needs instead of
 * parsing the message, each present only for the codes that have it (see `BundleDiagnostic`).
 */
const diagnosticsV3 = {
  diagnostics: z.array(
    z.strictObject({
      ...diagnosticCommon,
      event: z.string().optional(),
      expected: z.enum(['string', 'integer', 'number']).optional(),
      got: z.string().optional(),
      parentSpanId: spanId.optional(),
      count: z.number().int().nonnegative().optional(),
      limit: z.number().int().nonnegative().optional(),
    }),
  ),
};

/** The zod schema of a sealed run bundle, version 3 (the current one). Unknown members are errors. */
export const runBundleSchema = z.strictObject({
  schemaVersion: z.literal(3),
  ...runV3,
  ...stepsV3,
  ...receiptsV3,
  ...tail,
  ...diagnosticsV3,
  ...contentV3,
});

/** The zod schema of a sealed run bundle, version 2: still read, never written. */
export const runBundleSchemaV2 = z.strictObject({
  schemaVersion: z.literal(2),
  ...common,
  ...stepsV2,
  ...receiptsV2,
  ...tail,
});

/** The zod schema of a sealed run bundle, version 1: still read, never written. */
export const runBundleSchemaV1 = z.strictObject({
  schemaVersion: z.literal(1),
  ...common,
  ...stepsV1,
  ...receiptsV1,
  ...tail,
});

/** A bundle of any version this package reads. */
export const anyRunBundleSchema = z.discriminatedUnion('schemaVersion', [
  runBundleSchema,
  runBundleSchemaV2,
  runBundleSchemaV1,
]);

/**
 * A zod output type as the plain JSON shape `types.ts` writes: zod types an optional member as
 * `T | undefined` where the types say `T` (exactOptionalPropertyTypes), and a JSON value as
 * `unknown`.
 */
type JsonShape<T> = unknown extends T
  ? JsonValue
  : T extends readonly (infer U)[]
    ? JsonShape<U>[]
    : T extends object
      ? { [K in keyof T]: JsonShape<Exclude<T[K], undefined>> }
      : T;

type Same<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/**
 * `RunBundle` (types.ts) is exactly what {@link runBundleSchema} accepts: a member added, removed,
 * made optional or typed differently on one side only fails the type check here.
 */
export type RunBundleMatchesSchema = Assert<
  Same<JsonShape<z.output<typeof runBundleSchema>>, JsonShape<RunBundle>>
>;

/** Compiles only for `true`. */
type Assert<T extends true> = T;
