// The workflow definition is free-form JSON. This reads the common shape
// `{ nodes: [{ id, label?, kind? }], edges: [[from, to]] | [{ from, to }], gates: [{ id, node | after | before }] }`
// and a few near relatives (string nodes, a node map, `steps`, `dependsOn`/`next` lists), and lays
// the result out in layers by longest path. Anything it cannot read makes it return null, and the
// page shows the definition as JSON instead.

import { asArray, asObject, asString } from './read.js';

export type WorkflowNode = { id: string; label: string; kind: string | null };
export type WorkflowEdge = { from: string; to: string };
export type WorkflowGate = {
  id: string;
  node: string | null;
  after: string | null;
  before: string | null;
};
export type WorkflowGraph = {
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
  gates: WorkflowGate[];
  omittedNodes: number;
};
export type WorkflowLayout = {
  layers: string[][];
  position: Map<string, { layer: number; index: number }>;
  backEdges: Set<number>;
};

/** Beyond this many nodes the drawing stops being readable; the rest are counted, not drawn. */
export const MAX_DRAWN_NODES = 300;

/**
 * Reads a workflow definition as a graph, or null when it has no recognisable nodes.
 *
 * @example
 * parseWorkflow({ nodes: [{ id: 'a' }, { id: 'b' }], edges: [['a', 'b']] })?.edges; // [{ from: 'a', to: 'b' }]
 */
export function parseWorkflow(definition: unknown): WorkflowGraph | null {
  const def = asObject(definition);
  if (!def) return null;
  const nodes: Map<string, WorkflowNode> = new Map();
  const edges: WorkflowEdge[] = [];
  const edgeKeys = new Set();
  const addEdge = (from: string | null, to: string | null) => {
    if (from === null || to === null) return;
    const key = JSON.stringify([from, to]);
    if (edgeKeys.has(key)) return;
    edgeKeys.add(key);
    edges.push({ from, to });
  };

  const rawNodes = def['nodes'] ?? def['steps'] ?? def['tasks'];
  const entries: Array<[string | null, unknown]> = Array.isArray(rawNodes)
    ? rawNodes.map((n) => [null, n as unknown])
    : Object.entries(asObject(rawNodes) ?? {});
  for (const [key, raw] of entries) {
    const o = asObject(raw);
    const id = key ?? idOf(o ? (o['id'] ?? o['name'] ?? o['key']) : raw);
    if (id === null || nodes.has(id)) continue;
    const label = o ? (asString(o['label']) ?? asString(o['title']) ?? asString(o['name'])) : null;
    const kind = o ? (asString(o['kind']) ?? asString(o['type'])) : null;
    nodes.set(id, { id, label: label ?? id, kind });
    if (!o) continue;
    for (const k of ['dependsOn', 'depends_on', 'needs', 'after', 'requires']) {
      for (const dep of listOf(o[k])) addEdge(dep, id);
    }
    for (const k of ['next', 'then', 'to']) {
      for (const next of listOf(o[k])) addEdge(id, next);
    }
  }

  for (const raw of asArray(def['edges'] ?? def['links'] ?? def['transitions'])) {
    if (Array.isArray(raw)) addEdge(idOf(raw[0]), idOf(raw[1]));
    else {
      const o = asObject(raw);
      if (o) addEdge(idOf(o['from'] ?? o['source']), idOf(o['to'] ?? o['target']));
    }
  }
  for (const e of edges) {
    for (const id of [e.from, e.to]) {
      if (!nodes.has(id)) nodes.set(id, { id, label: id, kind: null });
    }
  }

  const gates: WorkflowGate[] = [];
  for (const raw of asArray(def['gates'])) {
    const o = asObject(raw);
    if (!o) {
      const id = idOf(raw);
      if (id !== null)
        gates.push({ id, node: nodes.has(id) ? id : null, after: null, before: null });
      continue;
    }
    const node = idOf(o['node'] ?? o['step']);
    const after = idOf(o['after']);
    const before = idOf(o['before']);
    const id = idOf(o['id'] ?? o['name']) ?? node ?? after ?? before;
    if (id !== null) gates.push({ id, node, after, before });
  }

  if (nodes.size === 0) return null;
  const all = [...nodes.values()];
  const kept = all.slice(0, MAX_DRAWN_NODES);
  const keptIds = new Set(kept.map((n) => n.id));
  return {
    nodes: kept,
    edges: edges.filter((e) => keptIds.has(e.from) && keptIds.has(e.to)),
    gates,
    omittedNodes: all.length - kept.length,
  };
}

