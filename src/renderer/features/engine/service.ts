import type { EngineStatus, ProviderSetting } from '../../../shared/contract';
import { api } from '../../api';
import { store } from '../../state/store';
import { attempt } from '../notices/service';
import { engineStatusAtom, fallbackDismissedAtom } from './atoms';

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

export function dismissFallback(reason: string): void {
  store.set(fallbackDismissedAtom, reason);
}
