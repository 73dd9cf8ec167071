import { describe, expect, it } from 'vitest';
import { DEMO_WORKFLOW } from '@llm-workbench/demo';
import { pageModule } from './helpers/page-modules.js';

const { parseWorkflow, layoutWorkflow, MAX_DRAWN_NODES } = await pageModule('workflow-graph.ts');

describe('parseWorkflow', () => {
  it('reads nodes, tuple edges and gates by node, after and before', () => {
    const graph = parseWorkflow({
      nodes: [{ id: 'a', label: 'Start', kind: 'llm' }, { id: 'b' }, 'c'],
      edges: [
        ['a', 'b'],
        ['b', 'c'],
      ],
      gates: [
        { id: 'g1', node: 'b' },
        { id: 'g2', after: 'a' },
        { id: 'g3', before: 'c' },
      ],
    });
    expect(graph).toEqual({
      nodes: [
        { id: 'a', label: 'Start', kind: 'llm' },
        { id: 'b', label: 'b', kind: null },
        { id: 'c', label: 'c', kind: null },
      ],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
      ],
      gates: [
        { id: 'g1', node: 'b', after: null, before: null },
        { id: 'g2', node: null, after: 'a', before: null },
        { id: 'g3', node: null, after: null, before: 'c' },
      ],
      omittedNodes: 0,
    });
  });

  it("reads the demo agent's definition: object edges with extra members, gates with policies", () => {
    const graph = parseWorkflow(DEMO_WORKFLOW.definition);
    expect(graph?.nodes.map((n) => n.id)).toEqual(['plan', 'draft', 'review', 'publish']);
    expect(graph?.edges).toEqual([
      { from: 'plan', to: 'draft' },
      { from: 'draft', to: 'review' },
      { from: 'review', to: 'publish' },
    ]);
    expect(graph?.gates).toEqual([{ id: 'review', node: 'review', after: null, before: null }]);
  });

  it('degrades gracefully: node maps, dependsOn lists, edges to undeclared nodes', () => {
    expect(
      parseWorkflow({
        steps: { fetch: {}, parse: { dependsOn: 'fetch' }, store: { needs: ['parse'] } },
      })?.edges,
    ).toEqual([
      { from: 'fetch', to: 'parse' },
      { from: 'parse', to: 'store' },
    ]);
    expect(
      parseWorkflow({ edges: [{ source: 'x', target: 'y' }] })?.nodes.map((n) => n.id),
    ).toEqual(['x', 'y']);
  });

  it('returns null for definitions it cannot read as a graph', () => {
    for (const def of [
      null,
      'a -> b',
      [1, 2],
      {},
      { nodes: [] },
      { nodes: [{}, { id: '' }] },
      { version: 3 },
    ]) {
      expect(parseWorkflow(def)).toBeNull();
    }
  });

  it('draws at most MAX_DRAWN_NODES nodes and counts the rest', () => {
    const graph = parseWorkflow({
      nodes: Array.from({ length: MAX_DRAWN_NODES + 5 }, (_, i) => String(i)),
    });
    expect(graph?.nodes).toHaveLength(MAX_DRAWN_NODES);
    expect(graph?.omittedNodes).toBe(5);
  });
});

describe('layoutWorkflow', () => {
  it('layers by longest path from the sources', () => {
    const graph = parseWorkflow({
      nodes: ['a', 'b', 'c', 'd'],
      edges: [
        ['a', 'b'],
        ['b', 'c'],
        ['a', 'c'],
        ['a', 'd'],
      ],
    })!;
    const layout = layoutWorkflow(graph);
    expect(layout.layers.map((l) => [...l].sort())).toEqual([['a'], ['b', 'd'], ['c']]);
    expect(layout.backEdges.size).toBe(0);
  });

  it('sets aside the edges that close a cycle and still lays out every node', () => {
    const graph = parseWorkflow({
      nodes: ['draft', 'review', 'publish'],
      edges: [
        ['draft', 'review'],
        ['review', 'draft'],
        ['review', 'publish'],
      ],
    })!;
    const layout = layoutWorkflow(graph);
    expect(layout.layers).toEqual([['draft'], ['review'], ['publish']]);
    expect([...layout.backEdges]).toEqual([1]);
  });

  it('orders a layer to follow its parents (fewer crossings)', () => {
    const graph = parseWorkflow({
      nodes: ['a', 'b', 'y', 'x'],
      edges: [
        ['a', 'x'],
        ['b', 'y'],
      ],
    })!;
    expect(layoutWorkflow(graph).layers).toEqual([
      ['a', 'b'],
      ['x', 'y'],
    ]);
  });
});
