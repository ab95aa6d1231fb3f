import { store } from '../../state/store';
import { noticesAtom, type Notice } from './atoms';

let nextId = 1;

export function report(area: Notice['area'], err: unknown, prefix?: string): void {
  const text = err instanceof Error ? err.message : String(err);
  const message = prefix ? `${prefix}: ${text}` : text;
  store.set(noticesAtom, (list) => [...list.filter((n) => n.area !== area || n.message !== message), { id: nextId++, area, message }]);
}

export function dismiss(id: number): void {
  store.set(noticesAtom, (list) => list.filter((n) => n.id !== id));
}

export function clearArea(area: Notice['area']): void {
  store.set(noticesAtom, (list) => list.filter((n) => n.area !== area));
}

/** Runs an engine call; a failure becomes a banner in `area` and the call resolves to undefined. */
export async function attempt<T>(area: Notice['area'], prefix: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    const value = await fn();
    return value;
  } catch (err) {
    report(area, err, prefix);
    return undefined;
  }
}
