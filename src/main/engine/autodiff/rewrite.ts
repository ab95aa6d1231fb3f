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
export function commuteMaxPool(nodes: Node[], shapes: Map<string, number[]>, fresh: (base: string) => string): Node[] {
  const producer = new Map<string, Node>();
  for (const n of nodes) n.outputs.forEach((o) => producer.set(o, n));
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
  }
  return out;
}
