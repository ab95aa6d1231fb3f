// The linear maps behind the transforms, each with its exact adjoint. Every map acts on each plane of an
// NCHW tensor ([B, C, H, W] → [B, C, H', W']) the same way:
//   axis maps   out[y, x] = in[rows[y], cols[x]] (or `fill` where either index is −1): pad, crop, translate
//   separable   out[y, x] = Σ_a Σ_b wy_a(y)·wx_b(x)·in[iy_a(y), ix_b(x)] (2 taps per axis): bilinear scale
//   warp        out[p] = Σ_k w_k(p)·in[i_k(p)] (4 taps, −1 = outside = 0): bilinear rotation
// Forward gathers, the adjoint scatters with the same indices and weights, so ⟨g, A x⟩ = ⟨Aᵀ g, x⟩ holds
// to rounding. A constant fill makes pad affine, not linear; its adjoint is that of the linear part.
import { alloc, type Dims, type FloatArray } from '../types';

export interface LinearMap {
  readonly inDims: Dims;
  readonly outDims: Dims;
  forward<T extends FloatArray>(x: T): T;
  adjoint<T extends FloatArray>(g: T): T;
}

function planesOf(d: Dims): number {
  return d[0] * d[1];
}

function check(x: FloatArray, d: Dims, what: string): void {
  const n = d[0] * d[1] * d[2] * d[3];
  if (x.length !== n) throw new Error(`${what}: expected ${d.join('×')} = ${n} values, got ${x.length}`);
}

export function axisMap(inDims: Dims, rows: Int32Array, cols: Int32Array, fill: number): LinearMap {
  const [b, c, h, w] = inDims;
  const oh = rows.length, ow = cols.length;
  const outDims: Dims = [b, c, oh, ow];
  const planes = planesOf(inDims);
  return {
    inDims,
    outDims,
    forward(x) {
      check(x, inDims, 'transform forward');
      const out = alloc(x, planes * oh * ow);
      for (let p = 0; p < planes; p++) {
        const ip = p * h * w, op = p * oh * ow;
        for (let y = 0; y < oh; y++) {
          const r = rows[y];
          if (r < 0) { out.fill(fill, op + y * ow, op + (y + 1) * ow); continue; }
          const src = ip + r * w, dst = op + y * ow;
          for (let xx = 0; xx < ow; xx++) {
            const s = cols[xx];
            out[dst + xx] = s < 0 ? fill : x[src + s];
          }
        }
      }
      return out;
    },
    adjoint(g) {
      check(g, outDims, 'transform adjoint');
      const out = alloc(g, planes * h * w);
      for (let p = 0; p < planes; p++) {
        const ip = p * h * w, op = p * oh * ow;
        for (let y = 0; y < oh; y++) {
          const r = rows[y];
          if (r < 0) continue;
          for (let xx = 0; xx < ow; xx++) {
            const s = cols[xx];
            if (s >= 0) out[ip + r * w + s] += g[op + y * ow + xx];
          }
        }
      }
      return out;
    },
  };
}

/** two taps per output position along one axis: out[i] = w0[i]·in[i0[i]] + w1[i]·in[i1[i]] */
export interface AxisTaps { i0: Int32Array; i1: Int32Array; w0: Float64Array; w1: Float64Array }

/** bilinear taps with align_corners=True (corner pixels map onto corner pixels), as Lucent's scale */
export function alignCornersTaps(inSize: number, outSize: number): AxisTaps {
  const t: AxisTaps = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w0: new Float64Array(outSize), w1: new Float64Array(outSize) };
  const ratio = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  for (let i = 0; i < outSize; i++) {
    const src = i * ratio;
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const f = src - i0;
    t.i0[i] = i0;
    t.i1[i] = Math.min(i0 + 1, inSize - 1);
    t.w0[i] = 1 - f;
    t.w1[i] = f;
  }
  return t;
}

