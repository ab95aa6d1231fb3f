// Wiring done once at startup: engine events → feature services, first reads, view saving.
import { api } from '../api';
import { connectionListeners } from '../api/wsClient';
import { store } from '../state/store';
import { connectedAtom } from '../features/engine/atoms';
import { onEngineProcess, onEngineStatus, refreshEngineStatus } from '../features/engine/service';
import { markJobsStopped } from '../features/jobs/recovery';
import { onJobDone, onJobPreview, onJobUpdate, refreshJobs } from '../features/jobs/service';
import { onProjectChanged, openProject, refreshProject, refreshRecent, watchView } from '../features/project/service';
import { applyView } from '../features/project/view';
import { projectAtom } from '../features/project/atoms';

let booted = false;

export function boot(): void {
  if (booted) return;
  booted = true;
  api.on('job:update', onJobUpdate);
  api.on('job:preview', onJobPreview);
  api.on('job:done', onJobDone);
  api.on('engine:status', onEngineStatus);
  api.on('project:changed', onProjectChanged);
  // the engine died (the bridge restarts it and reopens the project) or is back: say so, then read everything again
  api.on('engine:process', (e) => {
    onEngineProcess(e);
    if (e.state === 'up') void resync();
  });
  let wasConnected = true;
  connectionListeners.add((connected) => {
    store.set(connectedAtom, connected);
    if (!connected) markJobsStopped('The connection to the Featurescope server was lost.');
    // After a reconnect the engine may have moved on (or restarted): read everything again.
    if (connected && !wasConnected) void resync();
    wasConnected = connected;
  });
  watchView();
  void resync();
}

async function resync(): Promise<void> {
  await refreshEngineStatus();
  void refreshRecent();
  void refreshJobs();
  // A reload of the page (browser mode) finds the engine's project still open.
  const hadProject = store.get(projectAtom);
  const state = await refreshProject();
  if (state && !hadProject) applyView(state);
  // a restarted server without the project this window showed: open it again (its interrupted runs show)
  if (!state && hadProject) await openProject(hadProject.path);
}
