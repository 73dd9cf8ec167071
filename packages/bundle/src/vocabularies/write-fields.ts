import type { AttributeValue } from '../span-record.js';
import type { StepTable, ToolTable } from './vocabulary.js';

/**
 * Writes each non-null field under the first plain attribute name the table reads it from: the
 * inverse of reading, for the fields a table reads by name (a receipt's, or a tool call's).
 */
export function writeFields<V extends Record<keyof V, string | number | null>>(
  fields: { [K in keyof V]?: ReadonlyArray<string | object> },
  values: V,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  for (const [field, sources] of Object.entries(fields) as Array<
    [keyof V, ReadonlyArray<string | object> | undefined]
  >) {
    const value = values[field];
    if (value === null || value === undefined || sources === undefined) continue;
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

/**
 * A tool table for a vocabulary that marks a tool call's span by one attribute's value
 * (`traceloop.span.kind` = `tool`): recognized by a raw read of it, written back with it.
 */
export function toolsByAttribute(
  key: string,
  value: string,
  table: Pick<ToolTable, 'fields' | 'arguments' | 'result'>,
): ToolTable {
  return {
    isToolCall: (r) => r.raw(key) === value,
    ...table,
    write: (f) => ({ ...writeFields(table.fields, f), [key]: value }),
  };
}
