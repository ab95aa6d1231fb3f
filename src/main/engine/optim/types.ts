// Shared shapes of the optimization library. Images are NCHW: [batch, channels, height, width].
// Kernels accept Float32Array (what the render loop runs on) or Float64Array (what the gradient checks
// run on, so finite differences can be compared with tight tolerances); outputs take the input's type.

export type Dims = [number, number, number, number];
export type FloatArray = Float32Array | Float64Array;

/**
 * The model, seen from this library. `img` is NCHW, RGB in [0, 1], shape `dims` = [B, 3, H, W]. Returns one
 * objective value per batch item (to be maximized) and writes d(sum of objectives)/d(img) into `grad`
 * (same shape as `img`). A recipe supplies it: it maps [0, 1] RGB into the model's own preprocessing.
 */
export type Evaluate = (img: Float32Array, dims: Dims, grad: Float32Array) => Promise<number[]>;

/** A zeroed array of `n` elements of the same element type as `like`. */
export function alloc<T extends FloatArray>(like: T, n: number): T {
  return (like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n)) as T;
}

export function sizeOf(d: Dims): number {
  return d[0] * d[1] * d[2] * d[3];
}

export function checkLength(x: FloatArray, d: Dims, what: string): void {
  if (x.length !== sizeOf(d)) throw new Error(`${what}: expected ${d.join('×')} = ${sizeOf(d)} values, got ${x.length}`);
}

/** A uniform choice from a non-empty list (numpy's `choice`). */
export function pick<T>(rand: () => number, list: readonly T[]): T {
  if (list.length === 0) throw new Error('pick: empty list');
  return list[Math.min(list.length - 1, Math.floor(rand() * list.length))] as T;
}
