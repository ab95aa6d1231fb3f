// The GPU path, run for real: classify, a gradient step, a short dream and a short feature
// visualization on onnxruntime-node's WebGPU provider, each compared with the same work on CPU.
// In CI the adapter is Mesa's lavapipe (software Vulkan from bookworm-backports, see .ci/run), so this
// checks that our graphs run on WebGPU and agree — not GPU speed. Without an adapter it skips and says why.
//
// Agreement: logits and gradients are float32 results of the same graph reduced in another order, so
// they must agree to the float32 floor of a deep network (relative L2 ≤ 1e-3, cosine ≥ 0.9999; measured
// here ~1e-7 for logits, ~1e-4 for gradients). A dream and a render are several steps fed back into
// themselves and end as 8-bit pixels: their change from the start image must point the same way
// (cosine ≥ 0.9999 for the dream; the render's image and objective within 1%).
// SqueezeNet 1.1 (strided 3×3 MaxPools: the op whose Indices output WebGPU lacks) at 64–128 px keeps it short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { loadModelFile } from '../../src/main/engine/onnx/inspect';
import { probeProvider } from '../../src/main/engine/runtime/providers';
import { createSession } from '../../src/main/engine/runtime/sessions';
import { GradientRuntime, runtimeModel } from '../../src/main/engine/gradients/index';
import { dream } from '../../src/main/engine/dream/index';
import { fileModelRecord, localEnv, runFeaturevisLocally } from '../../src/main/engine/featurevis/local';
import { JobControl } from '../../src/main/engine/jobs/control';
import { PRESETS } from '../../src/shared/pixels';
import { deepdream } from '../../src/shared/objectives';
import type { ExecutionProviderName } from '../../src/shared/contract';
import { inProcessHost } from '../../src/main/engine/host/testing/in-process-host';

const MODEL = path.resolve(__dirname, '../../../shared/models/squeezenet1.1.onnx');
const DOG = path.resolve(__dirname, '../../../shared/images/content/dog.jpg');

// Dawn (WebGPU's implementation) wants a runtime directory; CI exports one, a bare shell may not.
if (!process.env.XDG_RUNTIME_DIR) {
  process.env.XDG_RUNTIME_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'xdg-'));
  fs.chmodSync(process.env.XDG_RUNTIME_DIR, 0o700);
}

async function why(): Promise<string | undefined> {
  if (!fs.existsSync(MODEL) || !fs.existsSync(DOG)) return `needs ${MODEL} and ${DOG} (../shared absent)`;
  const err = await probeProvider('webgpu');
  // onnxruntime's message starts with its source location; the reason is at the end
  return err === null ? undefined : `no WebGPU adapter here (${err.replace(/^.*?(?=Failed to get a WebGPU adapter)/, '')}); CI installs Mesa's lavapipe from bookworm-backports`;
}
// probed once (the adapter search is slow); every test skips with the same printed reason
const skipReason = why().then((r) => {
  if (r) console.log(`# skipping the WebGPU tests: ${r}`);
  return r;
});

/** relative L2 distance and cosine similarity of two vectors */
function agreement(a: ArrayLike<number>, b: ArrayLike<number>): { relL2: number; cosine: number } {
  assert.equal(a.length, b.length);
  let d = 0, aa = 0, bb = 0, ab = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    d += (x - y) ** 2; aa += x * x; bb += y * y; ab += x * y;
  }
  return { relL2: Math.sqrt(d / aa), cosine: ab / Math.sqrt(aa * bb) };
}

const within = (what: string, r: { relL2: number; cosine: number }, relL2: number, cosine: number) => {
  console.log(`# ${what}: relative L2 ${r.relL2.toExponential(2)}, cosine ${r.cosine.toFixed(7)}`);
  assert.ok(r.relL2 <= relL2, `${what}: relative L2 ${r.relL2} > ${relL2}`);
  assert.ok(r.cosine >= cosine, `${what}: cosine ${r.cosine} < ${cosine}`);
};

