import type { ProjectState } from '../../../shared/contract';
import { api } from '../../api';
import { store } from '../../state/store';
import { artifactsAtom } from '../run/atoms';
import { selectedPhotoIdAtom, thumbnailsAtom } from '../photos/atoms';
import { clearFinished } from '../jobs/service';
import { inspectionsAtom, layerSearchAtom, selectedModelIdAtom } from '../models/atoms';
import { attempt, clearArea } from '../notices/service';
import { projectAtom, projectBusyAtom, recentAtom } from './atoms';
import { applyView, currentView, viewAtoms } from './view';
import { watchSelection } from '../../state/selection';

export async function refreshRecent(): Promise<void> {
  const recent = await attempt('project', 'Could not read recent projects', () => api.invoke('project:recent', {}));
  if (recent) store.set(recentAtom, recent);
}

/** Re-reads the open project from the engine (after any change). */
export async function refreshProject(): Promise<ProjectState | null> {
  const state = await attempt('project', 'Could not read the project', () => api.invoke('project:state', {}));
  if (state === undefined) return store.get(projectAtom);
  store.set(projectAtom, state);
  return state;
}

function enter(state: ProjectState): void {
  store.set(thumbnailsAtom, {});
  store.set(artifactsAtom, {});
  clearFinished(); // finished jobs belong to the project that was open before
  store.set(layerSearchAtom, '');
  store.set(inspectionsAtom, {});
  applyView(state);
  store.set(projectAtom, state);
  clearArea('project');
}

async function busy<T>(fn: () => Promise<T>): Promise<T> {
  store.set(projectBusyAtom, true);
  try {
    return await fn();
  } finally {
    store.set(projectBusyAtom, false);
  }
}

export function suggestProjectPath(folder: string, name: string): string {
  const clean = name.trim().replace(/[\\/:*?"<>|]+/g, '-') || 'Untitled';
  const dir = folder.trim().replace(/[\\/]+$/, '');
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  const file = /\.fscope$/i.test(clean) ? clean : `${clean}.fscope`;
  return dir ? `${dir}${sep}${file}` : file;
}

export async function createProject(path: string): Promise<void> {
  const state = await busy(() => attempt('project', `Could not create "${path}"`, () => api.invoke('project:create', { path })));
  if (state) enter(state);
  void refreshRecent();
}

export async function openProject(path: string): Promise<void> {
  const state = await busy(() => attempt('project', `Could not open "${path}"`, () => api.invoke('project:open', { path })));
  if (state) enter(state);
  void refreshRecent();
}

export async function closeProject(): Promise<void> {
  await flushView();
  const ok = await attempt('project', 'Could not close the project', () => api.invoke('project:close', {}));
  if (ok === undefined) return;
  store.set(projectAtom, null);
  void refreshRecent();
}

// ---- saved view: written a moment after the person stops clicking --------------------------------
let viewTimer: ReturnType<typeof setTimeout> | null = null;
let lastSaved = '';

export async function flushView(): Promise<void> {
  if (viewTimer) clearTimeout(viewTimer);
  viewTimer = null;
  if (!store.get(projectAtom)) return;
  const view = currentView();
  const text = JSON.stringify(view);
  if (text === lastSaved) return;
  lastSaved = text;
  await attempt('project', 'Could not save the view', () => api.invoke('project:saveView', { view: { ...view } }));
}

export function watchView(): () => void {
  const offSelection = watchSelection();
  const unsubs = viewAtoms.map((a) =>
    store.sub(a, () => {
      if (viewTimer) clearTimeout(viewTimer);
      viewTimer = setTimeout(() => void flushView(), 400);
    }),
  );
  return () => {
    offSelection();
    unsubs.forEach((u) => u());
  };
}

/** Engine pushes: another window (or the Electron menu) changed the project. */
export function onProjectChanged(state: ProjectState): void {
  const before = store.get(projectAtom);
  if (!before || before.path !== state.path) return enter(state);
  store.set(projectAtom, state);
  // e.g. a model the engine added in the background to a new project: show it rather than an empty pane
  if (!state.models.some((m) => m.id === store.get(selectedModelIdAtom))) store.set(selectedModelIdAtom, state.models[0]?.id ?? null);
  if (!state.photos.some((p) => p.id === store.get(selectedPhotoIdAtom))) store.set(selectedPhotoIdAtom, state.photos[0]?.id ?? null);
}
