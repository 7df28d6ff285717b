import { type DependencyList, useCallback, useEffect, useState } from 'react';
import type { Page } from '../api/types.js';
import { useLoad } from './use-load.js';

export interface Paged<T> {
  items: T[];
  error: unknown;
  /** True until the first page is in. */
  loading: boolean;
  /** Fetches the next page; null when there is none. */
  loadMore: (() => Promise<void>) | null;
  reload(): void;
}

/** A cursor-paged list (docs/api.md "Conventions"): the first page on `deps`, more on demand. */
export function usePaged<T>(
  loadPage: (cursor?: string) => Promise<Page<T>>,
  deps: DependencyList,
): Paged<T> {
  const first = useLoad(() => loadPage(), deps);
  const [more, setMore] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setMore([]);
    setError(null);
    setCursor(first.data?.nextCursor ?? null);
  }, [first.data]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: loadPage is fixed by `deps`
  const loadMore = useCallback(async () => {
    if (!cursor) return;
    try {
      const next = await loadPage(cursor);
      setMore((rows) => [...rows, ...next.items]);
      setCursor(next.nextCursor);
    } catch (failure) {
      setError(failure);
    }
  }, [cursor, ...deps]);
  return {
    items: [...(first.data?.items ?? []), ...more],
    error: first.error ?? error,
    loading: first.loading && !first.data,
    loadMore: cursor ? loadMore : null,
    reload: first.reload,
  };
}
