// Parametric stimuli for tuning curves, drawn with plain typed arrays: RGB floats in [0, 1], row-major
// (HWC), at the model's input size, centred on the unit's receptive-field centre. Edges are antialiased
// analytically (a pixel's value follows its signed distance to the shape over a 1-px ramp), so a sweep
// changes the response smoothly rather than in pixel-grid jumps.
//
// Angles are counter-clockwise as seen on screen, 0° pointing right: u(θ) = (cos θ, −sin θ) in pixel
// coordinates (y grows downwards).

export interface Canvas {
  width: number;
  height: number;
  /** width·height·3, RGB in [0, 1] */
  data: Float32Array;
}

export interface Place {
  /** centre in input pixels (pixel centres at integer coordinates) */
  cx: number;
  cy: number;
  /** stimulus diameter (px) */
  size: number;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
const rad = (deg: number) => (deg * Math.PI) / 180;

/**
 * A canvas of `bg` with `f` evaluated only within `reach` px of the centre (a stimulus never reaches further:
 * a grating sweep draws hundreds of images, and most of each is plain background); no `reach`: everywhere.
 */
function paint(w: number, h: number, bg: number, f: (x: number, y: number, out: Float32Array) => void, at?: Place, reach?: number): Canvas {
  const data = new Float32Array(w * h * 3).fill(bg);
  const px = new Float32Array(3);
  const x0 = at && reach !== undefined ? Math.max(0, Math.floor(at.cx - reach)) : 0, x1 = at && reach !== undefined ? Math.min(w - 1, Math.ceil(at.cx + reach)) : w - 1;
  const y0 = at && reach !== undefined ? Math.max(0, Math.floor(at.cy - reach)) : 0, y1 = at && reach !== undefined ? Math.min(h - 1, Math.ceil(at.cy + reach)) : h - 1;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      f(x, y, px);
      const i = (y * w + x) * 3;
      data[i] = px[0]!; data[i + 1] = px[1]!; data[i + 2] = px[2]!;
    }
  }
  return { width: w, height: h, data };
}

const grey = (out: Float32Array, v: number) => { out[0] = v; out[1] = v; out[2] = v; };

/** the stroke width of lines and curves: thin next to the stimulus, never under 1.5 px */
export const strokeWidth = (size: number) => Math.max(1.5, size / 16);

/** A black line segment of length `size` through the centre at angle θ, on white. */
export function line(w: number, h: number, at: Place, thetaDeg: number): Canvas {
  const ux = Math.cos(rad(thetaDeg)), uy = -Math.sin(rad(thetaDeg));
  const half = at.size / 2, hw = strokeWidth(at.size) / 2;
  return paint(w, h, 1, (x, y, out) => {
    const px = x - at.cx, py = y - at.cy;
    const t = Math.max(-half, Math.min(half, px * ux + py * uy));
    const d = Math.hypot(px - t * ux, py - t * uy);
    grey(out, 1 - clamp01(hw - d + 0.5));
  }, at, half + hw + 2);
}

/** coverage of the soft disk of diameter `size` at (px, py) from its centre */
const disk = (px: number, py: number, size: number) => clamp01(size / 2 - Math.hypot(px, py) + 0.5);

/** An edge inside a disk of diameter `size` on mid-grey: dark on one side, bright towards θ. */
export function edge(w: number, h: number, at: Place, thetaDeg: number): Canvas {
  const ux = Math.cos(rad(thetaDeg)), uy = -Math.sin(rad(thetaDeg));
  return paint(w, h, 0.5, (x, y, out) => {
    const px = x - at.cx, py = y - at.cy;
    const a = disk(px, py, at.size);
    grey(out, 0.5 * (1 - a) + clamp01(px * ux + py * uy + 0.5) * a);
  }, at, at.size / 2 + 2);
}

/** A sinusoidal grating of `period` px, its stripes' normal at θ, phase in degrees, in a disk on mid-grey. */
export function grating(w: number, h: number, at: Place, thetaDeg: number, period: number, phaseDeg: number): Canvas {
  const ux = Math.cos(rad(thetaDeg)), uy = -Math.sin(rad(thetaDeg));
  const k = (2 * Math.PI) / period, ph = rad(phaseDeg);
  return paint(w, h, 0.5, (x, y, out) => {
    const px = x - at.cx, py = y - at.cy;
    const a = disk(px, py, at.size);
    grey(out, 0.5 + 0.5 * a * Math.cos(k * (px * ux + py * uy) + ph));
  }, at, at.size / 2 + 2);
}

