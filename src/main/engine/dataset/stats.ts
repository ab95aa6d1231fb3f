// What an index keeps per layer, whatever the folder size: per channel the top-k and bottom-k photos (the
// channel's max / min over a photo's map, and where it is), a histogram of every value, and moments. Fed one
// batch of maps at a time; (de)serialized as fixed-size blobs, so a batch's transaction rewrites them whole.
//
// [Note: histogram range] Bins are fixed in number, their range is not known in advance. A channel's first
// photo sets the range to its [min, max]; a later value outside it doubles the range (up or down) and merges
// bins in pairs, which is exact because the old bins nest in the new ones. So every value is counted once,
// in one pass, with bounded memory; the price is that bins can be up to twice as wide as a two-pass
// histogram's. Counts sum to photos × H × W.

/** One photo's extreme for a channel: the value and the first map position (row-major) where it is. */
export interface Extreme {
  photoId: number;
  value: number;
  x: number;
  y: number;
}

export interface LayerShape {
  channels: number;
  height: number;
  width: number;
}

const NONE = -1;

/** Whether (value, photoId) goes before entry `at`: an empty entry, a stronger value, or an equal value and a smaller photo id (a deterministic order). */
function beats(vals: Float32Array, ids: Int32Array, at: number, value: number, photoId: number, top: boolean): boolean {
  const wid = ids[at]!;
  if (wid === NONE) return true;
  const w = vals[at]!;
  if (value !== w) return top ? value > w : value < w;
  return photoId < wid;
}

export class LayerStats {
  /** top: value desc, photo id asc; `topCount[c]` filled */
  readonly topValue: Float32Array;
  readonly topPhoto: Int32Array;
  readonly topPos: Int32Array;
  readonly botValue: Float32Array;
  readonly botPhoto: Int32Array;
  readonly botPos: Int32Array;
  readonly counts: Uint32Array;
  /** per channel: histogram origin and bin width (width 0: no value seen yet); min, max, sum */
  readonly range: Float64Array;
  readonly moments: Float64Array;
  /** photos seen */
  photos = 0;

  constructor(readonly shape: LayerShape, readonly k: number, readonly bins: number) {
    const ck = shape.channels * k;
    this.topValue = new Float32Array(ck); this.topPhoto = new Int32Array(ck).fill(NONE); this.topPos = new Int32Array(ck);
    this.botValue = new Float32Array(ck); this.botPhoto = new Int32Array(ck).fill(NONE); this.botPos = new Int32Array(ck);
    this.counts = new Uint32Array(shape.channels * bins);
    this.range = new Float64Array(shape.channels * 2);
    this.moments = new Float64Array(shape.channels * 3);
    for (let c = 0; c < shape.channels; c++) { this.moments[c * 3] = Infinity; this.moments[c * 3 + 1] = -Infinity; }
  }