/**
 * Layers by longest path from the sources (edges that close a cycle are set aside and drawn
 * apart), then orders each layer by the mean position of its neighbours to cut crossings.
 *
 * @example
 * layoutWorkflow(graph).layers; // [['draft'], ['review'], ['publish']]
 */
export function layoutWorkflow(graph: WorkflowGraph): WorkflowLayout {
  const ids = graph.nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const out: number[][] = ids.map(() => []);
  graph.edges.forEach((e, i) => out[index.get(e.from) ?? 0]?.push(i));

  // Depth-first search without recursion; an edge into a node still on the stack closes a cycle.
  const backEdges: Set<number> = new Set();
  const state = new Uint8Array(ids.length); // 0 new, 1 on stack, 2 done
  for (let root = 0; root < ids.length; root++) {
    if (state[root] !== 0) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as [number, number];
      const [v, next] = frame;
      const edgesOut = out[v] ?? [];
      if (next >= edgesOut.length) {
        state[v] = 2;
        stack.pop();
        continue;
      }
      frame[1] = next + 1;
      const ei = edgesOut[next] as number;
      const w = index.get((graph.edges[ei] as WorkflowEdge).to) ?? 0;
      if (state[w] === 1) backEdges.add(ei);
      else if (state[w] === 0) {
        state[w] = 1;
        stack.push([w, 0]);
      }
    }
  }

  // Longest path over the remaining (acyclic) edges, in topological order.
  const indegree = new Uint32Array(ids.length);
  graph.edges.forEach((e, i) => {
    if (backEdges.has(i)) return;
    const w = index.get(e.to) ?? 0;
    indegree[w] = (indegree[w] ?? 0) + 1;
  });
  const layerOf = new Uint32Array(ids.length);
  const queue = ids.map((_, i) => i).filter((i) => indegree[i] === 0);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q] as number;
    for (const ei of out[v] ?? []) {
      if (backEdges.has(ei)) continue;
      const w = index.get((graph.edges[ei] as WorkflowEdge).to) ?? 0;
      layerOf[w] = Math.max(layerOf[w] ?? 0, (layerOf[v] ?? 0) + 1);
      indegree[w] = (indegree[w] ?? 1) - 1;
      if (indegree[w] === 0) queue.push(w);
    }
  }

  const layers: string[][] = [];
  ids.forEach((id, i) => {
    const layer = layerOf[i] as number;
    (layers[layer] ??= []).push(id);
  });
  for (let l = 0; l < layers.length; l++) layers[l] ??= [];

  const preds: Map<string, string[]> = new Map(ids.map((id) => [id, []]));
  const succs: Map<string, string[]> = new Map(ids.map((id) => [id, []]));
  graph.edges.forEach((e, i) => {
    if (backEdges.has(i)) return;
    preds.get(e.to)?.push(e.from);
    succs.get(e.from)?.push(e.to);
  });
  const rank: Map<string, number> = new Map();
  for (const layer of layers) layer.forEach((id, i) => rank.set(id, i));
  const reorder = (layer: string[], neighbours: Map<string, string[]>) => {
    const keyed = layer.map((id) => {
      const ns = neighbours.get(id) ?? [];
      const mean = ns.length
        ? ns.reduce((sum, n) => sum + (rank.get(n) ?? 0), 0) / ns.length
        : (rank.get(id) ?? 0);
      return { id, mean };
    });
    keyed.sort((a, b) => a.mean - b.mean);
    keyed.forEach((k, i) => {
      layer[i] = k.id;
      rank.set(k.id, i);
    });
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    if (sweep % 2 === 0) for (let l = 1; l < layers.length; l++) reorder(layers[l] ?? [], preds);
    else for (let l = layers.length - 2; l >= 0; l--) reorder(layers[l] ?? [], succs);
  }

  const position: Map<string, { layer: number; index: number }> = new Map();
  layers.forEach((layer, l) => layer.forEach((id, i) => position.set(id, { layer: l, index: i })));
  return { layers, position, backEdges };
}
function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
function listOf(value: unknown): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map(idOf).filter(/** @returns */ (id): id is string => id !== null);
}
