// `featurescope inspect <model.onnx>`: what is inside a model — inputs, outputs, opset, parameters and
// every layer with its concrete shape at the chosen input size.
import { inspectModel } from '../../main/engine/onnx/inspect';
import { openCommandLine, openModel } from '../common';
import { intFlag, type Command } from './types';

const usage = `usage: featurescope inspect <model.onnx> [--size N | --width W --height H] [--json]

  --size N      inspect at N×N input (default: the model's declared size, else 224; 227 for SqueezeNet/AlexNet)
  --width W, --height H   a non-square size
  --json        print the full ModelDescription as JSON

exit codes: 0 ok, 1 the model cannot be used (the message says why), 2 bad usage`;

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show a model\'s inputs, outputs, opset, parameters and layers with concrete shapes',
  usage,
  async run(argv) {
    const { flags: f, args: [file], json } = openCommandLine(argv, { positional: ['model'], missing: 'which model? give the path of an .onnx file' });
    const size = f.flags.size !== undefined ? intFlag(f, 'size', 224, 1, 8192) : undefined;
    const width = intFlag(f, 'width', size ?? 0, 0, 8192) || undefined;
    const height = intFlag(f, 'height', size ?? 0, 0, 8192) || undefined;
    const t0 = performance.now();
    const lm = openModel(file!);
    const d = await inspectModel(lm, { ...(width ? { width } : {}), ...(height ? { height } : {}) });
    const ms = performance.now() - t0;
    if (json) {
      console.log(JSON.stringify({ ok: true, description: d, ms: Math.round(ms) }, null, 2));
      return 0;
    }
    const shape = (s: (number | string | null)[]) => `[${s.map((x) => x ?? '?').join(', ')}]`;
    const p = d.suggestedPreprocess;
    console.log(`${d.fileName}  ${(d.fileSize / 2 ** 20).toFixed(1)} MiB  sha256 ${d.sha256.slice(0, 16)}…`);
    console.log(`producer ${d.producer || '(none)'}, IR ${d.irVersion}, opset ${d.opset}, ${d.nodeCount} nodes, ${d.parameterCount.toLocaleString('en-US')} parameters`);
    for (const i of d.inputs) console.log(`input  ${i.name} ${i.dtype} ${shape(i.shape)}${i.name === d.imageInput ? '  ← image input' : ''}`);
    for (const o of d.outputs) console.log(`output ${o.name} ${o.dtype} ${shape(o.shape)}${o.name === d.classifierOutput ? `  ← classifier, ${d.classCount} classes` : ''}`);
    console.log(`ops: ${Object.entries(d.opTypes).map(([k, v]) => `${k}×${v}`).join(' ')}`);
    console.log(`suggested preprocessing: ${p.preset} (${p.channelOrder}, ${p.rangeMin}..${p.rangeMax}, mean [${p.mean.join(', ')}], std [${p.std.join(', ')}], ${p.layout}, ${p.width}×${p.height})`);
    console.log(`\n${d.layers.length} layers at ${d.inspectedSize.width}×${d.inspectedSize.height}:`);
    const w = Math.max(...d.layers.map((l) => l.name.length), 5);
    for (const l of d.layers) console.log(`  ${l.name.padEnd(w)}  ${l.opType.padEnd(18)} ${shape(l.shape)}${l.preActivation ? '  (pre-activation)' : ''}`);
    console.log(`\ninspected in ${ms.toFixed(0)} ms`);
    return 0;
  },
};
