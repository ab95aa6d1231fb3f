import { atom } from '../../state/store';

/** One line of trouble shown in a banner, tagged with the area it belongs to. */
export interface Notice {
  id: number;
  area: 'project' | 'models' | 'photos' | 'run' | 'engine';
  message: string;
}

export const noticesAtom = atom<Notice[]>([]);