export function separableMap(inDims: Dims, ty: AxisTaps, tx: AxisTaps): LinearMap {
  const [b, c, h, w] = inDims;
  const oh = ty.i0.length, ow = tx.i0.length;
  const outDims: Dims = [b, c, oh, ow];
  const planes = planesOf(inDims);
  return {
    inDims,
    outDims,
    forward(x) {
      check(x, inDims, 'transform forward');
      const out = alloc(x, planes * oh * ow);
      for (let p = 0; p < planes; p++) {
        const ip = p * h * w, op = p * oh * ow;
        for (let y = 0; y < oh; y++) {
          const r0 = ip + ty.i0[y] * w, r1 = ip + ty.i1[y] * w, a0 = ty.w0[y], a1 = ty.w1[y];
          for (let xx = 0; xx < ow; xx++) {
            const c0 = tx.i0[xx], c1 = tx.i1[xx], b0 = tx.w0[xx], b1 = tx.w1[xx];
            out[op + y * ow + xx] = a0 * (b0 * x[r0 + c0] + b1 * x[r0 + c1]) + a1 * (b0 * x[r1 + c0] + b1 * x[r1 + c1]);
          }
        }
      }
      return out;
    },
    adjoint(g) {
      check(g, outDims, 'transform adjoint');
      const out = alloc(g, planes * h * w);
      for (let p = 0; p < planes; p++) {
        const ip = p * h * w, op = p * oh * ow;
        for (let y = 0; y < oh; y++) {
          const r0 = ip + ty.i0[y] * w, r1 = ip + ty.i1[y] * w, a0 = ty.w0[y], a1 = ty.w1[y];
          for (let xx = 0; xx < ow; xx++) {
            const v = g[op + y * ow + xx];
            const c0 = tx.i0[xx], c1 = tx.i1[xx], b0 = tx.w0[xx], b1 = tx.w1[xx];
            out[r0 + c0] += a0 * b0 * v; out[r0 + c1] += a0 * b1 * v;
            out[r1 + c0] += a1 * b0 * v; out[r1 + c1] += a1 * b1 * v;
          }
        }
      }
      return out;
    },
  };
}

/** four taps per output pixel of one plane (index −1: outside the input, contributes 0) */
export interface WarpTaps { index: Int32Array; weight: Float64Array }

/**
 * bilinear sampling at arbitrary source points: (srcY, srcX)(y, x) is the source position of output
 * pixel (y, x); each of the 4 neighbours outside the input counts as 0 (grid_sample padding 'zeros')
 */
export function bilinearWarpTaps(h: number, w: number, oh: number, ow: number, srcY: (y: number, x: number) => number, srcX: (y: number, x: number) => number): WarpTaps {
  const index = new Int32Array(4 * oh * ow).fill(-1);
  const weight = new Float64Array(4 * oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const sy = srcY(y, x), sx = srcX(y, x);
      const y0 = Math.floor(sy), x0 = Math.floor(sx);
      const fy = sy - y0, fx = sx - x0;
      const k = 4 * (y * ow + x);
      for (let j = 0; j < 4; j++) {
        const cy = y0 + (j >> 1), cx = x0 + (j & 1);
        const wt = (j >> 1 ? fy : 1 - fy) * (j & 1 ? fx : 1 - fx);
        if (cy >= 0 && cy < h && cx >= 0 && cx < w && wt !== 0) {
          index[k + j] = cy * w + cx;
          weight[k + j] = wt;
        }
      }
    }
  }
  return { index, weight };
}

export function warpMap(inDims: Dims, oh: number, ow: number, taps: WarpTaps): LinearMap {
  const [b, c, h, w] = inDims;
  const outDims: Dims = [b, c, oh, ow];
  const planes = planesOf(inDims);
  const n = oh * ow;
  const { index, weight } = taps;
  return {
    inDims,
    outDims,
    forward(x) {
      check(x, inDims, 'transform forward');
      const out = alloc(x, planes * n);
      for (let p = 0; p < planes; p++) {
        const ip = p * h * w, op = p * n;
        for (let i = 0; i < n; i++) {
          let v = 0;
          for (let k = 4 * i; k < 4 * i + 4; k++) if (index[k] >= 0) v += weight[k] * x[ip + index[k]];
          out[op + i] = v;
        }
      }
      return out;
    },
    adjoint(g) {
      check(g, outDims, 'transform adjoint');
      const out = alloc(g, planes * h * w);
      for (let p = 0; p < planes; p++) {
        const ip = p * h * w, op = p * n;
        for (let i = 0; i < n; i++) {
          const v = g[op + i];
          for (let k = 4 * i; k < 4 * i + 4; k++) if (index[k] >= 0) out[ip + index[k]] += weight[k] * v;
        }
      }
      return out;
    },
  };
}

export function identityMap(dims: Dims): LinearMap {
  return { inDims: dims, outDims: dims, forward: (x) => x.slice() as typeof x, adjoint: (g) => g.slice() as typeof g };
}

/** maps applied in order; the adjoint runs them backwards */
export function chainMaps(maps: readonly LinearMap[], dims: Dims): LinearMap {
  if (maps.length === 0) return identityMap(dims);
  return {
    inDims: maps[0].inDims,
    outDims: maps[maps.length - 1].outDims,
    forward: (x) => maps.reduce((v, m) => m.forward(v), x),
    adjoint: (g) => maps.reduceRight((v, m) => m.adjoint(v), g),
  };
}
