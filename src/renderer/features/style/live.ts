// The live loss curve of every style job. The jobs feature keeps each job's latest state (its latest
// progress message only); the curve needs every message, so this listens to the jobs atom itself — each
// engine 'job:update' sets it once — and adds the point a style job's message carries. It starts listening
// when the Style tab's module is first imported (at boot, through app/featureTabs), before any job runs.
import { store } from '../../state/store';
import { jobsAtom } from '../jobs/atoms';
import { styleCurvesAtom } from './atoms';
import { addProgress, EMPTY_CURVE } from './curve';

let listening = false;

export function listenForStyleProgress(): void {
  if (listening) return;
  listening = true;
  store.sub(jobsAtom, () => {
    const curves = store.get(styleCurvesAtom);
    let next: typeof curves | undefined;
    for (const job of store.get(jobsAtom)) {
      if (job.kind !== 'style' || job.state !== 'running') continue;
      const before = curves[job.id] ?? EMPTY_CURVE;
      const after = addProgress(before, job.message);
      if (after !== before) (next ??= { ...curves })[job.id] = after;
    }
    if (next) store.set(styleCurvesAtom, next);
  });
}