/** a deterministic, photo-like input in the model's space (smooth ramps plus a texture) */
function input(n: number, h: number, w: number): Float32Array {
  const x = new Float32Array(n * 3 * h * w);
  for (let i = 0; i < x.length; i++) {
    const p = i % (h * w), r = Math.floor(p / w), c = p % w;
    x[i] = 60 * Math.sin(r / 7 + c / 11 + Math.floor(i / (h * w))) + 20 * Math.sin(i * 0.37);
  }
  return x;
}

test('classify: SqueezeNet logits on WebGPU match CPU', async (t) => {
  const skip = await skipReason;
  if (skip) return t.skip(skip);
  const lm = loadModelFile(MODEL);
  const x = new ort.Tensor('float32', input(1, 128, 128), [1, 3, 128, 128]);
  const out: Record<string, Float32Array> = {};
  for (const provider of ['cpu', 'webgpu'] as ExecutionProviderName[]) {
    const made = await createSession({ bytes: fs.readFileSync(MODEL) }, { provider });
    assert.equal(made.provider, provider, made.fallbackReason);
    const r = await made.session.run({ [made.session.inputNames[0]!]: x });
    out[provider] = r[lm.model.graph.outputs[0]!.name]!.data as Float32Array;
    await made.session.release();
  }
  within('logits', agreement(out.cpu!, out.webgpu!), 1e-4, 0.99999);
  const top = (v: Float32Array) => v.indexOf(Math.max(...v));
  assert.equal(top(out.webgpu!), top(out.cpu!), 'the same top-1 class');
});

test('a gradient step: d mean(fire9²) / d input on WebGPU (index-free MaxPool backward) matches CPU', async (t) => {
  const skip = await skipReason;
  if (skip) return t.skip(skip);
  const lm = loadModelFile(MODEL);
  const model = runtimeModel(lm.model, lm.sha256);
  const shape = [1, 3, 96, 96];
  const x = input(1, 96, 96);
  const res: Record<string, Float32Array> = {};
  for (const provider of ['cpu', 'webgpu'] as ExecutionProviderName[]) {
    const rt = new GradientRuntime({ placement: { provider } });
    // the runtime picks the backward for the provider: WebGPU's MaxPool has no Indices output
    assert.equal(rt.strategies(provider).maxPool, provider === 'webgpu' ? 'separable' : 'auto');
    const s = await rt.gradient({ model, input: 'data', shape, objective: deepdream('fire9/concat'), label: 'squeezenet1.1.onnx' });
    assert.equal(s.provider, provider);
    res[provider] = Float32Array.from((await s.run(x)).inputGrad);
    await s.release();
    await rt.release();
  }
  assert.ok(res.cpu!.some((v) => v !== 0), 'a gradient that is not all zero');
  within('input gradient', agreement(res.cpu!, res.webgpu!), 1e-3, 0.9999);
});

test('a short dream on WebGPU changes the photo as the CPU dream does', async (t) => {
  const skip = await skipReason;
  if (skip) return t.skip(skip);
  const lm = loadModelFile(MODEL);
  const photo = { width: 96, height: 64, data: Uint8Array.from({ length: 96 * 64 * 3 }, (_, i) => 128 + Math.round(60 * Math.sin(i / 97) + 30 * Math.sin(i * 0.61))) };
  const settings = { layers: [{ name: 'fire5/concat', weight: 1 }], octaves: 2, iterations: 2, seed: 7 };
  const cpu = await dream({ photo, model: lm.model, space: PRESETS.caffe, settings, provider: 'cpu' });
  const gpu = await dream({ photo, model: lm.model, space: PRESETS.caffe, settings, provider: 'webgpu' });
  assert.equal(gpu.provider, 'webgpu', gpu.fallbackReason);
  const delta = (img: Uint8Array) => Float64Array.from(img, (v, i) => v - photo.data[i]!);
  const dc = delta(cpu.image.data), dg = delta(gpu.image.data);
  assert.ok(dc.some((v) => Math.abs(v) >= 2), 'the dream changed the photo');
  within('dream: result − photo', agreement(dc, dg), 2e-2, 0.9999);
});

