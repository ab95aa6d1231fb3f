import type { EngineStatus } from '../../../shared/contract';
import { atom } from '../../state/store';

export const engineStatusAtom = atom<EngineStatus | null>(null);
/** the fallback reason is shown once; this remembers that the person dismissed it */
export const fallbackDismissedAtom = atom<string | null>(null);
/** the engine process died and is being restarted: why (null while it serves) */
export const engineDownAtom = atom<string | null>(null);
/** browser mode: whether the WebSocket to the bridge is up */
export const connectedAtom = atom(true);
