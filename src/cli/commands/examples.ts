// `featurescope examples --dataset <folder> --model m --layer L --channel C --out grid.png`: the photos of an
// indexed dataset that excite a channel most (or least, --bottom), as a grid: each whole photo with its
// receptive-field box at the maximum, or with --patches the box's crop alone.
import * as fs from 'node:fs';
import sharp from 'sharp';
import type { DatasetExample } from '../../shared/dataset';
import { examples, histogram } from '../../main/engine/dataset/queries';
import { DatasetStore } from '../../main/store/dataset';
import { intFlag, stringFlag, UsageError, type Command } from './types';
import { openCommandLine } from '../common';
import { expandShortK, indexedDataset, modelFlag } from './dataset-flags';

const usage = `usage: featurescope examples --dataset <folder> --model <model.onnx> --layer L --channel C [options]

  --dataset DIR          a folder indexed with featurescope index (for this model)
  --model FILE           the model it was indexed for
  --layer L --channel C  the unit
  -k N                   how many photos (9)
  --bottom               the most negative photos instead of the strongest
  --patches              draw the maximally activating patches (receptive-field crops), not whole photos
  --out FILE             write the grid as a PNG
  --tile N               grid cell side in px (224)
  --project FILE         the project file given to featurescope index --project
  --json                 print the photos, values, map positions, patches and the channel's histogram`;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

async function tile(e: DatasetExample, size: number, patches: boolean): Promise<Buffer> {
  const src = sharp(fs.readFileSync(e.file)).rotate();
  if (patches) {
    const c = e.patchClipped;
    return src.extract({ left: c.x, top: c.y, width: c.width, height: c.height }).resize(size, size, { fit: 'contain', background: '#202020' }).removeAlpha().png().toBuffer();
  }
  const scale = Math.min(size / e.width, size / e.height);
  const w = Math.max(1, Math.round(e.width * scale)), h = Math.max(1, Math.round(e.height * scale));
  const ox = (size - w) / 2, oy = (size - h) / 2;
  const r = e.patch;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <rect x="${ox + r.x * scale}" y="${oy + r.y * scale}" width="${r.width * scale}" height="${r.height * scale}" fill="none" stroke="#ff3030" stroke-width="2"/>
    <circle cx="${ox + e.center.x * scale}" cy="${oy + e.center.y * scale}" r="3" fill="#ff3030"/>
    <text x="4" y="${size - 6}" font-family="sans-serif" font-size="12" fill="#ffffff" stroke="#000000" stroke-width="0.4">${esc(e.value.toPrecision(4))}</text></svg>`;
  const photo = await src.resize(w, h, { fit: 'fill' }).removeAlpha().png().toBuffer();
  return sharp({ create: { width: size, height: size, channels: 3, background: '#202020' } })
    .composite([{ input: photo, left: Math.round(ox), top: Math.round(oy) }, { input: Buffer.from(svg), left: 0, top: 0 }]).png().toBuffer();
}

export async function exampleGrid(items: DatasetExample[], size: number, patches: boolean): Promise<Buffer> {
  const cols = Math.max(1, Math.ceil(Math.sqrt(items.length))), rows = Math.max(1, Math.ceil(items.length / cols)), gap = 2;
  const tiles = await Promise.all(items.map((e) => tile(e, size, patches)));
  return sharp({ create: { width: cols * size + (cols - 1) * gap, height: rows * size + (rows - 1) * gap, channels: 3, background: '#ffffff' } })
    .composite(tiles.map((t, i) => ({ input: t, left: (i % cols) * (size + gap), top: Math.floor(i / cols) * (size + gap) }))).png().toBuffer();
}

export const examplesCommand: Command = {
  name: 'examples',
  summary: 'the dataset photos (or patches) that excite a unit most or least, as a grid PNG',
  usage,
  async run(argv) {
    const { flags: f, json } = openCommandLine(expandShortK(argv), { positional: [], booleans: ['bottom', 'patches'] });
    const lm = modelFlag(f);
    const layer = stringFlag(f, 'layer');
    if (!layer) throw new UsageError('--layer is required');
    if (f.flags.channel === undefined) throw new UsageError('--channel is required');
    const channel = intFlag(f, 'channel', 0, 0, 1 << 20);
    const k = intFlag(f, 'k', 9, 1, 64);
    const size = intFlag(f, 'tile', 224, 32, 1024);
    const out = stringFlag(f, 'out');
    if (!out && !json) throw new UsageError('--out grid.png is required (or --json)');
    const bottom = f.flags.bottom === true, patches = f.flags.patches === true;
    const d = await indexedDataset(f, lm);
    try {
      const q = { datasetId: d.datasetId, modelId: d.rec.id, layer, channel };
      const r = DatasetStore.with(d.store.path, (ds) => ({ ex: examples(ds, { ...q, k, bottom }), hist: histogram(ds, q) }));
      if (out) fs.writeFileSync(out, await exampleGrid(r.ex.items, size, patches));
      if (json) console.log(JSON.stringify({ ok: true, ...r.ex, histogram: r.hist, ...(out ? { out } : {}) }, null, 2));
      else {
        console.log(`${bottom ? 'bottom' : 'top'} ${r.ex.items.length} of ${r.ex.indexed} photos for ${layer}:${channel} (receptive field ${r.ex.field.size.join('×')} px, stride ${r.ex.field.stride.join('×')}):`);
        for (const e of r.ex.items) console.log(`  ${e.value.toPrecision(5).padStart(11)}  ${e.path}  at map (${e.map.x}, ${e.map.y}) → patch ${e.patchClipped.width}×${e.patchClipped.height}+${e.patchClipped.x}+${e.patchClipped.y}`);
        console.log(`wrote ${out}`);
      }
      return 0;
    } finally {
      d.close();
    }
  },
};
