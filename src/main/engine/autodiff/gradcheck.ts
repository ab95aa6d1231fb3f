// Runs ground-truth gradient fixtures (format "onnx-grad-oracle/1", see ../shared/fixtures/grad/README.md)
// through the compiler and onnxruntime. Used by test/fixtures-grad.test.ts and `featurescope gradcheck`.
//
// The fixtures' objectives are batch-global (channel_mean averages over the batch too; gram, neuron and
// logit read item 0). Ours are per item and summed, so the adapter writes the same function with
// `scale(1/N, …)` and `item(0, …)` — equal by construction.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelFile } from '../onnx/model';
import { compileGradient, type CompiledGradient } from './index';
import type { RuleSetName } from './rules/index';
import { channel, content, deepdream, gram, item, logit, mul, neuron, type Objective } from '../../../shared/objectives';

interface TensorDesc { name: string; shape: number[]; dtype: string; file: string; role?: string }
interface Term { tap: string; onnx_name: string; type: string; params?: Record<string, unknown>; weight: number; target_tensor?: string; shape: number[] }
export interface FixtureCase {
  id: string;
  feeds: Record<string, string>;
  terms: Term[];
  value: number;
  grad: Record<string, string>;
  tensors: TensorDesc[];
  checks: { suggested_rel_l2_tol: number; torch_f32_vs_f64?: { rel_l2: number } };
}
export interface Manifest {
  format: string;
  name: string;
  model: { file: string; inputs: { name: string; shape: number[] }[]; variants?: { opset: number; file: string }[] };
  forward: { feeds: Record<string, string>; outputs: Record<string, string>; taps: { onnx_name: string; tensor: TensorDesc }[] };
  tensors: TensorDesc[];
  cases: FixtureCase[];
}

export function loadManifest(file: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (e) {
    throw new Error(`${file}: not a readable JSON manifest (${(e as Error).message})`);
  }
  if (m.format !== 'onnx-grad-oracle/1' || !Array.isArray(m.cases)) {
    throw new Error(`${file}: not a gradient fixture manifest (format "${m.format}", expected "onnx-grad-oracle/1" with cases[])`);
  }
  return m;
}

/** A raw little-endian float32 file (.bin), copied so the view is aligned. */
export function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  if (b.byteLength % 4 !== 0) throw new Error(`${file}: ${b.byteLength} bytes is not a whole number of float32 values`);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

/** The fixture term as one of our objectives (batch size N). */
export function termObjective(t: Term, N: number): Objective {
  const mean = (o: Objective) => (N === 1 ? o : mul(1 / N, o));
  switch (t.type) {
    case 'channel_mean': return mean(channel(t.onnx_name, t.params!.channel as number));
    case 'mean_square': return mean(deepdream(t.onnx_name));
    case 'content_mse': return mean(content(t.onnx_name, t.target_tensor));
    case 'gram_mse': return item(0, gram(t.onnx_name, t.target_tensor));
    case 'neuron': {
      const idx = t.params!.index as number[];
      const o = idx.length >= 4 ? neuron(t.onnx_name, idx[1]!, idx[3], idx[2]) : neuron(t.onnx_name, idx[1]!);
      return item(idx[0]!, o);
    }
    case 'logit': {
      const idx = t.params!.index as number[] | number;
      return Array.isArray(idx) ? item(idx[0]!, logit(t.onnx_name, idx[1]!)) : item(0, logit(t.onnx_name, idx));
    }
    default: throw new Error(`fixture term type "${t.type}" is not known to the adapter`);
  }
}

export function caseObjective(c: FixtureCase, N: number): Objective {
  const terms = c.terms.map((t) => (t.weight === 1 ? termObjective(t, N) : mul(t.weight, termObjective(t, N))));
  return terms.length === 1 ? terms[0]! : { kind: 'sum', terms };
}

export interface CaseResult {
  id: string;
  modelFile: string;
  /** max over logits and taps of relative L2 error of the forward values */
  forwardRelL2: number;
  valueRelErr: number;
  gradRelL2: number;
  cosine: number;
  tol: number;
  pass: boolean;
  compileMs: number;
  runMs: number;
}

