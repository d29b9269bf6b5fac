// Nested folders as a navigable list; the selected one is aria-current.

import { useMemo, useState } from 'react';
import type { Folder } from '../api/types';

export interface TreeNode {
  folder: Folder;
  children: TreeNode[];
  depth: number;
}

/** Folders into a forest by parent_id (orphans become roots), sorted by name. */
export function buildTree(folders: Folder[]): TreeNode[] {
  const byId = new Map(folders.map((f) => [f.id, { folder: f, children: [] as TreeNode[], depth: 0 }]));
  const roots: TreeNode[] = [];
  for (const node of byId.values()) {
    const parent = node.folder.parent_id ? byId.get(node.folder.parent_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const sort = (nodes: TreeNode[], depth: number) => {
    nodes.sort((a, b) => a.folder.name.localeCompare(b.folder.name));
    for (const n of nodes) {
      n.depth = depth;
      sort(n.children, depth + 1);
    }
  };
  sort(roots, 0);
  return roots;
}

/** Depth-first order with depths, for <select> options. */
export function flatten(nodes: TreeNode[]): TreeNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

/** The ids of a folder and everything under it (a folder cannot move into these). */
export function descendants(folders: Folder[], id: string): Set<string> {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const f of folders) {
      if (f.parent_id && out.has(f.parent_id) && !out.has(f.id)) {
        out.add(f.id);
        grew = true;
      }
    }
  }
  return out;
}

interface Props {
  folders: Folder[];
  selected: string | null;
  onSelect(id: string | null): void;
  allLabel?: string;
}

export function FolderTree({ folders, selected, onSelect, allLabel = 'All photos' }: Props) {
  const tree = useMemo(() => buildTree(folders), [folders]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setCollapsed((c) => {
      const n = new Set(c);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const render = (nodes: TreeNode[]) => (
    <ul className="folder-tree__list">
      {nodes.map(({ folder, children }) => {
        const open = !collapsed.has(folder.id);
        return (
          <li key={folder.id}>
            <div className="folder-tree__row">
              {children.length > 0 ? (
                <button
                  type="button"
                  className="folder-tree__toggle"
                  aria-expanded={open}
                  aria-label={`${open ? 'Collapse' : 'Expand'} ${folder.name}`}
                  onClick={() => toggle(folder.id)}
                >
                  {open ? '▾' : '▸'}
                </button>
              ) : (
                <span className="folder-tree__spacer" />
              )}
              <button
                type="button"
                className="folder-tree__item"
                aria-current={selected === folder.id ? 'true' : undefined}
                onClick={() => onSelect(folder.id)}
              >
                <span className="folder-tree__icon" aria-hidden="true">
                  {folder.visibility === 'public' ? '◍' : '▣'}
                </span>
                <span className="folder-tree__name">{folder.name}</span>
                <span className="folder-tree__count" aria-label={`${folder.image_count} photos`}>
                  {folder.image_count}
                </span>
              </button>
            </div>
            {children.length > 0 && open && render(children)}
          </li>
        );
      })}
    </ul>
  );
  return (
    <nav className="folder-tree" aria-label="Folders">
      <button
        type="button"
        className="folder-tree__item folder-tree__all"
        aria-current={selected === null ? 'true' : undefined}
        onClick={() => onSelect(null)}
      >
        <span className="folder-tree__icon" aria-hidden="true">
          ▦
        </span>
        <span className="folder-tree__name">{allLabel}</span>
      </button>
      {render(tree)}
    </nav>
  );
}
