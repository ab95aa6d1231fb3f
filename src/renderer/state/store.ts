// The only module that imports jotai. Atoms live beside the feature that owns them; services (not
// components) write them through `store`, so state changes can come from engine events as well as clicks.
import { atom, createStore, Provider, useAtom, useAtomValue, useSetAtom } from 'jotai';

export const store = createStore();
export { atom, Provider, useAtom, useAtomValue, useSetAtom };
export type { Atom, PrimitiveAtom, WritableAtom } from 'jotai';
