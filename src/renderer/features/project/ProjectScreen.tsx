import { Fragment } from 'react';
import type { ProjectState } from '../../../shared/contract';
import { featureTabs } from '../../app/featureTabs';
import { useAtom, useAtomValue } from '../../state/store';
import { JobsPanel } from '../jobs/JobsPanel';
import { selectedModelIdAtom } from '../models/atoms';
import { ModelsPanel } from '../models/ModelsPanel';
import { ModelView } from '../models/ModelView';
import { Banners } from '../notices/Banners';
import { selectedPhotoIdAtom } from '../photos/atoms';
import { PhotosPanel } from '../photos/PhotosPanel';
import { tabAtom, type MainTab } from '../run/atoms';
import { HistoryPanel } from '../run/HistoryPanel';
import { RunPanel } from '../run/RunPanel';
import { closeProject } from './service';

function tabs(): { id: MainTab; label: string }[] {
  return [
    { id: 'model', label: 'Model' },
    { id: 'run', label: 'Run' },
    ...featureTabs.map((t) => ({ id: t.id, label: t.label })),
    { id: 'history', label: 'History' },
  ];
}

export function ProjectScreen({ project }: { project: ProjectState }) {
  const [tab, setTab] = useAtom(tabAtom);
  const modelId = useAtomValue(selectedModelIdAtom);
  const photoId = useAtomValue(selectedPhotoIdAtom);
  const model = project.models.find((m) => m.id === modelId);
  const photo = project.photos.find((p) => p.id === photoId);
  return (
    <div className="project" data-testid="project-screen">
      <header className="topbar">
        <span className="brand-mark">◧</span>
        <span className="project-name" data-testid="project-name">
          {project.name}
        </span>
        <nav className="tabs" role="tablist">
          {tabs().map((t) => (
            <button
              key={t.id}
              role="tab"
              aria-selected={tab === t.id}
              className={`tab ${tab === t.id ? 'active' : ''}`}
              data-testid={`tab-${t.id}`}
              onClick={() => setTab(t.id)}
            >
              {t.label}
              {t.id === 'history' && project.runs.length > 0 && <span className="count">{project.runs.length}</span>}
            </button>
          ))}
        </nav>
        <span className="spacer" />
        <button className="button small" data-testid="close-project" onClick={() => void closeProject()}>
          Close project
        </button>
      </header>
      <div className="workspace">
        <aside className="sidebar">
          <ModelsPanel />
          <PhotosPanel />
        </aside>
        <main className="main">
          <Banners area="project" />
          {tab === 'model' &&
            (model ? <ModelView model={model} /> : <div className="empty big">Add a model to see its inputs, outputs and layers.</div>)}
          {tab === 'run' && <RunPanel model={model} photo={photo} runs={project.runs} models={project.models} photos={project.photos} />}
          {tab === 'history' && <HistoryPanel project={project} />}
          {featureTabs
            .filter((t) => t.id === tab)
            .map((t) => (
              <Fragment key={t.id}>{t.render({ project, model, photo })}</Fragment>
            ))}
        </main>
        <aside className="rightbar">
          <JobsPanel />
        </aside>
      </div>
    </div>
  );
}
