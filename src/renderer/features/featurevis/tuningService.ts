// Tuning curves from the unit page: a 'tuning' job per (unit, stimulus), tracked in the job cards (pause,
// cancel) but kept out of any tab; its saved run is found again in the project by unit and stimulus.
import type { ModelRecord, PhotoRecord, ProjectState, RunOf } from '../../../shared/contract';
import type { TuningStimulus } from '../../../shared/tuning';
import { api } from '../../api';
import { atom, store } from '../../state/store';
import { trackJob } from '../jobs/service';
import { attempt } from '../notices/service';
import { runsOf } from '../run/runOf';
import { AREA } from './service';

export interface TuningAsk { modelId: string; layer: string; channel: number; stimulus: TuningStimulus; photoId?: string }
/** jobs this page started, by job id: what they sweep */
export const tuningJobsAtom = atom<Record<string, TuningAsk>>({});

export async function runTuning(model: ModelRecord, ask: Omit<TuningAsk, 'modelId'>, photo?: PhotoRecord): Promise<void> {
  const job = await attempt(AREA, `Could not start the ${ask.stimulus} tuning curve of ${ask.layer}:${ask.channel}`, () =>
    api.invoke('job:start', {
      kind: 'tuning', modelId: model.id, ...(ask.stimulus === 'rotate' && photo ? { photoId: photo.id } : {}),
      settings: { layer: ask.layer, channel: ask.channel, stimulus: ask.stimulus },
    }),
  );
  if (!job) return;
  store.set(tuningJobsAtom, (m) => ({ ...m, [job.id]: { modelId: model.id, ...ask, ...(ask.stimulus === 'rotate' && photo ? { photoId: photo.id } : {}) } }));
  trackJob(job, { show: false });
}

/** the newest finished tuning run of this unit and stimulus (a rotation: of this photo) */
export function savedTuning(project: ProjectState, a: TuningAsk): RunOf<'tuning'> | undefined {
  return runsOf(project.runs, 'tuning')
    .filter((r) => r.status === 'done' && r.modelId === a.modelId && r.settings.layer === a.layer && r.settings.channel === a.channel
      && r.settings.stimulus === a.stimulus && (a.stimulus !== 'rotate' || r.photoId === a.photoId))
    .sort((x, y) => y.createdAt.localeCompare(x.createdAt))[0];
}
