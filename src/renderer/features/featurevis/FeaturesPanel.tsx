// The Features tab: a layer's channels as a grid of feature visualizations, and a unit page per channel
// (at #unit/<model>/<layer>/<channel>). Which one shows is fvUnitAtom; the URL and runs picked in History
// lead here too.
import { useEffect } from 'react';
import type { ModelRecord, PhotoRecord, ProjectState } from '../../../shared/contract';
import { useAtomValue } from '../../state/store';
import { Banners } from '../notices/Banners';
import { selectedRunIdAtom } from '../run/atoms';
import { fvUnitAtom } from './atoms';
import { LayerPage } from './LayerPage';
import { followRun, onHashChange } from './navigation';
import { AREA, loadFilters } from './service';
import { UnitPage } from './UnitPage';
import './featurevis.css';

export function FeaturesPanel({ project, model, photo }: { project: ProjectState; model: ModelRecord | undefined; photo: PhotoRecord | undefined }) {
  const unit = useAtomValue(fvUnitAtom);
  const runId = useAtomValue(selectedRunIdAtom);
  useEffect(() => {
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);
  useEffect(() => followRun(project, runId), [runId]);
  useEffect(() => {
    if (unit) void loadFilters(unit.modelId);
  }, [unit?.modelId]);
  return (
    <div className="fv-panel" data-testid="fv-panel">
      <Banners area={AREA} />
      {unit ? <UnitPage project={project} unit={unit} photo={photo} /> : <LayerPage project={project} model={model} />}
    </div>
  );
}
