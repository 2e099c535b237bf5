import { useCallback, useEffect, useState } from "preact/hooks";
import type { ApiFailure } from "../api";

export interface Loaded<T> {
  data: T | undefined;
  error: ApiFailure | Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads `load()` on mount and whenever `deps` change; `reload` asks again (after an action). */
export function useApi<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  // The caller names what the load depends on (`deps`), as with useEffect itself.
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: Error) => current && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