function relL2(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = a[i]! - ref[i]!;
    num += d * d;
    den += ref[i]! * ref[i]!;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i]! * b[i]!; aa += a[i]! * a[i]!; bb += b[i]! * b[i]!; }
  return ab / Math.sqrt(Math.max(aa * bb, 1e-300));
}

export interface RunOptions {
  /** model file relative to the manifest (default: manifest.model.file) */
  modelFile?: string;
  rules?: RuleSetName;
  /** forward relative-L2 tolerance */
  forwardTol?: number;
  minCosine?: number;
}

/** Compile and run one case; compares forward values, objective value and gradient. */
export async function runCase(manifestFile: string, m: Manifest, c: FixtureCase, opts: RunOptions = {}): Promise<CaseResult & { compiled: CompiledGradient }> {
  const dir = path.dirname(manifestFile);
  const modelFile = opts.modelFile ?? m.model.file;
  const model = readModelFile(path.resolve(dir, modelFile));
  const tensor = (name: string): TensorDesc => {
    const d = c.tensors.find((t) => t.name === name) ?? m.tensors.find((t) => t.name === name);
    if (!d) throw new Error(`${manifestFile}: case ${c.id} names tensor "${name}" without a descriptor`);
    return d;
  };
  const load = (name: string) => readF32(path.resolve(dir, tensor(name).file));
  const [inputName, xName] = Object.entries(c.feeds)[0]!;
  const xDesc = tensor(xName);
  const N = xDesc.shape[0]!;
  const taps = m.forward.taps.map((t) => t.onnx_name);
  const logitsOut = Object.keys(m.forward.outputs)[0];
  const activations = [...new Set([...(logitsOut ? [logitsOut] : []), ...taps])];

  const t0 = performance.now();
  const compiled = await compileGradient(model, {
    input: inputName, shape: xDesc.shape, objective: caseObjective(c, N), activations, rules: opts.rules, label: `${m.name}/${modelFile}`,
  });
  const compileMs = performance.now() - t0;

  const feeds: Record<string, ort.Tensor> = { [inputName]: new ort.Tensor('float32', load(xName), xDesc.shape) };
  for (const t of compiled.targetInputs) feeds[t.name] = new ort.Tensor('float32', load(t.name), tensor(t.name).shape);
  const session = await ort.InferenceSession.create(compiled.bytes, { logSeverityLevel: 3 });
  const t1 = performance.now();
  const out = await session.run(feeds);
  const runMs = performance.now() - t1;
  await session.release();

  let forwardRelL2 = 0;
  if (logitsOut) forwardRelL2 = Math.max(forwardRelL2, relL2(out[compiled.outputs.activations[logitsOut]!]!.data as Float32Array, load(m.forward.outputs[logitsOut]!)));
  for (const tap of m.forward.taps) {
    const ref = readF32(path.resolve(dir, tap.tensor.file));
    forwardRelL2 = Math.max(forwardRelL2, relL2(out[compiled.outputs.activations[tap.onnx_name]!]!.data as Float32Array, ref));
  }
  const value = (out[compiled.outputs.objective]!.data as Float32Array)[0]!;
  const grad = out[compiled.outputs.inputGrad]!.data as Float32Array;
  const ref = load(c.grad[inputName]!);
  const gradRelL2 = relL2(grad, ref);
  const cos = cosine(grad, ref);
  const tol = c.checks.suggested_rel_l2_tol;
  const valueRelErr = Math.abs(value - c.value) / Math.max(Math.abs(c.value), 1e-30);
  const pass = gradRelL2 <= tol && cos >= (opts.minCosine ?? 0.9999) && forwardRelL2 <= (opts.forwardTol ?? 1e-4);
  return { id: c.id, modelFile, forwardRelL2, valueRelErr, gradRelL2, cosine: cos, tol, pass, compileMs, runMs, compiled };
}
