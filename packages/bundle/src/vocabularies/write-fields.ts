import type { AttributeValue } from '../span-record.js';
import type { ReceiptFields, Vocabulary } from './vocabulary.js';

/**
 * Writes each non-null field under the first plain attribute name the vocabulary reads it from:
 * the inverse of reading, for the fields a table reads by name.
 */
export function writeFields(
  fields: Vocabulary['fields'],
  values: ReceiptFields,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  for (const [field, sources] of Object.entries(fields) as Array<
    [keyof ReceiptFields, ReadonlyArray<string | object>]
  >) {
    const value = values[field];
    if (value === null) continue;
    const name = sources.find((s): s is string => typeof s === 'string');
    if (name !== undefined) out[name] = value;
  }
  return out;
}