  /**
   * Add one photo's maps: `data` holds C·H·W values starting at `offset` (one item of an NCHW batch).
   * `pooled` (length C) receives the spatial means.
   */
  add(photoId: number, data: Float32Array, offset: number, pooled: Float32Array): void {
    const { channels: C, height: H, width: W } = this.shape;
    const hw = H * W, B = this.bins, counts = this.counts, range = this.range;
    for (let c = 0; c < C; c++) {
      const base = offset + c * hw, cb = c * B;
      let max = -Infinity, min = Infinity, iMax = 0, iMin = 0, sum = 0;
      const w = range[c * 2 + 1]!;
      if (w === 0) {
        // the channel's first photo: extremes first, then the histogram over their range
        for (let i = 0; i < hw; i++) {
          const v = data[base + i]!;
          if (v > max) { max = v; iMax = i; }
          if (v < min) { min = v; iMin = i; }
          sum += v;
        }
        this.histogram(c, data, base, hw, min, max);
      } else {
        // one pass: extremes, sum, and every value inside the current range counted; values outside it
        // (rare once the range has settled) are counted after the range grows, in a second pass.
        // Zeros skip the rest: after a ReLU most values are exactly 0 (GoogLeNet's indexed layers: 85%),
        // and counting them one by one into the same bin is a chain of dependent increments (≈ 40% of
        // the loop's time); they are counted once at the end, and take part in the extremes there.
        const lo = range[c * 2]!, hi = lo + B * w, inv = 1 / w;
        let outside = false, zeros = 0, iZero = -1;
        for (let i = 0; i < hw; i++) {
          const v = data[base + i]!;
          if (v === 0) {
            if (zeros++ === 0) iZero = i;
            continue;
          }
          if (v > max) { max = v; iMax = i; }
          if (v < min) { min = v; iMin = i; }
          sum += v;
          if (v >= lo && v < hi) {
            let bin = ((v - lo) * inv) | 0;
            if (bin >= B) bin = B - 1;
            counts[cb + bin]!++;
          } else outside = true;
        }
        if (zeros > 0) {
          // the first zero (±0) is the extreme where it beats what the non-zeros found (no non-zero ties it)
          const z = data[base + iZero]!;
          if (z > max) { max = z; iMax = iZero; }
          if (z < min) { min = z; iMin = iZero; }
          if (0 >= lo && 0 < hi) {
            let bin = ((0 - lo) * inv) | 0;
            if (bin >= B) bin = B - 1;
            counts[cb + bin]! += zeros;
          } else outside = true;
        }
        if (outside) this.histogramOutside(c, data, base, hw, min, max, lo, hi);
      }
      pooled[c] = sum / hw;
      const m = c * 3;
      if (min < this.moments[m]!) this.moments[m] = min;
      if (max > this.moments[m + 1]!) this.moments[m + 1] = max;
      this.moments[m + 2]! += sum;
      this.insert(c, photoId, max, iMax, true);
      this.insert(c, photoId, min, iMin, false);
    }
    this.photos++;
  }

  private insert(c: number, photoId: number, value: number, pos: number, top: boolean): void {
    const k = this.k, b = c * k;
    const vals = top ? this.topValue : this.botValue, ids = top ? this.topPhoto : this.botPhoto, poss = top ? this.topPos : this.botPos;
    // most photos do not make the list: one comparison with its last entry (no closure here: this runs
    // twice per channel per photo, and a closure per call cost more than the channel's whole histogram)
    if (!beats(vals, ids, b + k - 1, value, photoId, top)) return;
    let j = k - 1;
    while (j > 0 && beats(vals, ids, b + j - 1, value, photoId, top)) {
      vals[b + j] = vals[b + j - 1]!; ids[b + j] = ids[b + j - 1]!; poss[b + j] = poss[b + j - 1]!;
      j--;
    }
    vals[b + j] = value; ids[b + j] = photoId; poss[b + j] = pos;
  }

  /** Grow channel c's range (doubling, merging bin pairs) until it holds [min, max]; returns lo, width. */
  private grow(c: number, min: number, max: number): { lo: number; w: number } {
    const B = this.bins, counts = this.counts, cb = c * B;
    let lo = this.range[c * 2]!, w = this.range[c * 2 + 1]!;
    if (w === 0) {
      // first photo: its own range (a constant map gets a small range around its value)
      lo = min;
      w = max > min ? (max - min) / B : Math.max(Math.abs(min), 1) * 1e-3;
      // max must fall inside [lo, lo + B·w): nudge for rounding
      while (lo + B * w <= max) w *= 1 + 1e-6;
    }
    while (max >= lo + B * w) {
      // double upward: bins (2i, 2i+1) → i
      for (let i = 0; i < B / 2; i++) counts[cb + i] = counts[cb + 2 * i]! + counts[cb + 2 * i + 1]!;
      counts.fill(0, cb + B / 2, cb + B);
      w *= 2;
    }
    while (min < lo) {
      // double downward: the old range becomes the upper half; bin j → B/2 + ⌊j/2⌋
      for (let i = B - 1; i >= B / 2; i--) { const j = 2 * (i - B / 2); counts[cb + i] = counts[cb + j]! + counts[cb + j + 1]!; }
      counts.fill(0, cb, cb + B / 2);
      lo -= B * w;
      w *= 2;
    }
    this.range[c * 2] = lo; this.range[c * 2 + 1] = w;
    return { lo, w };
  }

