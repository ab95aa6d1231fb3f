// `featurescope stylize <photo…> --model candy.onnx --out dir/`: a feed-forward fast-style network on any
// number of photos of any size. Fixed-size networks (the zoo's 720×720 ones) run on overlapping tiles
// blended without seams; the network's value range and channel order are read from the model (../style/fast.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pixelSpace } from '../../shared/pixels';
import { parseStylizeSettings, type StylizeSettingsInput } from '../../shared/jobs/style';
import { JobControl } from '../../main/engine/jobs/control';
import { fileModelRecord, localEnv } from '../../main/engine/featurevis/local';
import { fastNet, fastSpaces } from '../../main/engine/style/fast';
import { decodePhoto } from '../../main/engine/style/images';
import { encodeStyle } from '../../main/engine/style/export';
import { addPngText } from '../../main/engine/image/image';
import { inspectedOutput, STYLIZE_TEXT_KEY, stylizePhoto, stylizeTile } from '../../main/engine/recipes/stylize';
import { numberFlag, openCommandLine, openModel } from '../common';
import { stringFlag, UsageError, type Command } from './types';
import { reportFallback, resolveProviderFlag } from './provider';

const MAX_PHOTOS = 256;

const usage = `usage: featurescope stylize <photo> [<photo> …] --model <style.onnx> --out <dir/> [options]

  --model FILE           a feed-forward style network (image in, image out), e.g. the ONNX model zoo's candy.onnx
  --out DIR              where the results go: <photo name>-<model name>.png (settings in a text chunk)
  --size N               the output's long side (default: each photo's own size)
  --overlap N            tile overlap in px (64), for fixed-size networks and big photos
  --tile N               tile side for networks that take any size (1024)
  --provider P           auto (default) | cuda | dml | coreml | webgpu | cpu
  --json                 print each output's size, tile count and time`;

export const stylizeCommand: Command = {
  name: 'stylize',
  summary: 'fast style: a feed-forward style network on photos of any size (tiled, seamless)',
  usage,
  async run(argv) {
    const { flags: f, args, json } = openCommandLine(argv, { positional: Array.from({ length: MAX_PHOTOS }, (_, i) => `photo${i + 1}`) });
    const photos = args.filter((a): a is string => a !== undefined);
    if (photos.length === 0) throw new UsageError('name at least one photo to stylize');
    const modelFile = stringFlag(f, 'model');
    if (!modelFile) throw new UsageError('--model is required (a fast-style .onnx network)');
    const outDir = stringFlag(f, 'out');
    if (!outDir) throw new UsageError('--out is required (a folder)');
    if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) throw new UsageError(`--out ${outDir} is a file; give a folder`);
    for (const p of photos) if (!fs.existsSync(p)) throw new Error(`photo not found: ${p}`);
    const input: StylizeSettingsInput = {};
    for (const [k, flag] of [['size', 'size'], ['overlap', 'overlap'], ['tile', 'tile']] as const) {
      const v = numberFlag(f, flag, true);
      if (v !== undefined) input[k] = v;
    }
    let settings;
    try {
      settings = parseStylizeSettings(input);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const lm = openModel(modelFile);
    const rec = await fileModelRecord(lm);
    const net = fastNet(lm.model, lm.fileName, inspectedOutput(rec.description));
    if (settings.tile && net.fixed) throw new UsageError(`--tile: ${lm.fileName} takes a fixed ${net.fixed.width}×${net.fixed.height} input, so its tiles are that size`);
    const spaces = fastSpaces(lm.model, pixelSpace(rec.preprocess));
    const status = await resolveProviderFlag(f);
    let fallbackReason = reportFallback(status.fallbackReason);
    fs.mkdirSync(outDir, { recursive: true });
    const showBar = !json && process.stderr.isTTY;
    const control = new JobControl();
    const onInt = () => control.cancel();
    process.once('SIGINT', onInt);
    const env = localEnv(lm, status.active);
    const results: { photo: string; out: string; width: number; height: number; tiles: number; ms: number }[] = [];
    try {
      for (const [k, p] of photos.entries()) {
        const t0 = performance.now();
        const img = await decodePhoto(new Uint8Array(fs.readFileSync(p)), p);
        const r = await stylizePhoto(img, {
          model: lm.model, sha: lm.sha256, net, spaces, settings, runtime: env.gradients, placement: env.placement(),
          checkpoint: () => control.checkpoint(),
          onTile: (done, total) => { if (showBar) process.stderr.write(`\r${path.basename(p)} (${k + 1}/${photos.length}): tile ${done}/${total}   `); },
        });
        if (!r) break;
        fallbackReason = reportFallback(fallbackReason, r.fallbackReason);
        const out = path.join(outDir, `${path.parse(p).name}-${path.parse(lm.fileName).name}.png`);
        const record = { kind: 'stylize', version: 1, settings: { ...settings, modelInput: net.input, modelOutput: net.output, ...(net.fixed ? { fixedSize: net.fixed } : {}), tileUsed: stylizeTile(net, settings) }, model: { name: lm.fileName, sha256: lm.sha256 }, photo: { name: path.basename(p) }, provider: r.provider, createdAt: new Date().toISOString() };
        fs.writeFileSync(out, addPngText(await encodeStyle(r.image, 'png'), { Software: 'Featurescope', [STYLIZE_TEXT_KEY]: JSON.stringify(record) }));
        results.push({ photo: p, out, width: r.image.width, height: r.image.height, tiles: r.tiles, ms: Math.round(performance.now() - t0) });
      }
    } finally {
      process.removeListener('SIGINT', onInt);
      if (showBar) process.stderr.write('\n');
      await env.dispose();
    }
    if (json) console.log(JSON.stringify({ ok: true, model: { file: modelFile, sha256: lm.sha256, input: net.input, output: net.output, fixed: net.fixed ?? null }, space: spaces.input, provider: status.active, ...(fallbackReason ? { fallbackReason } : {}), results }, null, 2));
    else for (const r of results) console.log(`wrote ${r.out} (${r.width}×${r.height}, ${r.tiles} tile${r.tiles === 1 ? '' : 's'}, ${(r.ms / 1000).toFixed(1)} s)`);
    return results.length < photos.length ? 130 : 0;
  },
};
