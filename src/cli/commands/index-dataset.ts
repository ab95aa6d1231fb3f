// `featurescope index <folder> --model m.onnx`: index a folder of photos for a model (top/bottom photos per
// channel, histograms, pooled features), in the app's data folder or a --project file. Resumable: Ctrl-C
// (or a crash) keeps every finished batch, and running it again goes on from there; new photos in the
// folder are indexed on the next run, the old ones are not indexed twice.
import { DATASET_PRESETS, type DatasetIndexSettingsInput } from '../../shared/dataset';
import { Cancelled, JobControl } from '../../main/engine/jobs/control';
import { indexLocally, openLocalDataset } from '../../main/engine/dataset/local';
import { DatasetStore } from '../../main/store/dataset';
import { choiceFlag, numberFlag, openCommandLine } from '../common';
import { expandShortK, modelFlag } from './dataset-flags';
import { reportFallback, resolveProviderFlag } from './provider';
import { stringFlag, UsageError, type Command } from './types';

const usage = `usage: featurescope index <folder> --model <model.onnx> [options]

  <folder>               photos (JPEG, PNG, WebP), subfolders included; other files are listed as unreadable
  --model FILE           the ONNX model, run at its guessed preprocessing
  --preset P             the layers when --layers is not given: default (three, from early to the last
                         feature map) | last | blocks (every Concat, e.g. Inception blocks)
  --layers a,b           layer tensor names (spatial feature maps [1,C,H,W])
  -k N                   top and bottom photos kept per channel (16)
  --bins N               histogram bins per channel (64, even)
  --batch N              photos per forward pass (16)
  --project FILE         keep the index in this project file (default: one per folder and model in the
                         app's data folder, FEATURESCOPE_DATA_DIR)
  --provider P           auto (default) | cuda | dml | coreml | webgpu | cpu
  --json                 print the outcome as JSON`;

export const indexCommand: Command = {
  name: 'index',
  summary: 'index a folder of photos for a model: dataset examples, histograms, neighbours (resumable)',
  usage,
  async run(argv) {
    const { flags: f, args, json } = openCommandLine(expandShortK(argv), { positional: ['folder'], missing: 'name the folder of photos to index' });
    const lm = modelFlag(f);
    const settings: DatasetIndexSettingsInput = {};
    const preset = choiceFlag(f, 'preset', DATASET_PRESETS);
    if (preset) settings.preset = preset;
    const layers = stringFlag(f, 'layers');
    if (layers !== undefined) {
      const names = layers.split(',').map((s) => s.trim()).filter(Boolean);
      if (!names.length) throw new UsageError('--layers needs at least one layer name');
      settings.layers = names;
    }
    for (const [key, flag] of [['k', 'k'], ['bins', 'bins'], ['batch', 'batch']] as const) {
      const v = numberFlag(f, flag, true);
      if (v !== undefined) settings[key] = v;
    }
    const project = stringFlag(f, 'project');
    const status = await resolveProviderFlag(f);
    reportFallback(status.fallbackReason);
    const d = await openLocalDataset({ folder: args[0]!, lm, create: true, ...(project ? { project } : {}) });
    const showBar = !json && process.stderr.isTTY;
    const control = new JobControl({
      progress: (p) => {
        if (!showBar) return;
        const eta = p.etaMs !== undefined ? ` · ${Math.ceil(p.etaMs / 1000)} s left` : '';
        const bar = '#'.repeat(Math.round(p.fraction * 30)).padEnd(30, '.');
        process.stderr.write(`\r[${bar}] ${(p.fraction * 100).toFixed(0).padStart(3)}% ${p.message ?? ''}${eta}   `);
      },
      preview: () => undefined,
    }, { progressEveryMs: 200 });
    const onInt = () => control.cancel();
    process.once('SIGINT', onInt);
    try {
      let r: Awaited<ReturnType<typeof indexLocally>> | undefined;
      try {
        r = await indexLocally(d, lm, settings, control, status.active);
      } catch (e) {
        if (!(e instanceof Cancelled)) throw e;
      }
      if (showBar) process.stderr.write('\n');
      const info = DatasetStore.with(d.store.path, (ds) => ds.info(d.datasetId));
      const o = r?.output;
      if (o?.fallbackReason) reportFallback(o.fallbackReason);
      const idx = info.indexes.find((x) => x.id === r?.indexId);
      const out = {
        ok: true, status: o?.status ?? 'cancelled', project: d.store.path, folder: d.folder, datasetId: d.datasetId, model: { file: lm.path ?? lm.fileName, sha256: lm.sha256 },
        indexId: r?.indexId ?? null, layers: idx?.layers ?? [], indexedNow: o?.indexedNow ?? 0, indexed: o?.indexed ?? 0, pending: o?.pending ?? null,
        photos: info.photos, unreadable: info.unreadable, unreadableFiles: info.unreadableSample,
        imagesPerSecond: o?.imagesPerSecond ?? 0, timings: o?.timings ?? null, provider: o?.provider ?? status.active,
      };
      if (json) console.log(JSON.stringify(out, null, 2));
      else {
        console.log(`${out.status === 'done' ? 'indexed' : 'stopped:'} ${out.indexed} photo${out.indexed === 1 ? '' : 's'} of ${d.folder} for ${lm.fileName} (${out.indexedNow} now, ${out.imagesPerSecond.toFixed(1)} photos/s) at ${out.layers.map((l) => `${l.name} [${l.channels}×${l.height}×${l.width}]`).join(', ')}`);
        if (info.unreadable) console.log(`${info.unreadable} unreadable file${info.unreadable === 1 ? '' : 's'}:\n${info.unreadableSample.map((u) => `  ${u.path}: ${u.reason}`).join('\n')}${info.unreadable > info.unreadableSample.length ? '\n  …' : ''}`);
        if (out.status !== 'done') console.log(`run the same command again to go on (${out.pending ?? 'some'} photos left)`);
        console.log(`index: ${d.store.path}`);
      }
      return out.status === 'done' ? 0 : 130;
    } finally {
      process.removeListener('SIGINT', onInt);
      d.close();
    }
  },
};
