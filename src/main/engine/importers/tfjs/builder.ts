// A tiny ONNX graph builder for the importer: nodes, float/int64 constants, and the Keras-side
// (channels-last) static shape of every tensor it has produced.
import { makeTensor, type Attr, type Node, type Tensor } from '../../onnx/model';

/** Keras shape (channels last, batch first); null = unknown or dynamic. */
export type KShape = (number | null)[];

export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Tensor[] = [];
  readonly shapes = new Map<string, KShape>();
  private constCount = 0;

  node(opType: string, inputs: string[], output: string, attrs: Record<string, Attr> = {}, shape?: KShape): string {
    this.nodes.push({ name: output, opType, domain: '', inputs, outputs: [output], attrs });
    if (shape) this.shapes.set(output, shape);
    return output;
  }

  floats(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push(makeTensor(name, 'float32', dims, values));
    return name;
  }

  int64s(name: string, values: number[]): string {
    this.initializers.push(makeTensor(name, 'int64', [values.length], values));
    return name;
  }

  scalar(base: string, value: number): string {
    return this.floats(`${base}/const${this.constCount++}`, [], [value]);
  }

  shape(tensor: string): KShape {
    const s = this.shapes.get(tensor);
    if (!s) throw new Error(`internal: no shape recorded for tensor "${tensor}"`);
    return s;
  }
}

export const A = {
  int: (value: number): Attr => ({ type: 'int', value }),
  float: (value: number): Attr => ({ type: 'float', value }),
  ints: (value: number[]): Attr => ({ type: 'ints', value }),
  string: (value: string): Attr => ({ type: 'string', value }),
};
