// A keyset-paged image list for the current filters; processing images are
// polled until their thumbnails exist.

import { useCallback, useEffect, useRef, useState } from 'react';
import { getImage, listImages, type ImageFilter } from '../../api/images';
import type { ImageItem } from '../../api/types';

const POLL_MS = 1500;

export function useImages(filter: Omit<ImageFilter, 'cursor'>) {
  const [items, setItems] = useState<ImageItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  const key = JSON.stringify(filter);

  const fetchPage = useCallback(
    async (from: string | null, replace: boolean) => {
      const gen = generation.current;
      setLoading(true);
      try {
        const page = await listImages({ ...(JSON.parse(key) as ImageFilter), cursor: from });
        if (gen !== generation.current) return;
        setItems((cur) => {
          if (replace) return page.items;
          const seen = new Set(cur.map((i) => i.id));
          return [...cur, ...page.items.filter((i) => !seen.has(i.id))];
        });
        setCursor(page.next_cursor);
        setError(null);
      } catch (e) {
        if (gen === generation.current) setError(e);
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [key],
  );

  useEffect(() => {
    generation.current++;
    setItems([]);
    setCursor(null);
    void fetchPage(null, true);
  }, [fetchPage]);

  const loadMore = useCallback(() => {
    if (cursor && !loading) void fetchPage(cursor, false);
  }, [cursor, loading, fetchPage]);

  const reload = useCallback(() => {
    generation.current++;
    void fetchPage(null, true);
  }, [fetchPage]);

  // Poll images whose thumbnail job has not run yet.
  const processing = items.filter((i) => i.status === 'processing').map((i) => i.id);
  const processingKey = processing.join(',');
  useEffect(() => {
    if (!processingKey) return;
    const t = setTimeout(async () => {
      const fresh = await Promise.all(processingKey.split(',').map((id) => getImage(id).catch(() => null)));
      setItems((cur) => cur.map((i) => fresh.find((f) => f?.id === i.id) ?? i));
    }, POLL_MS);
    return () => clearTimeout(t);
  }, [processingKey, items]);

  const update = useCallback((changed: ImageItem[]) => {
    setItems((cur) => cur.map((i) => changed.find((c) => c.id === i.id) ?? i));
  }, []);
  const remove = useCallback((ids: string[]) => {
    setItems((cur) => cur.filter((i) => !ids.includes(i.id)));
  }, []);

  return { items, hasMore: !!cursor, loading, error, loadMore, reload, update, remove };
}

export type SortKey = 'newest' | 'oldest' | 'uploaded' | 'name' | 'largest' | 'smallest';

/** Each choice of the gallery's sort menu as the server's order: whole libraries sort, a page at a time. */
export function sortQuery(sort: SortKey): Pick<ImageFilter, 'sort' | 'order'> {
  switch (sort) {
    case 'oldest':
      return { sort: 'taken_at', order: 'asc' };
    case 'uploaded':
      return { sort: 'uploaded_at' };
    case 'name':
      return { sort: 'name' };
    case 'largest':
      return { sort: 'bytes' };
    case 'smallest':
      return { sort: 'bytes', order: 'asc' };
    default:
      return {};
  }
}

/** An inclusive end date (YYYY-MM-DD) as the exclusive bound the API takes. */
export function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
