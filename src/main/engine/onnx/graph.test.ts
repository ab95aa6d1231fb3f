// describeGraph on small hand-made graphs: how groups are found without scope names (residual blocks),
// with them (PyTorch-style "/layer1/…"), and what a node carries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelDescription } from '../../../shared/contract';
import { cutPoints, describeGraph, scopeOf } from './graph';
import type { Model, Node } from './model';

const node = (name: string, opType: string, inputs: string[], outputs = [name]): Node => ({ name, opType, domain: '', inputs, outputs, attrs: {} });

function model(nodes: Node[], weights: string[] = []): Model {
  return {
    irVersion: 8, opsetImports: [{ domain: '', version: 13 }], producerName: '', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'g', nodes, valueInfo: [], outputs: [{ name: nodes[nodes.length - 1]!.outputs[0]! }],
      inputs: [{ name: 'x', shape: ['N', 3, 'H', 'W'] }, ...weights.map((w) => ({ name: w }))],
      initializers: weights.map((w) => ({ name: w, dtype: 'float32' as const, dims: [4, 3, 3, 3], raw: new Uint8Array(0) })) as never,
    },
  };
}
const description = (layers: string[]): ModelDescription => ({
  sha256: 's', inspectedSize: { width: 32, height: 32 }, imageInput: 'x',
  inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 'H', 'W'] }], outputs: [],
  layers: layers.map((name, order) => ({ name, opType: 'Conv', nodeName: name, shape: [1, 4, 32, 32], preActivation: false, order })),
} as unknown as ModelDescription);

/** conv → two residual blocks (conv → relu → conv, + the skip, Add) → relu: Keras-like names, no scopes */
const residual = [
  node('conv0', 'Conv', ['x', 'w']),
  node('conv1a', 'Conv', ['conv0', 'w']), node('relu1', 'Relu', ['conv1a']), node('conv1b', 'Conv', ['relu1', 'w']), node('add1', 'Add', ['conv1b', 'conv0']),
  node('conv2a', 'Conv', ['add1', 'w']), node('relu2', 'Relu', ['conv2a']), node('conv2b', 'Conv', ['relu2', 'w']), node('add2', 'Add', ['conv2b', 'add1']),
  node('out', 'Relu', ['add2']),
];

test('without scope names, a stretch between single-tensor cuts that branches and merges is a block named by its output', () => {
  assert.deepEqual(cutPoints(residual, new Set(['x']), ['out']), [0, 4, 8, 9]);
  const g = describeGraph(model(residual, ['w']), description(['conv0', 'add1', 'add2']));
  assert.equal(g.grouping, 'blocks');
  assert.deepEqual(g.groups.map((x) => [x.id, x.nodeCount, x.opTypes]), [['add1', 4, { Conv: 2, Relu: 1, Add: 1 }], ['add2', 4, { Conv: 2, Relu: 1, Add: 1 }]]);
  assert.deepEqual(g.nodes.filter((n) => n.group === undefined).map((n) => n.name), ['conv0', 'out']);
  // weights are listed apart from the tensors that flow; the image input gets the inspected size
  const c = g.nodes[0]!;
  assert.deepEqual(c.inputs, ['x']);
  assert.deepEqual(c.weights, [{ name: 'w', shape: [4, 3, 3, 3] }]);
  assert.equal(c.layer, 'conv0');
  assert.equal(g.nodes.find((n) => n.name === 'relu1')!.layer, undefined, 'not in the layer list: nothing to select');
  assert.deepEqual(g.shapes.x, [1, 3, 32, 32]);
  assert.deepEqual(g.inputs, ['x']);
});

test('scope names win when most nodes have them; a scope of one node is no group', () => {
  const scoped = [
    node('/stem/conv/Conv', 'Conv', ['x'], ['/stem/conv/Conv_output_0']),
    node('/layer1/layer1.0/conv1/Conv', 'Conv', ['/stem/conv/Conv_output_0'], ['a']),
    node('/layer1/layer1.0/relu/Relu', 'Relu', ['a'], ['b']),
    node('/layer1/layer1.1/conv1/Conv', 'Conv', ['b'], ['c']),
    node('', 'Flatten', ['c'], ['/head/Flatten_output_0']),
  ];
  assert.equal(scopeOf(scoped[4]!), 'head', 'a nameless node is scoped by its output');
  const g = describeGraph(model(scoped), description([]));
  assert.equal(g.grouping, 'scopes');
  assert.deepEqual(g.groups.map((x) => [x.id, x.nodeCount]), [['layer1', 3]]);
  assert.equal(g.nodes[4]!.name, '/head/Flatten_output_0');
});

test('a plain chain has no groups', () => {
  const chain = [node('c1', 'Conv', ['x']), node('r1', 'Relu', ['c1']), node('c2', 'Conv', ['r1']), node('r2', 'Relu', ['c2'])];
  const g = describeGraph(model(chain), description(['c1']));
  assert.equal(g.grouping, 'none');
  assert.deepEqual(g.groups, []);
});
