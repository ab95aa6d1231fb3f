import type { EngineStatus, EventMap, ProviderSetting } from '../../../shared/contract';
import { api } from '../../api';
import { store } from '../../state/store';
import { attempt } from '../notices/service';
import { markJobsStopped } from '../jobs/recovery';
import { engineDownAtom, engineStatusAtom, fallbackDismissedAtom } from './atoms';

export async function refreshEngineStatus(): Promise<void> {
  const s = await attempt('engine', 'Could not read the engine status', () => api.invoke('engine:status', {}));
  if (s) store.set(engineStatusAtom, s);
}

export async function setProvider(provider: ProviderSetting): Promise<void> {
  const s = await attempt('engine', `Could not switch to ${provider}`, () => api.invoke('engine:setProvider', { provider }));
  if (s) onEngineStatus(s);
}

export function onEngineStatus(s: EngineStatus): void {
  store.set(engineStatusAtom, s);
}

/**
 * The bridge says the engine died (within a second of it: the process's exit) or is back. Down: say so and
 * stop showing its jobs as running. Up: the caller reads everything again (the project was reopened).
 */
export function onEngineProcess(e: EventMap['engine:process']): void {
  if (e.state === 'down') {
    const reason = e.reason ?? 'The engine stopped.';
    store.set(engineDownAtom, reason);
    markJobsStopped(reason);
  } else {
    store.set(engineDownAtom, null);
  }
}

export function dismissFallback(reason: string): void {
  store.set(fallbackDismissedAtom, reason);
}
