// `featurescope import <model.json> --out model.onnx`: converts a TF.js Layers model (Keras,
// Teachable Machine, ml5) with its weight shards to ONNX, keeping Keras layer names.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importTfjsModel } from '../../main/engine/importers/index';
import { resolveDefaultModel } from '../../main/engine/importers/default-model';
import { openCommandLine } from '../common';
import { stringFlag, UsageError, type Command } from './types';

const usage = `usage: featurescope import <model.json> --out <model.onnx> [--outputs LAYER[,LAYER…]] [--json]
       featurescope import default [--json]

Converts a TF.js Layers model (model.json plus the weight shards next to it; float32 or
uint8/uint16/float16-quantized) to ONNX: opset 13, NCHW float32 image input, Keras layer names
kept as tensor names.

  --out FILE        where to write the .onnx file
  --outputs LIST    cut the model after these Keras layers and make them the outputs
                    (default: the model's own outputs)
  --json            print the result as JSON

"default" builds (or finds) the built-in InceptionV3 model (up to mixed5) in the data folder
(FEATURESCOPE_DATA_DIR, else the OS application-data folder) and prints its path.`;

export const importCommand: Command = {
  name: 'import',
  summary: 'convert a TF.js Layers model (model.json + shards) to ONNX',
  usage,
  async run(argv) {
    const { flags: f, args: [src], json } = openCommandLine(argv, { positional: ['model.json'], missing: 'give the model.json file' });
    if (src === 'default') {
      const file = await resolveDefaultModel();
      console.log(json ? JSON.stringify({ ok: true, out: file }) : file);
      return 0;
    }
    const out = stringFlag(f, 'out');
    if (!out) throw new UsageError('--out is required');
    const outputs = stringFlag(f, 'outputs')?.split(',').map((s) => s.trim()).filter(Boolean);
    const t0 = performance.now();
    const r = await importTfjsModel(src!, outputs ? { outputs } : {});
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, r.bytes);
    const g = r.model.graph;
    const summary = {
      ok: true,
      out,
      bytes: r.bytes.byteLength,
      ms: Math.round(performance.now() - t0),
      inputs: g.inputs.map((i) => ({ name: i.name, shape: i.shape })),
      outputs: g.outputs.map((o) => ({ name: o.name, shape: o.shape })),
      nodes: g.nodes.length,
      warnings: r.warnings,
    };
    if (json) {
      console.log(JSON.stringify(summary));
    } else {
      const shape = (s?: (number | string | null)[]) => `[${(s ?? []).join(',')}]`;
      console.log(`wrote ${out} (${(r.bytes.byteLength / 1e6).toFixed(1)} MB, ${g.nodes.length} nodes) in ${summary.ms} ms`);
      for (const i of g.inputs) console.log(`  input  ${i.name} ${shape(i.shape)}`);
      for (const o of g.outputs) console.log(`  output ${o.name} ${shape(o.shape)}`);
      for (const w of r.warnings) console.log(`  warning: ${w}`);
    }
    return 0;
  },
};
