import type { BundleEvent, BundleStep, ModelIoReceipt, RunBundle, ToolCallEvent } from './types.js';

/** A version 1 receipt: `cacheCreationInputTokens`, no raw provider, no vocabularies. */
interface ReceiptV1 extends Omit<
  ModelIoReceipt,
  'providerRaw' | 'vocabularies' | 'usage' | 'status' | 'sources'
> {
  usage: Omit<ModelIoReceipt['usage'], 'cacheWriteInputTokens'> & {
    cacheCreationInputTokens: number | null;
  };
}

/** A sealed bundle of schema version 1, as `runBundleSchemaV1` accepts it. */
export interface RunBundleV1 extends Omit<
  RunBundle,
  'schemaVersion' | 'model_io' | 'steps' | 'events'
> {
  schemaVersion: 1;
  steps: Array<Omit<BundleStep, 'vocabularies'>>;
  events: Array<Exclude<BundleEvent, ToolCallEvent>>;
  model_io: ReceiptV1[];
}

/**
 * Reads a version 1 bundle as the current model, for views: the receipt's cache-write count under
 * its new name, the provider as given, `workbench` as the vocabulary of event receipts (span
 * receipts of version 1 did not say theirs, so they list none), no sources and no status; steps
 * (all of them `workbench.step.id` spans in version 1) say `workbench`. The
 * result keeps the original's `integrity`, which covers the version 1 text, not this view of it:
 * verify the file, not this.
 *
 * @example
 * const view = bundle.schemaVersion === 1 ? upgradeBundle(bundle) : bundle;
 */
export function upgradeBundle(bundle: RunBundleV1): RunBundle {
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
