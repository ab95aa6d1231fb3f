import type { ProjectState, RecentProject } from '../../../shared/contract';
import { atom } from '../../state/store';

export const projectAtom = atom<ProjectState | null>(null);
export const recentAtom = atom<RecentProject[]>([]);
/** true while a create/open is in flight (the start screen disables its buttons) */
export const projectBusyAtom = atom(false);
