import type { JobInfo } from '../../../shared/contract';
import { atom } from '../../state/store';

export const jobsAtom = atom<JobInfo[]>([]);
/** job id → data: URL of its latest preview frame */
export const jobPreviewsAtom = atom<Record<string, string>>({});
