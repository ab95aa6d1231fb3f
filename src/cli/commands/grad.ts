// `featurescope grad <model.onnx> --input <x.bin|image> --objective '<json>' --out g.bin`: one
// d objective / d input, ad hoc, through the same compiler the app uses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { compileGradient, strategiesFor } from '../../main/engine/autodiff/index';
import { readF32 } from '../../main/engine/autodiff/gradcheck';
import { RULE_SETS, type RuleSetName } from '../../main/engine/autodiff/rules/index';
import { inspectModel } from '../../main/engine/onnx/inspect';
import { decodeResized } from '../../main/engine/image/image';
import { imageToTensor, preset, PRESET_NAMES } from '../../main/engine/pixels/index';
import { objectiveName, validateObjective } from '../../shared/objectives';
import { openCommandLine, openModel, presetFlag, rawTensorFlag } from '../common';
import { stringFlag, UsageError, type Command } from './types';
import { reportFallback, resolveProviderFlag } from './provider';
import { createSession } from '../../main/engine/runtime/sessions';

const usage = `usage: featurescope grad <model.onnx> --input <x.bin|image> --objective '<json>' --out g.bin [options]

  --input FILE        raw little-endian float32 tensor (.bin, needs --shape) or an image (preprocessed
                      like the app does: --preset, --size)
  --shape N,C,H,W     shape of a .bin input
  --preset NAME       image preprocessing: ${PRESET_NAMES.join(' | ')} (default: guessed from the model)
  --size WxH          image size fed to the model (default: the model's own, else 224x224)
  --input-name NAME   the model input to differentiate (default: the image input the app finds)
  --objective JSON    an objective, e.g. '{"kind":"channel","layer":"inception_4c/output","channel":97}'
                      (or @file.json)
  --targets N=F,...   float32 .bin files for the objective's target inputs (gram, content, direction)
  --rules SET         default | guided | deconvnet | redirected-relu
  --out FILE          write d objective / d input as raw float32 (C order)
  --provider P        auto (default) | cuda | dml | coreml | webgpu | cpu; when it cannot be used the run
                      goes on CPU and the reason is printed on stderr (and in --json as fallbackReason)
  --json              print JSON: objective value, gradient shape and statistics, timings, provider

exit codes: 0 ok, 1 the model, input or objective cannot be used, 2 bad usage`;