  private histogram(c: number, data: Float32Array, base: number, n: number, min: number, max: number): void {
    const B = this.bins, counts = this.counts, cb = c * B;
    const { lo, w } = this.grow(c, min, max);
    const inv = 1 / w;
    for (let i = 0; i < n; i++) {
      // every value is ≥ lo here, so truncation is floor; the clamp catches rounding at the top edge
      let bin = ((data[base + i]! - lo) * inv) | 0;
      if (bin >= B) bin = B - 1;
      counts[cb + bin]!++;
    }
  }

  /** The values outside the old range [oldLo, oldHi) (not counted yet), after growing the range to hold them. */
  private histogramOutside(c: number, data: Float32Array, base: number, n: number, min: number, max: number, oldLo: number, oldHi: number): void {
    const B = this.bins, counts = this.counts, cb = c * B;
    const { lo, w } = this.grow(c, min, max);
    const inv = 1 / w;
    for (let i = 0; i < n; i++) {
      const v = data[base + i]!;
      if (v >= oldLo && v < oldHi) continue;
      let bin = ((v - lo) * inv) | 0;
      if (bin >= B) bin = B - 1;
      counts[cb + bin]!++;
    }
  }

  /** The top or bottom list of a channel, strongest first. */
  extremes(c: number, bottom = false): Extreme[] {
    const k = this.k, vals = bottom ? this.botValue : this.topValue, ids = bottom ? this.botPhoto : this.topPhoto, pos = bottom ? this.botPos : this.topPos;
    const out: Extreme[] = [];
    for (let j = 0; j < k; j++) {
      const id = ids[c * k + j]!;
      if (id === NONE) break;
      const p = pos[c * k + j]!;
      out.push({ photoId: id, value: vals[c * k + j]!, x: p % this.shape.width, y: Math.floor(p / this.shape.width) });
    }
    return out;
  }

  histogramOf(c: number): { lo: number; hi: number; counts: number[]; count: number; min: number; max: number; mean: number } {
    const B = this.bins, lo = this.range[c * 2]!, w = this.range[c * 2 + 1]!;
    const counts = Array.from(this.counts.subarray(c * B, (c + 1) * B));
    const count = this.photos * this.shape.height * this.shape.width;
    return { lo, hi: lo + B * w, counts, count, min: this.moments[c * 3]!, max: this.moments[c * 3 + 1]!, mean: count ? this.moments[c * 3 + 2]! / count : 0 };
  }

  /** The state as one blob (little-endian typed arrays back to back; the layout follows from shape, k, bins). */
  toBlob(): Buffer {
    const parts = [this.topValue, this.topPhoto, this.topPos, this.botValue, this.botPhoto, this.botPos, this.counts, this.range, this.moments, new Float64Array([this.photos])];
    return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  }

  static fromBlob(shape: LayerShape, k: number, bins: number, blob: Uint8Array): LayerStats {
    const s = new LayerStats(shape, k, bins);
    const parts = [s.topValue, s.topPhoto, s.topPos, s.botValue, s.botPhoto, s.botPos, s.counts, s.range, s.moments];
    const need = parts.reduce((a, p) => a + p.byteLength, 8);
    if (blob.byteLength !== need) throw new Error(`stored layer statistics are ${blob.byteLength} bytes, expected ${need} for ${shape.channels} channels, k ${k}, ${bins} bins`);
    // copy out: the blob's offset may not be aligned for 8-byte views
    const bytes = new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
    let at = 0;
    for (const p of parts) {
      new Uint8Array(p.buffer, p.byteOffset, p.byteLength).set(bytes.subarray(at, at + p.byteLength));
      at += p.byteLength;
    }
    s.photos = new Float64Array(bytes.slice(at, at + 8).buffer)[0]!;
    return s;
  }
}