/**
 * A black arc of radius R on white, of arc length `size` (at most a half circle), its midpoint on the
 * centre and bulging towards θ (its circle's centre lies at −θ, R away).
 */
export function curve(w: number, h: number, at: Place, thetaDeg: number, radius: number): Canvas {
  const ux = Math.cos(rad(thetaDeg)), uy = -Math.sin(rad(thetaDeg));
  const ccx = at.cx - radius * ux, ccy = at.cy - radius * uy;
  const span = Math.min(Math.PI / 2, at.size / 2 / radius);
  const hw = strokeWidth(at.size) / 2;
  // the arc's two ends
  const ends = [span, -span].map((s) => {
    const c = Math.cos(s), sn = Math.sin(s);
    return [ccx + radius * (ux * c - uy * sn), ccy + radius * (ux * sn + uy * c)] as const;
  });
  // every point of an arc of length `size` through the centre lies within size/2 of it
  return paint(w, h, 1, (x, y, out) => {
    const dx = x - ccx, dy = y - ccy;
    const r = Math.hypot(dx, dy);
    // angle of the point from the arc's midpoint direction u, around the circle's centre
    const ang = Math.atan2(ux * dy - uy * dx, ux * dx + uy * dy);
    const d = Math.abs(ang) <= span ? Math.abs(r - radius) : Math.min(...ends.map(([ex, ey]) => Math.hypot(x - ex, y - ey)));
    grey(out, 1 - clamp01(hw - d + 0.5));
  }, at, at.size / 2 + hw + 2);
}

/** HSV (h in degrees, s and v in [0, 1]) → RGB in [0, 1]. */
export function hsv(hDeg: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + hDeg / 60) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

/** A disk of one colour (hue, saturation; full value) on mid-grey. */
export function colourDisk(w: number, h: number, at: Place, hueDeg: number, saturation: number): Canvas {
  const rgb = hsv(hueDeg, saturation, 1);
  return paint(w, h, 0.5, (x, y, out) => {
    const a = disk(x - at.cx, y - at.cy, at.size);
    for (let c = 0; c < 3; c++) out[c] = 0.5 * (1 - a) + rgb[c]! * a;
  }, at, at.size / 2 + 2);
}

/**
 * `src` rotated counter-clockwise by α about the centre (bilinear); what comes from outside the image is
 * the image's mean colour, so the corners add no edges of their own.
 */
export function rotate(src: Canvas, at: Pick<Place, 'cx' | 'cy'>, alphaDeg: number): Canvas {
  const { width: w, height: h, data: s } = src;
  const mean = [0, 0, 0];
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) mean[c]! += s[i * 3 + c]! / (w * h);
  const ca = Math.cos(rad(alphaDeg)), sa = Math.sin(rad(alphaDeg));
  const at3 = (x: number, y: number, c: number) => (x < 0 || y < 0 || x >= w || y >= h ? mean[c]! : s[(y * w + x) * 3 + c]!);
  return paint(w, h, 0, (x, y, out) => {
    // on screen, a counter-clockwise turn by α of the image: each output pixel reads the source at the
    // point turned clockwise by α (y down flips the sign of the sine)
    const px = x - at.cx, py = y - at.cy;
    const sx = at.cx + ca * px - sa * py, sy = at.cy + sa * px + ca * py;
    const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
    for (let c = 0; c < 3; c++) {
      // exact for whole-pixel positions (fx = fy = 0), so a turn by 180° about a pixel centre loses nothing
      out[c] = (1 - fy) * ((1 - fx) * at3(x0, y0, c) + (fx ? fx * at3(x0 + 1, y0, c) : 0))
        + (fy ? fy * ((1 - fx) * at3(x0, y0 + 1, c) + (fx ? fx * at3(x0 + 1, y0 + 1, c) : 0)) : 0);
    }
  });
}