export const gradCommand: Command = {
  name: 'grad',
  summary: 'd objective / d input of an ONNX model for one input (raw tensor or image)',
  usage,
  async run(argv) {
    const { flags: f, args: [modelFile] } = openCommandLine(argv, {
      positional: ['model'], missing: 'give a model: featurescope grad <model.onnx> --input … --objective … --out …',
    });
    const inputFile = stringFlag(f, 'input');
    const objectiveArg = stringFlag(f, 'objective');
    const outFile = stringFlag(f, 'out');
    if (!inputFile) throw new UsageError('--input is required');
    if (!objectiveArg) throw new UsageError('--objective is required');
    if (!outFile && !f.flags.json) throw new UsageError('--out is required (or --json to only print statistics)');
    const rules = (stringFlag(f, 'rules') ?? 'default') as RuleSetName;
    if (!(rules in RULE_SETS)) throw new UsageError(`--rules must be one of ${Object.keys(RULE_SETS).join(', ')}`);
    let objectiveJson: unknown;
    try {
      objectiveJson = JSON.parse(objectiveArg.startsWith('@') ? fs.readFileSync(objectiveArg.slice(1), 'utf8') : objectiveArg);
    } catch (e) {
      throw new UsageError(`--objective is not valid JSON (${(e as Error).message})`);
    }
    const objective = validateObjective(objectiveJson);
    const status = await resolveProviderFlag(f);

    const t0 = performance.now();
    const lm = openModel(modelFile!);
    let inputName = stringFlag(f, 'input-name');
    let x: Float32Array;
    let shape: number[];
    if (inputFile.toLowerCase().endsWith('.bin')) {
      ({ data: x, shape } = rawTensorFlag(f)!);
      if (!inputName) {
        const inits = new Set(lm.model.graph.initializers.map((t) => t.name));
        inputName = lm.model.graph.inputs.find((i) => !inits.has(i.name))?.name;
        if (!inputName) throw new Error(`${lm.fileName} has no graph input`);
      }
    } else {
      const sizeArg = stringFlag(f, 'size');
      const size = sizeArg?.match(/^(\d+)x(\d+)$/);
      if (sizeArg && !size) throw new UsageError(`--size must look like 224x224 (got "${sizeArg}")`);
      const d = await inspectModel(lm, { layers: false, ...(size ? { width: Number(size[1]), height: Number(size[2]) } : {}) });
      const presetName = presetFlag(f);
      const guess = d.suggestedPreprocess;
      const w = size ? Number(size[1]) : guess.width, h = size ? Number(size[2]) : guess.height;
      const pre = presetName ? preset(presetName, w, h, guess.layout) : { ...guess, width: w, height: h };
      const img = await decodeResized(fs.readFileSync(inputFile), pre.width, pre.height, pre.resize, inputFile);
      const t = imageToTensor(img, pre);
      x = t.data;
      shape = t.dims;
      inputName ??= d.imageInput;
    }

    // the backward spelled for the provider it will run on (WebGPU has no MaxPool Indices output)
    const compiled = await compileGradient(lm.model, { input: inputName, shape, objective, rules, label: lm.fileName, strategies: strategiesFor(status.active) });
    const tCompile = performance.now();
    const feeds: Record<string, ort.Tensor> = { [inputName]: new ort.Tensor('float32', x, shape) };
    const targetArg = stringFlag(f, 'targets');
    const given = new Map((targetArg ? targetArg.split(',') : []).map((kv) => {
      const eq = kv.indexOf('=');
      if (eq < 1) throw new UsageError(`--targets entries look like name=file.bin (got "${kv}")`);
      return [kv.slice(0, eq), kv.slice(eq + 1)] as const;
    }));
    for (const t of compiled.targetInputs) {
      const file = given.get(t.name);
      if (!file) {
        throw new Error(`the objective needs target input(s) ${compiled.targetInputs.map((u) => `${u.name} [${u.shape.join(',')}] (${u.role})`).join(', ')}; pass them with --targets name=file.bin`);
      }
      const v = readF32(file);
      const need = t.shape.reduce((a, b) => a * b, 1);
      if (v.length !== need) throw new Error(`target ${t.name}: ${file} holds ${v.length} float32 values, [${t.shape.join(',')}] needs ${need}`);
      feeds[t.name] = new ort.Tensor('float32', v, t.shape);
    }
    const made = await createSession({ bytes: compiled.bytes }, { provider: status.active });
    const session = made.session;
    const fallbackReason = reportFallback(status.fallbackReason, made.fallbackReason);
    const tSession = performance.now();
    const out = await session.run(feeds);
    const tRun = performance.now();
    await session.release();
    const grad = out[compiled.outputs.inputGrad]!.data as Float32Array;
    const perItem = Array.from(out[compiled.outputs.perItem]!.data as Float32Array);
    const value = (out[compiled.outputs.objective]!.data as Float32Array)[0]!;
    if (outFile) fs.writeFileSync(outFile, new Uint8Array(grad.buffer, grad.byteOffset, grad.byteLength));

    let min = Infinity, max = -Infinity, l2 = 0;
    for (const v of grad) { min = Math.min(min, v); max = Math.max(max, v); l2 += v * v; }
    const stats = { min, max, l2: Math.sqrt(l2) };
    const timings = {
      compileMs: Math.round(tCompile - t0), sessionMs: Math.round(tSession - tCompile), runMs: Math.round(tRun - tSession),
      forwardNodes: compiled.stats.forwardNodes, backwardNodes: compiled.stats.backwardNodes,
    };
    if (f.flags.json) {
      console.log(JSON.stringify({ ok: true, model: lm.fileName, input: inputName, shape, objective: objectiveName(objective), rules, value, perItem, gradient: { file: outFile ? path.resolve(outFile) : null, shape, ...stats }, provider: made.provider, ...(fallbackReason ? { fallbackReason } : {}), timings }, null, 2));
      return 0;
    }
    console.log(`${objectiveName(objective)} = ${value}${perItem.length > 1 ? ` (per item: ${perItem.map((v) => v.toPrecision(5)).join(', ')})` : ''}`);
    console.log(`d/d ${inputName} [${shape.join(',')}]: min ${min.toPrecision(4)}, max ${max.toPrecision(4)}, L2 ${stats.l2.toPrecision(4)}${outFile ? ` → ${outFile}` : ''}`);
    console.log(`compile ${timings.compileMs} ms (${timings.forwardNodes} forward + ${timings.backwardNodes} backward nodes), session ${timings.sessionMs} ms, run ${timings.runMs} ms`);
    return 0;
  },
};
