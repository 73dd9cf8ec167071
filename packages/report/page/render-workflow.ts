// The workflow DAG as SVG: layers left to right, each node coloured by how its step ended in
// this run, and the human gates as diamonds coloured by their decision.

import { h, svg } from './dom.js';
import { layoutWorkflow, parseWorkflow } from './workflow-graph.js';
import { codeBlock, decisionTone, note } from './ui.js';
import type { BundleView } from './view-model.js';
import type { GateSummary } from './summarize.js';
import type { WorkflowGate } from './workflow-graph.js';

const NODE_W = 164;
const NODE_H = 54;
const GAP_X = 60;
const GAP_Y = 40;
const PAD = 16;
/** Room above the nodes for gate markers and their labels. */
const TOP = 30;
/** Up to this many layers the drawing is scaled to fit the page; wider ones scroll. */
const FIT_LAYERS = 7;

/**
 * Draws the run's workflow definition, or says why it cannot.
 *
 * @example
 * renderWorkflow(section, view, gates);
 */
export function renderWorkflow(
  el: HTMLElement,
  view: BundleView,
  gates: Map<string, GateSummary>,
): void {
  const wf = view.run.workflow;
  if (!wf) {
    el.append(note('This run recorded no workflow snapshot.'));
    return;
  }
  const graph = wf.definition === null ? null : parseWorkflow(wf.definition);
  if (!graph) {
    el.append(
      note(
        wf.definition === null
          ? 'The workflow snapshot holds no definition (it was missing or not valid JSON).'
          : 'The workflow definition has no nodes this report can draw; here it is as recorded.',
      ),
    );
    if (wf.definition !== null) el.append(codeBlock(JSON.stringify(wf.definition, null, 2)));
    return;
  }
  const layout = layoutWorkflow(graph);
  const tallest = Math.max(1, ...layout.layers.map((l) => l.length));
  const width = PAD * 2 + layout.layers.length * NODE_W + (layout.layers.length - 1) * GAP_X;
  const height =
    TOP + PAD * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y + (layout.backEdges.size ? 40 : 0);
  /** @param id */
  const box = (id: string) => {
    const p = layout.position.get(id) ?? { layer: 0, index: 0 };
    const size = layout.layers[p.layer]?.length ?? 1;
    const offset = ((tallest - size) * (NODE_H + GAP_Y)) / 2;
    return {
      x: PAD + p.layer * (NODE_W + GAP_X),
      y: TOP + PAD + offset + p.index * (NODE_H + GAP_Y),
    };
  };

  // How each node's step ended in this run (the last step with that id wins).
  const stepState: Map<string, string> = new Map();
  for (const s of view.steps)
    stepState.set(
      s.stepId,
      s.status.code === 'error' ? 'error' : s.status.code === 'ok' ? 'ok' : 'ran',
    );

  const root = svg('svg', {
    class: `dag${layout.layers.length <= FIT_LAYERS ? ' dag--fit' : ''}`,
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': 'dag-title',
  });
  root.append(
    svg(
      'title',
      { id: 'dag-title' },
      `Workflow graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges, ${graph.gates.length} gates`,
    ),
    svg(
      'defs',
      null,
      svg(
        'marker',
        {
          id: 'dag-arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'dag__arrow' }),
      ),
    ),
  );

  graph.edges.forEach((e, i) => {
    const a = box(e.from);
    const b = box(e.to);
    if (layout.backEdges.has(i) || a.x >= b.x) {
      // Drawn under the nodes as a loop back.
      const x1 = a.x + NODE_W / 2;
      const x2 = b.x + NODE_W / 2;
      const y = Math.max(a.y, b.y) + NODE_H;
      root.append(
        svg('path', {
          class: 'dag__edge dag__edge--back',
          d: `M ${x1} ${a.y + NODE_H} C ${x1} ${y + 40}, ${x2} ${y + 40}, ${x2} ${b.y + NODE_H}`,
          'marker-end': 'url(#dag-arrow)',
        }),
      );
      return;
    }
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    root.append(
      svg('path', {
        class: 'dag__edge',
        d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2 - 1} ${y2}`,
        'marker-end': 'url(#dag-arrow)',
      }),
    );
  });

  for (const n of graph.nodes) {
    const { x, y } = box(n.id);
    const state = stepState.get(n.id) ?? 'not-run';
    const label = n.label.length > 21 ? `${n.label.slice(0, 20)}…` : n.label;
    const stateText =
      { ok: 'succeeded', error: 'failed', ran: 'ran', 'not-run': 'did not run' }[state] ?? state;
    root.append(
      svg(
        'g',
        { class: `dag__node dag__node--${state}` },
        svg('title', null, `${n.label}${n.kind ? ` (${n.kind})` : ''}: ${stateText} in this run`),
        svg('rect', { x, y, width: NODE_W, height: NODE_H, rx: 8 }),
        svg('rect', { class: 'dag__stripe', x, y, width: 5, height: NODE_H, rx: 2 }),
        svg('text', { class: 'dag__label', x: x + 16, y: y + (n.kind ? 22 : 32) }, label),
        n.kind
          ? svg('text', { class: 'dag__kind', x: x + 16, y: y + 40 }, `${n.kind} · ${stateText}`)
          : null,
      ),
    );
  }

  const unplaced: WorkflowGate[] = [];
  for (const gate of graph.gates) {
    const anchorId = gate.node ?? gate.after ?? gate.before;
    if (anchorId === null || !layout.position.has(anchorId)) {
      unplaced.push(gate);
      continue;
    }
    const { x, y } = box(anchorId);
    // A gate on a node sits on its top edge; one after or before a node sits on the edge between.
    const cx =
      gate.node !== null
        ? x + NODE_W / 2
        : gate.after !== null
          ? x + NODE_W + GAP_X / 2
          : x - GAP_X / 2;
    const cy = gate.node !== null ? y : y + NODE_H / 2;
    const summary = gates.get(gate.id);
    const decision = summary?.decision ?? null;
    const tone = summary ? decisionTone(decision) : 'muted';
    const said = summary
      ? decision !== null
        ? `${decision.replace(/_/g, ' ')}${summary.actor ? ` by ${summary.actor}` : ''}`
        : 'waiting for a decision'
      : 'not reached in this run';
    const r = 10;
    root.append(
      svg(
        'g',
        { class: `dag__gate dag__gate--${tone}` },
        svg('title', null, `Gate ${gate.id}: ${said}`),
        svg('path', {
          d: `M ${cx} ${cy - r} L ${cx + r} ${cy} L ${cx} ${cy + r} L ${cx - r} ${cy} z`,
        }),
        svg(
          'text',
          {
            class: 'dag__gate-label',
            x: cx,
            y: gate.node !== null ? cy - r - 6 : y - 8,
            'text-anchor': 'middle',
          },
          gate.id,
        ),
      ),
    );
  }

  el.append(h('div', { class: 'dag-frame' }, root));
  el.append(
    h(
      'ul',
      { class: 'legend', 'aria-label': 'Legend' },
      legend('swatch swatch--ok', 'step succeeded'),
      legend('swatch swatch--error', 'step failed'),
      legend('swatch swatch--ran', 'step ran, status unset'),
      legend('swatch swatch--not-run', 'did not run'),
      legend('swatch swatch--gate', 'human gate (colour: decision)'),
    ),
  );
  if (graph.omittedNodes > 0) el.append(note(`${graph.omittedNodes} more nodes are not drawn.`));
  if (unplaced.length > 0) {
    el.append(note(`Gates with no node in the graph: ${unplaced.map((g) => g.id).join(', ')}.`));
  }
  el.append(
    h(
      'details',
      { class: 'disclosure', 'data-print': 'skip' },
      h(
        'summary',
        null,
        'Workflow definition as recorded',
        wf.sha256 ? h('span', { class: 'muted' }, ` · sha256 ${wf.sha256.slice(0, 12)}…`) : null,
      ),
      codeBlock(JSON.stringify(wf.definition, null, 2)),
    ),
  );
}
function legend(swatch: string, text: string) {
  return h('li', null, h('span', { class: swatch, 'aria-hidden': 'true' }), text);
}
