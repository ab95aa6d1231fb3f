import { useEffect, useState } from 'react';
import { api } from '../../api';
import { formatTime } from '../../components/format';
import { useAtomValue } from '../../state/store';
import { Banners } from '../notices/Banners';
import { projectBusyAtom, recentAtom } from './atoms';
import { createProject, openProject, refreshRecent, suggestProjectPath } from './service';

export function StartScreen() {
  const recent = useAtomValue(recentAtom);
  const busy = useAtomValue(projectBusyAtom);
  const [name, setName] = useState('Untitled');
  const [folder, setFolder] = useState('');
  const [openPath, setOpenPath] = useState('');
  const target = suggestProjectPath(folder, name);

  useEffect(() => void refreshRecent(), []);

  return (
    <div className="start" data-testid="start-screen">
      <header className="start-header">
        <div className="brand">
          <span className="brand-mark">◧</span> Featurescope
        </div>
        <div className="muted">See inside image models — any ONNX file, offline.</div>
      </header>
      <Banners area="project" />
      <div className="start-grid">
        <section className="card">
          <h2>New project</h2>
          <label className="field">
            <span>Name</span>
            <input data-testid="new-name" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="field">
            <span>Folder</span>
            <div className="row">
              <input
                data-testid="new-folder"
                placeholder="/home/you/projects"
                value={folder}
                onChange={(e) => setFolder(e.target.value)}
              />
              {api.pickProjectPath && (
                <button
                  className="button"
                  onClick={async () => {
                    const p = await api.pickProjectPath?.('create');
                    if (p) await createProject(p);
                  }}
                >
                  Choose…
                </button>
              )}
            </div>
          </label>
          <div className="hint mono" data-testid="new-path">
            {folder.trim() ? target : 'A project is one file (.fscope): models, photos and every run in it.'}
          </div>
          <div className="actions">
            <button
              className="button primary"
              data-testid="create-project"
              disabled={busy || !folder.trim() || !name.trim()}
              onClick={() => void createProject(target)}
            >
              Create project
            </button>
          </div>
        </section>
        <section className="card">
          <h2>Open project</h2>
          <label className="field">
            <span>Project file</span>
            <div className="row">
              <input
                data-testid="open-path"
                placeholder="/home/you/projects/study.fscope"
                value={openPath}
                onChange={(e) => setOpenPath(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && openPath.trim()) void openProject(openPath.trim());
                }}
              />
              {api.pickProjectPath && (
                <button
                  className="button"
                  onClick={async () => {
                    const p = await api.pickProjectPath?.('open');
                    if (p) await openProject(p);
                  }}
                >
                  Browse…
                </button>
              )}
            </div>
          </label>
          <div className="actions">
            <button
              className="button primary"
              data-testid="open-project"
              disabled={busy || !openPath.trim()}
              onClick={() => void openProject(openPath.trim())}
            >
              Open
            </button>
          </div>
          <h3>Recent</h3>
          {recent.length === 0 ? (
            <div className="empty">No recent projects.</div>
          ) : (
            <ul className="recent" data-testid="recent-list">
              {recent.map((r) => (
                <li key={r.path}>
                  <button
                    className="recent-item"
                    disabled={busy || !r.exists}
                    title={r.exists ? r.path : `${r.path} (file not found)`}
                    onClick={() => void openProject(r.path)}
                  >
                    <span className="recent-name">{r.name}</span>
                    <span className="recent-path mono">{r.path}</span>
                    <span className="recent-time">{r.exists ? formatTime(r.openedAt) : 'missing'}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
