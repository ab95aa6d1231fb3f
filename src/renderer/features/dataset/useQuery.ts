// A small hook for the unit page's dataset queries: the answer for the current key, its error in plain
// words, and a refetch when the key changes (a newer index, another channel).
import { useEffect, useState } from 'react';

export function useQuery<T>(key: string | null, fetch: () => Promise<T>): { data: T | undefined; error: string | undefined; loading: boolean } {
  const [state, setState] = useState<{ key: string | null; data?: T; error?: string }>({ key: null });
  useEffect(() => {
    if (key === null) return;
    let live = true;
    setState({ key });
    fetch().then(
      (data) => { if (live) setState({ key, data }); },
      (e: unknown) => { if (live) setState({ key, error: e instanceof Error ? e.message : String(e) }); },
    );
    return () => { live = false; };
  }, [key]);
  const current = state.key === key;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, loading: key !== null && (!current || (state.data === undefined && state.error === undefined)) };
}
