// Node emission shared by the objective compiler and the backward walker: fresh names, constants
// (deduplicated), and the opset-dependent spelling of Reduce*/Squeeze/Unsqueeze.
import { makeTensor, type Attr, type DType, type Node, type Tensor } from '../onnx/model';

export class Emitter {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  private readonly constCache = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  /** prefix for names of nodes emitted next (the forward node being differentiated) */
  scope = '';

  constructor(readonly opset: number, private readonly used: Set<string>) {}

  /** a name not used anywhere in the model yet: `base`, `base_2`, `base_3`… */
  fresh(base: string): string {
    let k = this.counters.get(base) ?? 1;
    let name = k === 1 ? base : `${base}_${k}`;
    while (this.used.has(name)) name = `${base}_${++k}`;
    this.counters.set(base, k + 1);
    this.used.add(name);
    return name;
  }

  emit(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputCount = 1, domain = ''): string[] {
    const base = `${this.scope}/${opType}`;
    const name = this.fresh(`${base}_node`);
    const outputs = Array.from({ length: outputCount }, () => this.fresh(base));
    this.nodes.push({ name, opType, domain, inputs, outputs, attrs });
    return outputs;
  }

  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.emit(opType, inputs, attrs)[0]!;
  }

  tensor(dtype: DType, dims: number[], values: ArrayLike<number>): string {
    const small = values.length <= 16;
    const key = small ? `${dtype}|${dims.join(',')}|${Array.from(values).join(',')}` : '';
    if (small) {
      const hit = this.constCache.get(key);
      if (hit) return hit;
    }
    const name = this.fresh(`${this.scope ? this.scope + '/' : ''}const`);
    this.initializers.push(makeTensor(name, dtype, dims, values));
    if (small) this.constCache.set(key, name);
    return name;
  }

  scalar(value: number): string {
    return this.tensor('float32', [], [value]);
  }

  ints(values: number[]): string {
    return this.tensor('int64', [values.length], values);
  }

  private reduce(opType: string, x: string, axes: number[], keepdims: boolean, inputSince: number): string {
    const k = { keepdims: { type: 'int', value: keepdims ? 1 : 0 } as Attr };
    if (axes.length === 0) return x;
    return this.opset >= inputSince
      ? this.op(opType, [x, this.ints(axes)], k)
      : this.op(opType, [x], { ...k, axes: { type: 'ints', value: axes } });
  }

  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    return this.reduce('ReduceSum', x, axes, keepdims, 13);
  }

  reduceMean(x: string, axes: number[], keepdims: boolean): string {
    return this.reduce('ReduceMean', x, axes, keepdims, 18);
  }

  unsqueeze(x: string, axes: number[]): string {
    return this.opset >= 13 ? this.op('Unsqueeze', [x, this.ints(axes)]) : this.op('Unsqueeze', [x], { axes: { type: 'ints', value: axes } });
  }

  squeeze(x: string, axes: number[]): string {
    return this.opset >= 13 ? this.op('Squeeze', [x, this.ints(axes)]) : this.op('Squeeze', [x], { axes: { type: 'ints', value: axes } });
  }

  /** Slice with constant bounds (inputs since opset 10, attributes before) */
  slice(x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string {
    if (this.opset >= 10) {
      const ins = [x, this.ints(starts), this.ints(ends), this.ints(axes)];
      if (steps) ins.push(this.ints(steps));
      return this.op('Slice', ins);
    }
    if (steps && steps.some((s) => s !== 1)) throw new Error(`Slice with steps needs opset 10 or later (model has ${this.opset})`);
    return this.op('Slice', [x], { starts: { type: 'ints', value: starts }, ends: { type: 'ints', value: ends }, axes: { type: 'ints', value: axes } });
  }

  reshape(x: string, shape: number[]): string {
    return this.op('Reshape', [x, this.ints(shape)]);
  }

  zeros(shape: number[]): string {
    const value = makeTensor('value', 'float32', [1], [0]);
    return this.op('ConstantOfShape', [this.ints(shape)], { value: { type: 'tensor', value } });
  }

  unbroadcast(grad: string, gradShape: number[], targetShape: number[]): string {
    if (gradShape.length === targetShape.length && gradShape.every((d, i) => d === targetShape[i])) return grad;
    const lead = gradShape.length - targetShape.length;
    if (lead < 0) throw new Error(`unbroadcast: gradient shape [${gradShape}] has lower rank than [${targetShape}]`);
    const axes: number[] = [];
    for (let i = 0; i < gradShape.length; i++) {
      if (i < lead) axes.push(i);
      else if (targetShape[i - lead] === 1 && gradShape[i] !== 1) axes.push(i);
      else if (targetShape[i - lead] !== gradShape[i]) throw new Error(`unbroadcast: [${gradShape}] does not broadcast from [${targetShape}]`);
    }
    const summed = this.reduceSum(grad, axes, true);
    return this.reshape(summed, targetShape);
  }
}
