import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelGraph, ModelGraphNode } from '../../../shared/contract';
import { visibleGraph, opSummary, shapeText } from './visible';
import { layoutGraph } from './layout';

const node = (i: number, name: string, opType: string, inputs: string[], group?: string, layer = true): ModelGraphNode => ({
  id: `n${i}`, name, opType, inputs, outputs: [name], weights: [], attrs: [], ...(group ? { group } : {}), ...(layer ? { layer: name } : {}),
});

/** stem → a two-branch block "b1" → pool: the shape of an inception module, small */
function graph(): ModelGraph {
  const nodes = [
    node(0, 'stem', 'Conv', ['data']),
    node(1, 'b1/1x1', 'Conv', ['stem'], 'b1'),
    node(2, 'b1/3x3', 'Conv', ['stem'], 'b1'),
    node(3, 'b1/relu', 'Relu', ['b1/3x3'], 'b1'),
    node(4, 'b1/output', 'Concat', ['b1/1x1', 'b1/relu'], 'b1'),
    node(5, 'pool', 'MaxPool', ['b1/output']),
  ];
  return {
    modelSha: 'x', size: { width: 32, height: 32 }, inputs: ['data'], outputs: ['pool'], nodes, grouping: 'scopes',
    groups: [{ id: 'b1', label: 'b1', nodeCount: 4, opTypes: { Conv: 2, Relu: 1, Concat: 1 } }],
    shapes: { data: [1, 3, 32, 32], stem: [1, 8, 16, 16], 'b1/output': [1, 16, 16, 16], pool: [1, 16, 8, 8] },
  };
}

test('a collapsed group is one box standing for its last layer, with the shapes on its edges', () => {
  const v = visibleGraph(graph(), new Set());
  assert.deepEqual(v.nodes.map((n) => n.id).sort(), ['group:b1', 'input:data', 'n0', 'n5', 'output:pool']);
  const box = v.nodes.find((n) => n.id === 'group:b1')!;
  assert.equal(box.layer, 'b1/output');
  assert.equal(box.detail, '4 nodes · Conv 2 · Relu 1 · Concat 1');
  assert.deepEqual(v.edges.map((e) => `${e.from}>${e.to} ${e.shape}`), [
    'input:data>n0 1×3×32×32', 'n0>group:b1 1×8×16×16', 'group:b1>n5 1×16×16×16', 'n5>output:pool 1×16×8×8',
  ]);
  assert.deepEqual(v.clusters, []);
});

test('an expanded group shows its ops inside a frame; edges reach them, not the frame', () => {
  const v = visibleGraph(graph(), new Set(['b1']));
  assert.deepEqual(v.clusters, [{ id: 'group:b1', label: 'b1' }]);
  assert.equal(v.nodes.filter((n) => n.parent === 'group:b1').length, 4);
  assert.ok(v.edges.some((e) => e.from === 'n0' && e.to === 'n1'));
  assert.ok(v.edges.some((e) => e.from === 'n4' && e.to === 'n5' && e.shape === '1×16×16×16'));
  assert.ok(!v.edges.some((e) => e.from === 'group:b1' || e.to === 'group:b1'));

  const l = layoutGraph(v);
  const frame = l.clusters[0]!;
  for (const id of ['n1', 'n2', 'n3', 'n4']) {
    const b = l.boxes.get(id)!;
    assert.ok(b.x >= frame.x && b.x + b.width <= frame.x + frame.width && b.y >= frame.y && b.y + b.height <= frame.y + frame.height, `${id} inside the frame`);
  }
  // top to bottom: the input above the stem above the block's output above the pool
  const y = (id: string) => l.boxes.get(id)!.y;
  assert.ok(y('input:data') < y('n0') && y('n0') < y('n4') && y('n4') < y('n5'));
  assert.ok(l.edges.every((e) => e.points.length >= 2));
  assert.ok(l.edges.filter((e) => e.label).length >= 4, 'shapes are placed on the edges');
});

test('shape and op summaries', () => {
  assert.equal(shapeText([1, 'N', null]), '1×N×?');
  assert.equal(opSummary({ A: 1, B: 5, C: 2, D: 1, E: 1 }), 'B 5 · C 2 · A 1 · D 1 · …');
});
