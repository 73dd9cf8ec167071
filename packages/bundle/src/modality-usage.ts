import type { ModalityUsage, ModalityUsages } from './types.js';
import {
  MODALITIES,
  MODALITY_FIELD,
  type Modality,
  type ReceiptFields,
} from './vocabularies/vocabulary.js';

/** The names of the per-modality receipt fields. */
export type ModalityField =
  (typeof MODALITY_FIELD)[Modality][keyof (typeof MODALITY_FIELD)[Modality]];

/**
 * A receipt's per-modality usage from the fields read: `{ modalities }` with each modality a span
 * reported a count for (in RFC 8785 order), or nothing when none did.
 *
 * @example
 * modalityUsages({ ...fields, audioInputTokens: 40 });
 * // { modalities: { audio: { cacheReadInputTokens: null, inputTokens: 40, outputTokens: null } } }
 */
export function modalityUsages(f: Pick<ReceiptFields, ModalityField>): {
  modalities?: ModalityUsages;
} {
  const out: ModalityUsages = {};
  let any = false;
  for (const m of MODALITIES) {
    const names = MODALITY_FIELD[m];
    const usage: ModalityUsage = {
      cacheReadInputTokens: f[names.cacheReadInputTokens],
      inputTokens: f[names.inputTokens],
      outputTokens: f[names.outputTokens],
    };
    if (
      usage.cacheReadInputTokens === null &&
      usage.inputTokens === null &&
      usage.outputTokens === null
    ) {
      continue;
    }
    out[m] = usage;
    any = true;
  }
  return any ? { modalities: out } : {};
}

/**
 * The per-modality receipt fields of a receipt's usage, null where it holds none: the inverse of
 * {@link modalityUsages}.
 */
export function modalityFields(
  modalities: ModalityUsages | undefined,
): Pick<ReceiptFields, ModalityField> {
  const out = {} as Pick<ReceiptFields, ModalityField>;
  for (const m of MODALITIES) {
    const usage = modalities?.[m];
    const names = MODALITY_FIELD[m];
    out[names.cacheReadInputTokens] = usage?.cacheReadInputTokens ?? null;
    out[names.inputTokens] = usage?.inputTokens ?? null;
    out[names.outputTokens] = usage?.outputTokens ?? null;
  }
  return out;
}
