// Forward-graph rewrites done before differentiation. They keep every value the same and only change
// which float32 computation the backward pass sees.
import type { Node } from '../onnx/model';

/** Strictly increasing activations: act(max(z)) = max(act(z)), exactly. */
const INCREASING = new Set(['Tanh', 'Sigmoid', 'Elu', 'Selu', 'Softplus', 'LeakyRelu']);

/**
 * MaxPool(act(z)) → act(MaxPool(z)) for strictly increasing act.
 *
 * Why: saturating activations round distinct inputs to the same float32 (tanh(3.99475) and
 * tanh(3.99478) are both 0.9993222), so the pool's argmax — which carries the whole gradient of its
 * window — picks an arbitrary winner. On z the tie usually does not exist and the winner is the true
 * one (the float64 one). The original activation node stays when something else reads its output.
 */
export function commuteMaxPool(nodes: Node[], shapes: Map<string, number[]>, fresh: (base: string) => string, keep: Set<string>): Node[] {
  const producer = new Map<string, Node>();
  const readers = new Map<string, number>();
  for (const n of nodes) {
    n.outputs.forEach((o) => producer.set(o, n));
    n.inputs.forEach((i) => readers.set(i, (readers.get(i) ?? 0) + 1));
  }
  const dropped = new Set<Node>();
  const out: Node[] = [];
  for (const n of nodes) {
    const act = n.opType === 'MaxPool' && n.outputs.length === 1 ? producer.get(n.inputs[0]!) : undefined;
    if (!act || !INCREASING.has(act.opType) || (act.opType === 'LeakyRelu' && (act.attrs.alpha?.value ?? 0.01) as number <= 0)) {
      out.push(n);
      continue;
    }
    const pooled = fresh(`${n.outputs[0]}/pool_before_${act.opType}`);
    shapes.set(pooled, shapes.get(n.outputs[0]!)!);
    out.push({ ...n, inputs: [act.inputs[0]!], outputs: [pooled] });
    out.push({ ...act, name: `${act.name}/after_${n.name}`, inputs: [pooled, ...act.inputs.slice(1)], outputs: [n.outputs[0]!] });
    // the activation on the full map is dead when the pool was its only reader
    if (readers.get(act.outputs[0]!) === 1 && !keep.has(act.outputs[0]!)) dropped.add(act);
  }
  return out.filter((n) => !dropped.has(n));
}

/** Rules emit Where, Expand, ConstantOfShape, Sign, Erf: the emitted model is at least opset 9. */
export const MIN_EMIT_OPSET = 9;

/**
 * The opset of the emitted model. Below 9: raised to 9 (raiseOpset restates the few forward ops that
 * changed). 13–15: raised to 16, where ScatterElements gains reduction="add" — MaxPool's backward then
 * scatters in one op instead of MaxUnpool phases (bench:grad: GoogLeNet 512 CPU ratio 2.38× → 2.00×).
 * No default-domain op changed meaning between 13 and 16 (only new types and attributes whose defaults
 * keep the old behaviour: Reshape allowzero=0, BatchNormalization training_mode=0). 9–12 stay: opset 13
 * changed Softmax's axis semantics and moved Squeeze/Unsqueeze/ReduceSum/Split attributes to inputs.
 */
export function emitOpset(source: number): number {
  if (source < MIN_EMIT_OPSET) return MIN_EMIT_OPSET;
  if (source >= 13 && source < 16) return 16;
  return source;
}

const CHANGED_BEFORE_9 = new Set(['BatchNormalization', 'Upsample']);

/**
 * Restate opset 7/8 forward nodes at opset 9. Between 7 and 9 only Upsample (scales attribute → input)
 * and BatchNormalization (the `spatial` attribute) changed in ways that matter; everything else only
 * gained types or broadcasting.
 */
export function raiseOpset(nodes: Node[], from: number, addConstant: (name: string, values: number[]) => string): Node[] {
  if (from >= MIN_EMIT_OPSET) return nodes;
  return nodes.map((n) => {
    if (!CHANGED_BEFORE_9.has(n.opType) || (n.domain !== '' && n.domain !== 'ai.onnx')) return n;
    if (n.opType === 'BatchNormalization') {
      const spatial = n.attrs.spatial;
      if (spatial && spatial.type === 'int' && spatial.value === 0) {
        throw new Error(`BatchNormalization node "${n.name}" uses spatial=0 (opset ${from}), which has no opset-9 equivalent`);
      }
      const { spatial: _drop, ...attrs } = n.attrs;
      return { ...n, attrs };
    }
    const scales = n.attrs.scales;
    if (!scales || scales.type !== 'floats') throw new Error(`Upsample node "${n.name}" (opset ${from}) has no scales attribute`);
    const { scales: _s, ...attrs } = n.attrs;
    return { ...n, inputs: [n.inputs[0]!, addConstant(`${n.name}/scales`, scales.value)], attrs };
  });
}
