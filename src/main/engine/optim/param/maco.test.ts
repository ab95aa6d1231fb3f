// MACO's phase parameterization: the phase stage's backward against central differences, the whole
// chain's magnitude fixed whatever the phase, the 1/f model's scale, and a photo drawn back exactly
// (but for its mean, which MACO leaves at grey) from its own phase and magnitude.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createParam } from './index';
import { halfWidth } from './fft2d';
import { decorrelateStage, sigmoidStage } from './color';
import { macoFourierStage, macoPhaseStage, NATURAL_STD, naturalMagnitude, photoMagnitude } from './maco';
import { checkGradient, randomVector } from '../testing';
import { seededRandom } from '../../../../shared/random';

const H = 12, W = 10;
const WF = halfWidth(W);

test('the phase stage\'s backward is the exact vector–Jacobian product', () => {
  const m = Float32Array.from(randomVector(3 * H * WF, 1).map(Math.abs));
  const stage = macoPhaseStage(6, H, W, m);
  const x = randomVector(stage.inSize, 2);
  const g = randomVector(stage.outSize, 3);
  stage.forward(x);
  const grad = stage.backward(g);
  const value = (v: Float64Array) => stage.forward(v).reduce((s, y, i) => s + y * g[i]!, 0);
  const r = checkGradient(value, x, grad);
  assert.ok(r.maxError < 1e-7 * Math.max(1, r.scale), `max error ${r.maxError} (scale ${r.scale})`);
});

test('whatever the phase, the spectrum keeps the fixed magnitude', () => {
  const m = naturalMagnitude(H, W);
  const stage = macoPhaseStage(3, H, W, m);
  for (const seed of [1, 2]) {
    const s = stage.forward(randomVector(stage.inSize, seed, 5));
    for (let i = 0; i < m.length; i++) assert.ok(Math.abs(Math.hypot(s[2 * i]!, s[2 * i + 1]!) - m[i]!) < 1e-9 * (1 + m[i]!));
  }
  assert.equal(m[0], 0, 'no DC: the image mean stays at the chain\'s grey');
});

test('the 1/f model gives random-phase images of the documented standard deviation', () => {
  const p = createParam({ kind: 'maco', decorrelate: false, output: 'none' }, [2, 3, 64, 64], { rand: seededRandom(4) });
  const img = p.render(p.params);
  const mean = img.reduce((s, v) => s + v, 0) / img.length;
  const std = Math.sqrt(img.reduce((s, v) => s + (v - mean) ** 2, 0) / img.length);
  assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(std - NATURAL_STD) < 0.15 * NATURAL_STD, `std ${std}`);
});

test('a photo comes back from its own phase and magnitude, less its mean', () => {
  const rand = seededRandom(9);
  const photo = Float32Array.from({ length: 3 * H * W }, () => 0.1 + 0.8 * rand());
  // the spectrum MACO would need to draw it: back through sigmoid, colour and the inverse FFT (no decay)
  const pre = decorrelateStage(1, H, W).inverse(sigmoidStage(photo.length).inverse(photo));
  const spectrum = macoFourierStage(3, H, W).inverse(pre);
  const m = photoMagnitude([spectrum], H, W);
  const p = createParam({ kind: 'maco', init: 'photo', decorrelate: true }, [1, 3, H, W], { rand, photo, magnitude: m });
  const back = p.render(p.params);
  // compare before the sigmoid: the chain's input with each plane's mean removed
  const pre2 = decorrelateStage(1, H, W).inverse(sigmoidStage(back.length).inverse(back));
  const centred = (x: Float32Array, c: number) => {
    const plane = x.subarray(c * H * W, (c + 1) * H * W);
    const mu = plane.reduce((s, v) => s + v, 0) / plane.length;
    return Array.from(plane, (v) => v - mu);
  };
  for (let c = 0; c < 3; c++) {
    const a = centred(pre, c), b = centred(pre2, c);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-3, `channel ${c} pixel ${i}: ${v} vs ${b[i]}`));
  }
});
