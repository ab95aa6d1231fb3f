// Recipe 'tuning': a unit's tuning curve on synthetic stimuli (Distill "Curve Detectors") — a forward
// sweep, batched through a cut forward session of the gradient runtime. The host half resolves the unit and
// the image a rotation sweep turns (a project photo, an image artifact such as a feature visualization, or a
// dataset's photo);
// the worker half draws and runs the stimuli (../tuning); the saved run holds the curves, a strip of the
// stimuli and the chart as PNG. Heavy: a grating sweep is a few hundred images.
import * as fs from 'node:fs';
import { EngineError } from '../../../shared/errors';
import { DatasetStore } from '../../store/dataset';
import { tuningSettingsSchema } from '../../../shared/tuning';
import { tuningPng } from '../tuning/chart';
import { prepareTuning, runTuning, type TuningInput, type TuningOutput } from '../tuning/tuning';
import { hostModel } from './featurevis';
import { jobModelRef } from './inputs';
import type { Recipe } from './types';

export const tuningRecipe: Recipe<'tuning', TuningInput, TuningOutput> = {
  kind: 'tuning',
  heavy: true,

  async prepare(spec, host) {
    const store = host.project();
    const rec = store.model(spec.modelId);
    const wanted = tuningSettingsSchema.safeParse(spec.settings);
    let source: { bytes: Uint8Array; name: string } | undefined;
    if (spec.photoId) source = { bytes: store.photoBytes(spec.photoId), name: store.photo(spec.photoId).name };
    else if (wanted.success && wanted.data.source && 'artifactId' in wanted.data.source) {
      const src = wanted.data.source;
      const a = store.artifact(src.artifactId);
      if (a.runId !== src.runId) throw new EngineError('bad-args', `source: artifact ${a.id} belongs to run ${a.runId}, not ${src.runId}`);
      if (!a.mime.startsWith('image/')) throw new EngineError('bad-args', `source: artifact ${a.name} is ${a.mime}, not an image`);
      source = { bytes: a.bytes, name: a.name };
    } else if (wanted.success && wanted.data.source && 'datasetId' in wanted.data.source) {
      const { datasetId, photoId } = wanted.data.source;
      const photo = DatasetStore.with(store.path, (d) => d.photo(datasetId, photoId));
      if (photo.unreadable) throw new EngineError('bad-args', `source: ${photo.path} cannot be read: ${photo.unreadable}`);
      try {
        source = { bytes: new Uint8Array(await fs.promises.readFile(photo.file)), name: photo.path };
      } catch (e) {
        throw new EngineError('bad-args', `source: cannot read ${photo.file}: ${(e as Error).message}`);
      }
    }
    return prepareTuning({ rec, model: hostModel(store, rec), modelRef: jobModelRef(store, rec), settings: spec.settings, ...(source ? { source } : {}) });
  },

  async run(input, ctl, env) {
    const output = await runTuning(input, ctl, env);
    return { output, transfer: [output.stimuliPng.buffer as ArrayBuffer] };
  },

  async save(o, spec, prepared) {
    const s = prepared.input.settings;
    const chart = await tuningPng(o.result, `${prepared.input.modelName} ${s.layer}:${s.channel} — ${s.stimulus}`);
    return {
      run: {
        kind: 'tuning', modelId: spec.modelId, ...(spec.photoId ? { photoId: spec.photoId } : {}),
        settings: s, result: o.result, status: 'done', provider: o.provider, durationMs: o.result.timings.totalMs,
      },
      artifacts: [
        { name: 'stimuli.png', mime: 'image/png', bytes: o.stimuliPng },
        { name: 'curve.png', mime: 'image/png', bytes: chart },
      ],
    };
  },
};
