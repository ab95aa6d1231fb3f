// Parameterizations: Fourier image, colour decorrelation, sigmoid and clamp, each against finite
// differences and against numbers from numpy (the reference's formulas, shared/peer/featviz.py), plus
// initialization from noise and from a photo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fourierStage, rfft2dFreqs, spectrumScale, spectrumSize } from './fourier';
import { clampStage, decorrelateStage, MAX_NORM_SVD_SQRT, sigmoidStage, PHOTO_LOGIT_EPSILON } from './color';
import { halfWidth, irfft2Plane } from './fft2d';
import { createParam, paramStages, type ParamSpec } from './index';
import type { Stage } from './stage';
import { checkGradient, dot, randomVector } from '../testing';
import { seededRandom } from '../../../../shared/random';

/** numpy's test values: spec[i] = sin(0.7·i) + 0.1·i/(H·Wf) */
function specValues(h: number, w: number): Float64Array {
  const n = h * halfWidth(w) * 2;
  return Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + (0.1 * i) / (h * halfWidth(w)));
}

function near(got: ArrayLike<number>, want: readonly number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test('irfft2 matches numpy.fft.irfft2(X, s=(H, W), norm="forward")', () => {
  // python: x = np.fft.irfft2(X, s=(h, w), norm='forward') with X from specValues (re, im interleaved)
  const want46 = [7.52047686807, -13.359564733574, -7.767299386482, 1.132132466749, -5.292054402554, 4.578240784161, 0.043052054628, -0.063955053148, -4.347704614592, 0.00261894356, 4.24102887598, 0.045386732764, 0.412925974533, 3.661541290744, -3.525803366624, -0.777482179151, 1.015943444142, 1.850810490171, -0.449254945731, 11.753525312234, -1.451432115782, -2.124658780164, -0.408787654552, 3.310313994617];
  const want35 = [1.38402510085, -1.244744485488, 0.366360090162, -0.395633822, 0.805108794849, 0.550149679925, 0.444552565555, -0.253841898171, -0.872016561687, 5.598154553023, 6.388452500091, -3.248079866883, -9.146870547687, 1.926331369677, -2.301947472217];
  for (const [h, w, want] of [[4, 6, want46], [3, 5, want35]] as const) {
    const out = new Float64Array(h * w);
    irfft2Plane(specValues(h, w), 0, h, w, out, 0, 1);
    near(out, want, 1e-10, `${h}×${w}`);
  }
});

test("Lucid's rfft2d_freqs, spectrum scale and colour-matrix norm", () => {
  // np.fft.fftfreq(4) = [0, .25, -.5, -.25]; fftfreq(5)[:3] = [0, .2, .4]
  const f = rfft2dFreqs(4, 5);
  near(f, [0, 0.2, 0.4, 0.25, Math.hypot(0.25, 0.2), Math.hypot(0.25, 0.4), 0.5, Math.hypot(0.5, 0.2), Math.hypot(0.5, 0.4), 0.25, Math.hypot(0.25, 0.2), Math.hypot(0.25, 0.4)], 1e-15, 'freqs');
  const s = spectrumScale(4, 5);
  assert.equal(s[0], 5); // DC: 1/max(0, 1/max(4, 5))
  assert.ok(Math.abs(s[1]! - 5) < 1e-12 && Math.abs(s[2]! - 2.5) < 1e-12);
  assert.ok(Math.abs(spectrumScale(4, 5, 2)[2]! - 6.25) < 1e-12); // decay 2: 1/0.4²
  // max column L2 norm of color_correlation_svd_sqrt: √(.26² + .27² + .27²)
  assert.ok(Math.abs(MAX_NORM_SVD_SQRT - 0.46195237849804394) < 1e-15);
  assert.equal(spectrumSize(3, 128, 128), 3 * 128 * 65 * 2);
});

test("the Fourier + decorrelate + sigmoid chain equals the reference's FFTImage → to_valid_rgb (numpy, 4×5)", () => {
  // python (featviz.py's formulas): scale·spectrum → irfftn(s=(4,5), norm='ortho') / 4 → @ C_norm.T → sigmoid;
  // channel c's spectrum is specValues · [1, −0.5, 2][c] (Lucid's unused extra column for odd W dropped)
  const want = [0.625001768304, 0.400485734721, 0.374727218631, 0.479356862721, 0.595817717656, 0.656206088828, 0.572944056516, 0.436248354834, 0.429832603751, 0.595160171807, 0.529666870834, 0.61960827226, 0.440761283777, 0.532393923329, 0.547335817962, 0.546905070923, 0.247772716213, 0.320856560831, 0.532650246116, 0.541294535048, 0.584325441022, 0.433162165763, 0.415487304887, 0.486233561229, 0.564319778881, 0.606101693245, 0.548822780007, 0.457370064256, 0.453049700629, 0.563872297889, 0.519790827169, 0.580604947258, 0.460404251491, 0.521612765418, 0.531609788668, 0.531321198154, 0.322927371421, 0.37756602077, 0.521784050121, 0.527564564408, 0.679445615915, 0.355878841342, 0.320184080878, 0.469662490001, 0.638922240571, 0.721243075709, 0.606390833454, 0.40683572083, 0.397596118856, 0.6379956166, 0.543568283471, 0.672051684608, 0.413356388059, 0.54756071573, 0.569370278136, 0.568743341945, 0.163402383785, 0.249233736779, 0.547935810339, 0.560567019603];
  const one = specValues(4, 5);
  const spec = new Float64Array(3 * one.length);
  [1, -0.5, 2].forEach((k, c) => one.forEach((v, i) => (spec[c * one.length + i] = k * v)));
  const param = createParam({ kind: 'fourier' }, [1, 3, 4, 5], { rand: seededRandom(1) });
  near(param.render(spec), want, 1e-11, 'rgb');
});

/** L(x) = ⟨w, stage(x)⟩: backward(w) against central differences at every coordinate */
function checkStage(make: () => Stage, x: Float64Array, what: string, tol = 1e-8): void {
  const stage = make();
  const y = stage.forward(x);
  const w = randomVector(y.length, 99);
  stage.forward(x);
  const grad = stage.backward(w);
  const probe = make();
  const r = checkGradient((p) => dot(w, probe.forward(p)), x.slice(), grad);
  assert.ok(r.maxError <= tol * Math.max(1, r.scale), `${what}: max error ${r.maxError} (scale ${r.scale}, ${r.coords} coords)`);
}

test('Fourier stage: the adjoint is the exact gradient (every coefficient, odd and even sides, batch 2)', () => {
  for (const [b, h, w] of [[1, 6, 7], [2, 5, 4], [1, 4, 4], [1, 1, 6]] as const) {
    checkStage(() => fourierStage(b * 3, h, w), randomVector(b * spectrumSize(3, h, w), h * w), `fourier ${b}×3×${h}×${w}`);
  }
  // dead coefficients (Im at DC and at the Nyquist row/column) get a zero gradient, as the forward ignores them
  const s = fourierStage(1, 4, 4);
  s.forward(new Float64Array(s.inSize));
  const g = s.backward(randomVector(16, 3));
  const wf = halfWidth(4);
  for (const [ky, kx] of [[0, 0], [0, 2], [2, 0], [2, 2]]) assert.equal(Math.abs(g[2 * (ky! * wf + kx!) + 1]!), 0, `Im X[${ky},${kx}]`);
});

test('Fourier stage: ⟨w, A v⟩ = ⟨Aᵀw, v⟩ at 128, 224 and 227 px (Bluestein sizes included)', () => {
  for (const [h, w] of [[128, 128], [224, 224], [227, 227], [128, 227]] as const) {
    const s = fourierStage(1, h, w);
    const v = randomVector(s.inSize, h), u = randomVector(s.outSize, w);
    const lhs = dot(u, s.forward(v)), rhs = dot(s.backward(u), v);
    assert.ok(Math.abs(lhs - rhs) < 1e-10 * Math.max(1, Math.abs(lhs)), `${h}×${w}: ${lhs} vs ${rhs}`);
  }
});

test('decorrelate, sigmoid and clamp: gradients against finite differences', () => {
  checkStage(() => decorrelateStage(2, 3, 4), randomVector(2 * 3 * 12, 5), 'decorrelate');
  checkStage(() => sigmoidStage(40), randomVector(40, 6, 3), 'sigmoid');
  // clamp: values kept away from 0 and 1 (the kinks) so the differences see one side only
  const x = Float64Array.from(randomVector(40, 7, 0.8), (v) => (Math.abs(v) < 0.05 || Math.abs(v - 1) < 0.05 ? v + 0.2 : v));
  checkStage(() => clampStage(40), x, 'clamp');
  const c = clampStage(3);
  c.forward(Float64Array.from([-0.5, 0.5, 1.5]));
  assert.deepEqual(Array.from(c.backward(Float64Array.from([1, 2, 3]))), [0, 2, 0]);
});

test('the whole chains (fourier/pixel × decorrelate on/off × sigmoid/clamp/none): gradients against finite differences', () => {
  const specs: ParamSpec[] = [
    { kind: 'fourier' },
    { kind: 'fourier', decorrelate: false, output: 'none' },
    { kind: 'fourier', decorrelate: true, output: 'none' },
    { kind: 'fourier', decorrelate: false, output: 'sigmoid', decay: 1.5 },
    { kind: 'pixel', decorrelate: true, output: 'sigmoid' },
    { kind: 'pixel', output: 'none' },
  ];
  for (const spec of specs) {
    const [b, h, w] = [2, 5, 6];
    const n = spec.kind === 'fourier' ? b * spectrumSize(3, h, w) : b * 3 * h * w;
    const x = randomVector(n, 11, 0.5);
    const stages = () => paramStages(spec, b, h, w);
    const fwd = (chain: Stage[], p: Float64Array) => chain.reduce<Float64Array>((v, s) => s.forward(v), p);
    const chain = stages();
    const wv = randomVector(b * 3 * h * w, 12);
    fwd(chain, x);
    const grad = chain.reduceRight<Float64Array>((g, s) => s.backward(g), wv);
    const probe = stages();
    const r = checkGradient((p) => dot(wv, fwd(probe, p)), x.slice(), grad);
    assert.ok(r.maxError <= 1e-8 * Math.max(1, r.scale), `${JSON.stringify(spec)}: ${r.maxError} (scale ${r.scale})`);
  }
});

test('noise init: seeded, std 0.01 around the preimage of grey (a zero spectrum before the sigmoid), near-grey image', () => {
  const spec: ParamSpec = { kind: 'fourier' };
  const a = createParam(spec, [2, 3, 32, 32], { rand: seededRandom(5) });
  const b = createParam(spec, [2, 3, 32, 32], { rand: seededRandom(5) });
  const c = createParam(spec, [2, 3, 32, 32], { rand: seededRandom(6) });
  assert.deepEqual(a.params, b.params);
  assert.notDeepEqual(a.params, c.params);
  assert.equal(a.params.length, 2 * spectrumSize(3, 32, 32));
  assert.equal(a.itemSize, spectrumSize(3, 32, 32));
  const mean = a.params.reduce((s, v) => s + v, 0) / a.params.length;
  const std = Math.sqrt(a.params.reduce((s, v) => s + (v - mean) ** 2, 0) / a.params.length);
  assert.ok(Math.abs(mean) < 1e-3 && Math.abs(std - 0.01) < 1e-3, `mean ${mean}, std ${std}`);
  const img = a.render(a.params);
  assert.ok(img.every((v) => Math.abs(v - 0.5) < 0.2), 'a noise spectrum renders near mid-grey');
  const px = createParam({ kind: 'pixel', output: 'clamp' }, [1, 3, 8, 8], { rand: seededRandom(1) });
  const pm = px.params.reduce((s, v) => s + v, 0) / px.params.length;
  assert.ok(Math.abs(pm - 0.5) < 0.01, `pixel + clamp noise sits around grey: ${pm}`);
});

test('photo init: render(params) returns the photo (fourier with decorrelate + sigmoid at 227 px, pixel clamp/none/sigmoid)', () => {
  const r = seededRandom(3);
  for (const [spec, h, w] of [[{ kind: 'fourier', init: 'photo' }, 227, 227], [{ kind: 'fourier', init: 'photo', decorrelate: false }, 16, 13], [{ kind: 'pixel', init: 'photo' }, 9, 9], [{ kind: 'pixel', init: 'photo', output: 'none' }, 9, 9], [{ kind: 'pixel', init: 'photo', output: 'sigmoid', decorrelate: true }, 9, 9]] as const) {
    const photo = Float32Array.from({ length: 3 * h * w }, () => 0.02 + 0.96 * r());
    const p = createParam(spec as ParamSpec, [2, 3, h, w], { rand: r, photo });
    const img = p.render(p.params);
    let err = 0;
    for (let i = 0; i < img.length; i++) err = Math.max(err, Math.abs(img[i]! - photo[i % photo.length]!));
    assert.ok(err < 2e-5, `${JSON.stringify(spec)} ${h}×${w}: ${err}`);
  }
  // through a sigmoid, 0 and 1 come back as ε and 1 − ε (the logit of a clamped photo)
  const p = createParam({ kind: 'pixel', init: 'photo', output: 'sigmoid' }, [1, 3, 1, 2], { rand: r, photo: Float32Array.from([0, 1, 0.5, 0.25, 1, 0]) });
  const img = p.render(Float64Array.from(p.params));
  near(img, [PHOTO_LOGIT_EPSILON, 1 - PHOTO_LOGIT_EPSILON, 0.5, 0.25, 1 - PHOTO_LOGIT_EPSILON, PHOTO_LOGIT_EPSILON], 1e-6, 'sigmoid photo');
  assert.throws(() => createParam({ kind: 'pixel', init: 'photo' }, [1, 3, 4, 4], { rand: r }), /needs a photo/);
  assert.throws(() => createParam({ kind: 'pixel', init: 'photo' }, [1, 3, 4, 4], { rand: r, photo: new Float32Array(5) }), /photo must be/);
});

test('pixel + clamp projects its params into [0, 1]; image() never disturbs backward()', () => {
  const p = createParam({ kind: 'pixel' }, [1, 3, 2, 2], { rand: seededRandom(1) });
  const x = Float32Array.from([-1, 0.5, 2, 0.25, 0, 1, 3, -3, 0.5, 0.5, 0.5, 0.5]);
  p.project!(x);
  assert.deepEqual(Array.from(x), [0, 0.5, 1, 0.25, 0, 1, 1, 0, 0.5, 0.5, 0.5, 0.5]);
  assert.equal(createParam({ kind: 'fourier' }, [1, 3, 4, 4], { rand: seededRandom(1) }).project, undefined);

  const f = createParam({ kind: 'pixel', output: 'sigmoid' }, [1, 3, 2, 2], { rand: seededRandom(1) });
  const at = Float64Array.from({ length: 12 }, (_, i) => i / 4 - 1.5);
  f.render(at);
  const before = f.backward(new Float64Array(12).fill(1));
  f.image(new Float64Array(12).fill(5)); // a preview of other params in between
  assert.deepEqual(f.backward(new Float64Array(12).fill(1)), before);
});
