// Tuning curves from the unit page: a 'tuning' job per (unit, stimulus, image turned), tracked in the job
// cards (pause, cancel) but kept out of any tab; its saved run is found again in the project by the same.
import type { ModelRecord, ProjectState, RunOf } from '../../../shared/contract';
import type { TuningSettings, TuningStimulus } from '../../../shared/tuning';
import { api } from '../../api';
import { atom, store } from '../../state/store';
import { trackJob } from '../jobs/service';
import { attempt } from '../notices/service';
import { runsOf } from '../run/runOf';
import { selectPhoto } from '../../state/selection';
import { chosenPhotoAtom } from '../dataset/atoms';
import type { UnitAddress } from './address';
import { AREA } from './service';

export interface TuningAsk {
  modelId: string;
  layer: string;
  channel: number;
  stimulus: TuningStimulus;
  /** rotate: a project photo … */
  photoId?: string;
  /** … or a run's image (a feature visualization) or a dataset's photo */
  source?: NonNullable<TuningSettings['source']>;
}

/** what the tuning panel sweeps: a synthetic stimulus, or which image a rotation turns */
export type TuningChoice = Exclude<TuningStimulus, 'rotate'> | 'rotate-photo' | 'rotate-example' | 'rotate-fv';
export const tuningChoiceAtom = atom<TuningChoice>('orientation');

/** a saved run opened from History: its unit page, with the panel on its stimulus (and its image chosen) */
export function followTuningRun(run: RunOf<'tuning'>): UnitAddress {
  const s = run.settings;
  if (s.stimulus !== 'rotate') store.set(tuningChoiceAtom, s.stimulus);
  else if (run.photoId) {
    selectPhoto(run.photoId);
    store.set(tuningChoiceAtom, 'rotate-photo');
  } else if (s.source && 'datasetId' in s.source) {
    store.set(chosenPhotoAtom, { datasetId: s.source.datasetId, photoId: s.source.photoId, ...(s.sourceName ? { path: s.sourceName } : {}) });
    store.set(tuningChoiceAtom, 'rotate-example');
  } else store.set(tuningChoiceAtom, 'rotate-fv');
  return { modelId: run.modelId, layer: s.layer, channel: s.channel };
}

/** jobs this page started, by job id: what they sweep */
export const tuningJobsAtom = atom<Record<string, TuningAsk>>({});

const sameSource = (a: TuningAsk['source'], b: TuningAsk['source']) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function sameAsk(a: TuningAsk, b: TuningAsk): boolean {
  return a.modelId === b.modelId && a.layer === b.layer && a.channel === b.channel && a.stimulus === b.stimulus && a.photoId === b.photoId && sameSource(a.source, b.source);
}

export async function runTuning(ask: TuningAsk, model: ModelRecord): Promise<void> {
  const job = await attempt(AREA, `Could not start the ${ask.stimulus} tuning curve of ${ask.layer}:${ask.channel}`, () =>
    api.invoke('job:start', {
      kind: 'tuning', modelId: model.id, ...(ask.photoId ? { photoId: ask.photoId } : {}),
      settings: { layer: ask.layer, channel: ask.channel, stimulus: ask.stimulus, ...(ask.source ? { source: ask.source } : {}) },
    }),
  );
  if (!job) return;
  store.set(tuningJobsAtom, (m) => ({ ...m, [job.id]: ask }));
  trackJob(job, { show: false });
}

/** the newest finished tuning run of this unit, stimulus and image */
export function savedTuning(project: ProjectState, a: TuningAsk): RunOf<'tuning'> | undefined {
  return runsOf(project.runs, 'tuning')
    .filter((r) => r.status === 'done' && sameAsk({
      modelId: r.modelId, layer: r.settings.layer, channel: r.settings.channel, stimulus: r.settings.stimulus,
      ...(r.photoId ? { photoId: r.photoId } : {}), ...(r.settings.source ? { source: r.settings.source } : {}),
    }, a))
    .sort((x, y) => y.createdAt.localeCompare(x.createdAt))[0];
}
