import { createHash } from 'node:crypto';
import {
  ATTR_WORKFLOW_DEFINITION,
  ATTR_WORKFLOW_DEFINITION_PART_PREFIX,
  ATTR_WORKFLOW_DEFINITION_PARTS,
  ATTR_WORKFLOW_DEFINITION_SHA256,
  ATTR_WORKFLOW_ID,
  EVENT_WORKFLOW_SNAPSHOT,
  INLINE_LIMIT_BYTES,
} from '@llm-workbench/semconv';
import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { MAX_DEFINITION_PARTS } from '../src/index.js';
import { captureDiag, event, harness } from './helpers.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function snapshot(definition: object): Attributes {
  const h = harness();
  h.wb.startRun({ name: 'r', workflow: { id: 'wf', revision: '1', definition } }).end();
  return event(h.span('run r'), EVENT_WORKFLOW_SNAPSHOT).attributes ?? {};
}

/** Reassembles a definition from its parts, as the fold does. */
function reassemble(attributes: Attributes): string {
  const parts = attributes[ATTR_WORKFLOW_DEFINITION_PARTS] as number;
  let text = '';
  for (let i = 0; i < parts; i++) {
    text += attributes[`${ATTR_WORKFLOW_DEFINITION_PART_PREFIX}${i}`] as string;
  }
  return text;
}

/** A definition of about `bytes` UTF-8 bytes, with multi-byte characters and emoji throughout. */
function largeDefinition(bytes: number) {
  const nodes: { id: string; label: string }[] = [];
  for (let i = 0; nodes.length * 60 < bytes; i++) {
    nodes.push({ id: `node-${i}`, label: `Étape ${i} 🚀 — résumé` });
  }
  return { nodes, edges: nodes.slice(1).map((n, i) => ({ from: nodes[i]!.id, to: n.id })) };
}

describe('workflow snapshot', () => {
  it('records a small definition whole, with the sha256 of its RFC 8785 form', () => {
    const attributes = snapshot({ z: 1, a: [true, null, 'é'], m: { y: 2.5, b: 1e21 } });
    expect(attributes[ATTR_WORKFLOW_DEFINITION]).toBe(
      '{"z":1,"a":[true,null,"é"],"m":{"y":2.5,"b":1e+21}}',
    );
    expect(attributes[ATTR_WORKFLOW_DEFINITION_SHA256]).toBe(
      sha256('{"a":[true,null,"é"],"m":{"b":1e+21,"y":2.5},"z":1}'),
    );
    expect(attributes[ATTR_WORKFLOW_DEFINITION_PARTS]).toBeUndefined();
  });

  it('splits a long definition into parts within INLINE_LIMIT_BYTES that reassemble exactly', () => {
    const definition = largeDefinition(20_000);
    const text = JSON.stringify(definition);
    const attributes = snapshot(definition);
    expect(attributes[ATTR_WORKFLOW_DEFINITION]).toBeUndefined();
    const parts = attributes[ATTR_WORKFLOW_DEFINITION_PARTS] as number;
    expect(parts).toBeGreaterThanOrEqual(Math.ceil(Buffer.byteLength(text) / INLINE_LIMIT_BYTES));
    for (let i = 0; i < parts; i++) {
      const part = attributes[`${ATTR_WORKFLOW_DEFINITION_PART_PREFIX}${i}`] as string;
      expect(Buffer.byteLength(part)).toBeLessThanOrEqual(INLINE_LIMIT_BYTES);
      // No part starts or ends inside a surrogate pair.
      expect(part).not.toMatch(/\p{Surrogate}/u);
    }
    expect(reassemble(attributes)).toBe(text);
    expect(JSON.parse(reassemble(attributes))).toEqual(definition);
  });

  it('leaves out a definition too large for the per-event attribute limit, keeping its hash', () => {
    const diag = captureDiag();
    try {
      const attributes = snapshot(largeDefinition((MAX_DEFINITION_PARTS + 2) * INLINE_LIMIT_BYTES));
      expect(attributes[ATTR_WORKFLOW_ID]).toBe('wf');
      expect(attributes[ATTR_WORKFLOW_DEFINITION_PARTS]).toBeUndefined();
      expect(attributes[ATTR_WORKFLOW_DEFINITION_SHA256]).toMatch(/^[0-9a-f]{64}$/);
      expect(diag.problems().join('\n')).toContain('definition_too_large');
    } finally {
      diag.stop();
    }
  });

  it('records what JSON.stringify makes of toJSON, undefined and NaN, and hashes that', () => {
    const attributes = snapshot({ when: new Date(0), gone: undefined, n: Number.NaN });
    expect(attributes[ATTR_WORKFLOW_DEFINITION]).toBe(
      '{"when":"1970-01-01T00:00:00.000Z","n":null}',
    );
    expect(attributes[ATTR_WORKFLOW_DEFINITION_SHA256]).toBe(
      sha256('{"n":null,"when":"1970-01-01T00:00:00.000Z"}'),
    );
  });

  it('keeps "__proto__" keys as data in the definition and its hash', () => {
    const definition = JSON.parse('{"__proto__":{"x":1},"b":2}') as object;
    const attributes = snapshot(definition);
    expect(attributes[ATTR_WORKFLOW_DEFINITION]).toBe('{"__proto__":{"x":1},"b":2}');
    expect(attributes[ATTR_WORKFLOW_DEFINITION_SHA256]).toBe(sha256('{"__proto__":{"x":1},"b":2}'));
  });

  it('leaves out the hash, not the definition, where RFC 8785 forbids or the canonicalizer errs', () => {
    for (const definition of [{ label: 'a\uD800' }, { nested: { toJSON: 'data, not a method' } }]) {
      const attributes = snapshot(definition);
      expect(attributes[ATTR_WORKFLOW_DEFINITION]).toBe(JSON.stringify(definition));
      expect(attributes[ATTR_WORKFLOW_DEFINITION_SHA256]).toBeUndefined();
    }
  });

  it('records id and revision when the definition cannot be serialized', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const definition of [cyclic, { big: 1n }]) {
      const attributes = snapshot(definition);
      expect(attributes).toEqual({ [ATTR_WORKFLOW_ID]: 'wf', 'workbench.workflow.revision': '1' });
    }
  });
});
