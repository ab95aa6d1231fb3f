// Top-1 inside the gradient graph (GradientSpec.top1Of). A class target is a `direction` objective fed a
// one-hot vector; for "top-1" that vector can be computed in the graph from the logits the same run
// produces (ArgMax → OneHot), so a single-image gradient method needs no separate forward pass first.
// The direction input is a constant to the backward pass (nothing differentiates through it), so
// producing it in-graph changes no gradient: the map is exactly the explicit class's.
import { A } from '../autodiff/types';
import { makeTensor, type Model } from '../onnx/model';

/**
 * `model` with graph input `target` (shape [C]) replaced by onehot(argmax(logits[0])) where `logits`
 * is a [1, C] tensor of the graph; the chosen index is a new int64 output, returned as `indexOutput`.
 */
export function argmaxTarget(model: Model, logits: string, target: string, classes: number): { model: Model; indexOutput: string } {
  const g = model.graph;
  if (!g.inputs.some((i) => i.name === target)) throw new Error(`argmaxTarget: the graph has no input "${target}"`);
  const at = g.nodes.findIndex((n) => n.outputs.includes(logits));
  if (at < 0) throw new Error(`argmaxTarget: no node produces "${logits}"`);
  if (g.nodes.slice(0, at + 1).some((n) => n.inputs.includes(target))) throw new Error(`argmaxTarget: "${target}" is read before "${logits}" exists`);
  const name = (s: string) => `top1_target/${s}`;
  const indexOutput = name('index');
  return {
    indexOutput,
    model: {
      ...model,
      graph: {
        ...g,
        inputs: g.inputs.filter((i) => i.name !== target),
        initializers: [
          ...g.initializers,
          makeTensor(name('depth'), 'int64', [], [BigInt(classes)]),
          makeTensor(name('values'), 'float32', [2], [0, 1]),
          makeTensor(name('shape'), 'int64', [1], [BigInt(classes)]),
        ],
        // right after the logits, before anything reads `target` (graph order stays topological)
        nodes: [
          ...g.nodes.slice(0, at + 1),
          { name: name('argmax'), opType: 'ArgMax', domain: '', inputs: [logits], outputs: [indexOutput], attrs: { axis: A.int(1), keepdims: A.int(0) } },
          { name: name('onehot'), opType: 'OneHot', domain: '', inputs: [indexOutput, name('depth'), name('values')], outputs: [name('onehot')], attrs: { axis: A.int(-1) } },
          { name: name('reshape'), opType: 'Reshape', domain: '', inputs: [name('onehot'), name('shape')], outputs: [target], attrs: {} },
          ...g.nodes.slice(at + 1),
        ],
        outputs: [...g.outputs, { name: indexOutput, dtype: 'int64', shape: [1] }],
      },
    },
  };
}
