import { atom } from '../../state/store';

/** One line of trouble shown in a banner, tagged with the area it belongs to. */
export interface Notice {
  id: number;
  /** the built-in areas, or a feature's own (its tab shows `<Banners area="…" />`) */
  area: 'project' | 'models' | 'photos' | 'run' | 'engine' | (string & {});
  message: string;
}

export const noticesAtom = atom<Notice[]>([]);
