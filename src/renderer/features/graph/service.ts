import { api } from '../../api';
import { store } from '../../state/store';
import { selectLayer, selectTab } from '../../state/selection';
import { expandedAtom, focusedNodeAtom, graphsAtom } from './atoms';

const loading = new Set<string>();

/** The model's graph from the engine (model:graph), once per model. */
export async function loadGraph(modelId: string): Promise<void> {
  if (store.get(graphsAtom)[modelId] || loading.has(modelId)) return;
  loading.add(modelId);
  try {
    const g = await api.invoke('model:graph', { modelId });
    store.set(graphsAtom, (m) => ({ ...m, [modelId]: g }));
  } catch (err) {
    store.set(graphsAtom, (m) => ({ ...m, [modelId]: { error: (err as Error).message } }));
  } finally {
    loading.delete(modelId);
  }
}

export function setExpanded(modelId: string, groups: string[]): void {
  store.set(expandedAtom, (m) => ({ ...m, [modelId]: groups }));
}

export function toggleGroup(modelId: string, group: string): void {
  const now = store.get(expandedAtom)[modelId] ?? [];
  setExpanded(modelId, now.includes(group) ? now.filter((g) => g !== group) : [...now, group]);
}

/**
 * A box was clicked: show it in the details pane, and when it makes a layer, select that layer
 * everywhere (Run, Dream, Features…) through the one selection API.
 */
export function focusNode(modelId: string, nodeId: string, layer: string | undefined): void {
  store.set(focusedNodeAtom, (m) => ({ ...m, [modelId]: nodeId }));
  if (layer) selectLayer(modelId, layer);
}

/** "Show in Run": the layer selected and the Run tab opened. */
export function openInRun(modelId: string, layer: string): void {
  if (selectLayer(modelId, layer)) selectTab('run');
}
