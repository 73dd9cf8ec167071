import type { AttributeValue } from '../span-record.js';
import type {
  ReceiptFields,
  StepTable,
  ToolCallFields,
  ToolTable,
  Vocabulary,
} from './vocabulary.js';

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

/** Writes each non-null tool-call field under the first plain attribute name the table reads. */
export function writeToolFields(
  fields: ToolTable['fields'],
  values: ToolCallFields,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  for (const [field, sources] of Object.entries(fields) as Array<
    [keyof ToolCallFields, ReadonlyArray<string | object>]
  >) {
    const value = values[field];
    if (value === null) continue;
    const name = sources.find((s): s is string => typeof s === 'string');
    if (name !== undefined) out[name] = value;
  }
  return out;
}

/**
 * A step table for a vocabulary that names step kinds by one attribute's value (`AGENT` for
 * `agent`): read through a Map, so that a value such as `constructor` finds nothing.
 */
export function stepsByAttribute(key: string, kinds: ReadonlyMap<string, string>): StepTable {
  const values = new Map([...kinds].map(([value, kind]) => [kind, value]));
  return {
    kindOf: (r) => {
      const value = r.raw(key);
      return typeof value === 'string' ? (kinds.get(value) ?? null) : null;
    },
    write: (kind) => {
      const value = values.get(kind);
      return value === undefined ? null : { [key]: value };
    },
  };
}
