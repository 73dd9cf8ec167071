import type {
  BundleArtifact,
  BundleEvent,
  BundleStep,
  ModelIoReceipt,
  RunBundle,
  ToolCallEvent,
} from './types.js';

/** A version 1 receipt: `cacheCreationInputTokens`, no raw provider, no vocabularies. */
interface ReceiptV1 extends Omit<
  ModelIoReceipt,
  'providerRaw' | 'vocabularies' | 'usage' | 'status' | 'sources'
> {
  usage: Omit<ModelIoReceipt['usage'], 'cacheWriteInputTokens'> & {
    cacheCreationInputTokens: number | null;
  };
}

/** A sealed bundle of schema version 2, as `runBundleSchemaV2` accepts it: no patch commitment. */
export interface RunBundleV2 extends Omit<RunBundle, 'schemaVersion' | 'artifacts' | 'redactions'> {
  schemaVersion: 2;
  artifacts: Array<Omit<BundleArtifact, 'patchSha256'>>;
}

/** A sealed bundle of schema version 1, as `runBundleSchemaV1` accepts it. */
export interface RunBundleV1 extends Omit<
  RunBundleV2,
  'schemaVersion' | 'model_io' | 'steps' | 'events'
> {
  schemaVersion: 1;
  steps: Array<Omit<BundleStep, 'vocabularies'>>;
  events: Array<Exclude<BundleEvent, ToolCallEvent>>;
  model_io: ReceiptV1[];
}

/**
 * Reads a bundle of an earlier schema version as the current model (version 3), for views.
 * From version 2: artifacts get `patchSha256: null` (version 2 held no patch commitment). From
 * version 1 also: the receipt's cache-write count under its new name, the provider as given,
 * `workbench` as the vocabulary of event receipts (span receipts of version 1 did not say theirs,
 * so they list none), no sources and no status; steps (all of them `workbench.step.id` spans in
 * version 1) say `workbench`. A version 3 bundle is returned as it is. The result keeps the
 * original's `integrity`, which covers the original's text by its version's rule, not this view
 * of it: verify the file, not this.
 *
 * @example
 * const view = upgradeBundle(parsed); // parsed: any version anyRunBundleSchema accepts
 */
export function upgradeBundle(bundle: RunBundleV1 | RunBundleV2 | RunBundle): RunBundle {
  if (bundle.schemaVersion === 3) return bundle;
  const v2 = bundle.schemaVersion === 1 ? fromV1(bundle) : bundle;
  return {
    ...v2,
    schemaVersion: 3,
    artifacts: v2.artifacts.map((a) => ({ ...a, patchSha256: null })),
  };
}

function fromV1(bundle: RunBundleV1): RunBundleV2 {
  return {
    ...bundle,
    schemaVersion: 2,
    steps: bundle.steps.map((s) => ({ ...s, vocabularies: ['workbench'] })),
    model_io: bundle.model_io.map(({ usage, ...m }) => {
      const { cacheCreationInputTokens, ...rest } = usage;
      return {
        ...m,
        providerRaw: m.provider,
        sources: [],
        status: null,
        usage: { ...rest, cacheWriteInputTokens: cacheCreationInputTokens },
        vocabularies: m.source === 'event' ? ['workbench'] : [],
      };
    }),
  };
}
