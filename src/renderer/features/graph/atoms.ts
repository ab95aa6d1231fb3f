import type { ModelGraph } from '../../../shared/contract';
import { atom } from '../../state/store';

/** model id → its graph (fetched once per model), or why it could not be read */
export const graphsAtom = atom<Record<string, ModelGraph | { error: string }>>({});
/** model id → the groups the person expanded */
export const expandedAtom = atom<Record<string, string[]>>({});
/** model id → the graph node (its id) shown in the details pane */
export const focusedNodeAtom = atom<Record<string, string | null>>({});