test('a short feature visualization on WebGPU renders what CPU renders', async (t) => {
  const skip = await skipReason;
  if (skip) return t.skip(skip);
  const lm = loadModelFile(MODEL);
  const rec = await fileModelRecord(lm);
  // 4 steps, the first 2 with redirected ReLU: both of the render's gradient graphs run
  const settings = { items: [{ terms: [{ target: { kind: 'channel', layer: 'fire6/concat', channel: 5 } }] }], preset: 'custom', size: 64, steps: 4, redirectedReluSteps: 2, batch: 1, seed: 3 };
  const out: Record<string, { rgb: Uint8Array; objective: number; start: number; provider: string }> = {};
  for (const provider of ['cpu', 'webgpu'] as ExecutionProviderName[]) {
    const env = localEnv(lm, provider);
    const { outcome } = await runFeaturevisLocally({ lm, rec, env, control: new JobControl(), settings });
    await env.dispose();
    const it = outcome.items[0]!;
    out[provider] = { rgb: Uint8Array.from(it.rgb), objective: it.objective, start: it.objectiveStart, provider: outcome.provider };
  }
  assert.equal(out.webgpu!.provider, 'webgpu');
  const c = out.cpu!, g = out.webgpu!;
  console.log(`# feature visualization objective: CPU ${c.start.toFixed(4)} → ${c.objective.toFixed(4)}, WebGPU ${g.start.toFixed(4)} → ${g.objective.toFixed(4)}`);
  assert.ok(c.objective > c.start, 'the render raised its objective');
  assert.ok(Math.abs(g.objective - c.objective) <= 1e-2 * Math.abs(c.objective), 'the same objective within 1%');
  within('feature visualization image', agreement(Float64Array.from(c.rgb, (v) => v - 127.5), Float64Array.from(g.rgb, (v) => v - 127.5)), 1e-2, 0.9999);
});

test("the app's provider setting: WebGPU chosen in the engine runs classify, a dream and a feature visualization there", async (t) => {
  const skip = await skipReason;
  if (skip) return t.skip(skip);
  const { host, dir, call, doneOf } = await inProcessHost('fs-webgpu-host-');
  try {
    await call('project:create', { path: path.join(dir, 'p.fscope') });
    const model = await call('model:add', { source: { kind: 'path', path: MODEL } });
    // a small copy of the dog keeps the dream's one step short on a software adapter
    const small = path.join(dir, 'dog-128.png');
    await sharp(DOG).resize(128, 128).png().toFile(small);
    const photo = await call('photo:add', { source: { kind: 'path', path: small } });
    const status = await call('engine:setProvider', { provider: 'webgpu' });
    assert.equal(status.active, 'webgpu', status.fallbackReason);
    const classified = await call('run:classify', { modelId: model.id, photoId: photo.id, top: 3 });
    assert.equal(classified.provider, 'webgpu');
    const dreamJob = await call('run:dream', { modelId: model.id, photoId: photo.id, settings: { octaves: 1, iterations: 1, seed: 1, layers: [{ name: 'fire5/concat', weight: 1 }] } });
    const d = await doneOf(dreamJob.id);
    assert.equal(d.job.state, 'done', d.job.error);
    assert.equal(d.run?.provider, 'webgpu');
    const fvJob = await call('job:start', { kind: 'featurevis', modelId: model.id, settings: { items: [{ terms: [{ target: { kind: 'channel', layer: 'fire6/concat', channel: 5 } }] }], preset: 'custom', size: 64, steps: 2, redirectedReluSteps: 0, batch: 1, seed: 3 } });
    const f = await doneOf(fvJob.id);
    assert.equal(f.job.state, 'done', f.job.error);
    assert.equal(f.run?.provider, 'webgpu');
  } finally {
    await host.dispose();
  }
});
