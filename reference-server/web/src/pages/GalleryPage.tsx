import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { allFolders } from '../api/folders';
import { describe } from '../api/problem';
import type { Folder } from '../api/types';
import { FolderTree } from '../components/FolderTree';
import { Icon } from '../components/Icon';
import { TagInput } from '../components/TagInput';
import { Alert, EmptyState, PageHeader, Spinner } from '../components/ui';
import { parseTags } from '../lib/format';
import { BulkActions } from './gallery/BulkActions';
import { PhotoCard } from './gallery/PhotoCard';
import { dayAfter, sortQuery, useImages, type SortKey } from './gallery/useImages';

const SORTS: Array<[SortKey, string]> = [
  ['newest', 'Newest first'],
  ['oldest', 'Oldest first'],
  ['uploaded', 'Recently uploaded'],
  ['name', 'Name (A–Z)'],
  ['largest', 'Largest first'],
  ['smallest', 'Smallest first'],
];

export function GalleryPage() {
  const [params, setParams] = useSearchParams();
  const folder = params.get('folder');
  const tags = useMemo(() => parseTags(params.get('tags') ?? ''), [params]);
  const name = params.get('name') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const sort = (params.get('sort') as SortKey | null) ?? 'newest';
  const [nameDraft, setNameDraft] = useState(name);
  const [folders, setFolders] = useState<Folder[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const lastToggled = useRef<string | null>(null);

  const set = (k: string, v: string | null) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v) n.set(k, v);
        else n.delete(k);
        return n;
      },
      { replace: true },
    );

  // Type to search, sent a moment after the last key.
  useEffect(() => {
    if (nameDraft === name) return;
    const t = setTimeout(() => set('name', nameDraft.trim() || null), 300);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [nameDraft]);

  const loadFolders = () => allFolders().then(setFolders, () => setFolders([]));
  useEffect(() => {
    void loadFolders();
  }, []);

  const filter = useMemo(
    () => ({
      name: name || undefined,
      tags,
      from: from || undefined,
      to: to ? dayAfter(to) : undefined,
      folder: folder ?? undefined,
      ...sortQuery(sort),
    }),
    [name, tags, from, to, folder, sort],
  );
  const { items, hasMore, loading, error, loadMore, reload, update, remove } = useImages(filter);

  useEffect(() => setSelected(new Set()), [filter]);

  // Infinite scroll: a fresh observer per page fires again while the end stays in view.
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useRef(loadMore);
  more.current = loadMore;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && more.current(), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, items.length]);

  const toggle = (id: string, range: boolean) => {
    setSelected((cur) => {
      const n = new Set(cur);
      if (range && lastToggled.current) {
        const ids = items.map((i) => i.id);
        const [a, b] = [ids.indexOf(lastToggled.current), ids.indexOf(id)].sort((x, y) => x - y);
        if (a! >= 0) for (const i of ids.slice(a, b! + 1)) n.add(i);
      } else if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
    lastToggled.current = id;
  };

  const filtersActive = !!(name || tags.length || from || to);
  const currentFolder = folders.find((f) => f.id === folder);
  const allTags = useMemo(() => [...new Set([...items.flatMap((i) => i.tags), ...folders.flatMap((f) => f.tags)])].sort(), [items, folders]);

  return (
    <div className="page">
      <PageHeader
        title={currentFolder ? currentFolder.name : 'Photos'}
        subtitle={
          currentFolder
            ? `${currentFolder.visibility === 'public' ? 'Public' : 'Private'} folder${currentFolder.tags.length ? ` · ${currentFolder.tags.join(', ')}` : ''}`
            : 'Everything you have uploaded.'
        }
        actions={
          <Link to="/upload" className="button button--primary">
            <Icon name="upload" /> Upload
          </Link>
        }
      />
      <div className="gallery-layout">
        <aside className="card gallery-sidebar">
          <FolderTree folders={folders} selected={folder} onSelect={(id) => set('folder', id)} />
          <Link className="button button--ghost button--small" to="/folders">
            Manage folders
          </Link>
        </aside>
        <section className="gallery-main" aria-label="Photos">
          <form className="filters card" role="search" aria-label="Filter photos" onSubmit={(e) => e.preventDefault()}>
            <div className="field field--grow">
              <label htmlFor="filter-name">Name</label>
              <input id="filter-name" type="search" placeholder="Search by name" value={nameDraft} onChange={(e) => setNameDraft(e.target.value)} />
            </div>
            <div className="field--grow">
              <TagInput label="Tags (all of)" value={tags} suggestions={allTags} onChange={(t) => set('tags', t.join(',') || null)} placeholder="Filter by tag" />
            </div>
            <div className="field">
              <label htmlFor="filter-from">From</label>
              <input id="filter-from" type="date" value={from} max={to || undefined} onChange={(e) => set('from', e.target.value || null)} />
            </div>
            <div className="field">
              <label htmlFor="filter-to">To</label>
              <input id="filter-to" type="date" value={to} min={from || undefined} onChange={(e) => set('to', e.target.value || null)} />
            </div>
            <div className="field">
              <label htmlFor="filter-sort">Sort</label>
              <select id="filter-sort" value={sort} onChange={(e) => set('sort', e.target.value === 'newest' ? null : e.target.value)}>
                {SORTS.map(([k, l]) => (
                  <option key={k} value={k}>
                    {l}
                  </option>
                ))}
              </select>
            </div>
            {filtersActive && (
              <button
                type="button"
                className="button button--ghost filters__clear"
                onClick={() => {
                  setNameDraft('');
                  setParams(folder ? { folder } : {}, { replace: true });
                }}
              >
                Clear filters
              </button>
            )}
          </form>

          <BulkActions
            selected={items.filter((i) => selected.has(i.id))}
            folders={folders}
            currentFolder={folder}
            onClear={() => setSelected(new Set())}
            onDone={(r) => {
              if (r.updated) update(r.updated);
              if (r.removed) remove(r.removed);
              if (r.reload) {
                reload();
                void loadFolders();
              }
              setSelected(new Set());
            }}
          />

          {error ? <Alert>{describe(error)}</Alert> : null}
          <p className="visually-hidden" role="status">
            {loading ? 'Loading photos' : `${items.length} photos shown`}
          </p>

          {!loading && !error && items.length === 0 ? (
            filtersActive || folder ? (
              <EmptyState title="No photos match">Try other filters, or clear them to see everything.</EmptyState>
            ) : (
              <EmptyState title="Your library is empty" action={<Link className="button button--primary" to="/upload">Upload photos</Link>}>
                Drag photos onto the upload page to get started.
              </EmptyState>
            )
          ) : (
            <>
              <div className="select-all">
                <label>
                  <input
                    type="checkbox"
                    checked={items.length > 0 && selected.size === items.length}
                    onChange={(e) => setSelected(e.target.checked ? new Set(items.map((i) => i.id)) : new Set())}
                  />{' '}
                  Select all loaded
                </label>
              </div>
              <ul className="photo-grid" aria-label="Photo grid">
                {items.map((img) => (
                  <PhotoCard key={img.id} image={img} selected={selected.has(img.id)} onToggle={toggle} />
                ))}
              </ul>
            </>
          )}
          <div ref={sentinel} className="sentinel" />
          {loading && <Spinner label="Loading photos" />}
          {hasMore && !loading && (
            <button type="button" className="button button--block" onClick={loadMore}>
              Load more
            </button>
          )}
        </section>
      </div>
    </div>
  );
}
