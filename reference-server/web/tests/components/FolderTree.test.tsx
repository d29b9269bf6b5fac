import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Folder } from '../../src/api/types';
import { buildTree, descendants, flatten, FolderTree } from '../../src/components/FolderTree';

const f = (id: string, name: string, parent: string | null = null): Folder => ({
  id,
  owner_id: 'usr_1',
  parent_id: parent,
  name,
  visibility: 'private',
  tags: [],
  image_count: 2,
  created_at: 1,
  updated_at: 1,
});

const FOLDERS = [f('fld_b', 'Trips'), f('fld_a', 'Family'), f('fld_c', 'Italy', 'fld_b'), f('fld_d', 'Rome', 'fld_c')];

describe('folder tree', () => {
  it('nests by parent and sorts by name', () => {
    const tree = buildTree(FOLDERS);
    expect(tree.map((n) => n.folder.name)).toEqual(['Family', 'Trips']);
    expect(flatten(tree).map((n) => `${n.depth}:${n.folder.name}`)).toEqual(['0:Family', '0:Trips', '1:Italy', '2:Rome']);
    expect([...descendants(FOLDERS, 'fld_b')].sort()).toEqual(['fld_b', 'fld_c', 'fld_d']);
  });

  it('selects with the keyboard, marks the current folder and collapses branches', async () => {
    const onSelect = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(<FolderTree folders={FOLDERS} selected={null} onSelect={onSelect} />);
    const nav = screen.getByRole('navigation', { name: 'Folders' });
    expect(within(nav).getByRole('button', { name: /All photos/ })).toHaveAttribute('aria-current', 'true');

    within(nav).getByRole('button', { name: /^Italy/ }).focus();
    await user.keyboard('{Enter}');
    expect(onSelect).toHaveBeenCalledWith('fld_c');
    rerender(<FolderTree folders={FOLDERS} selected="fld_c" onSelect={onSelect} />);
    expect(within(nav).getByRole('button', { name: /^Italy/ })).toHaveAttribute('aria-current', 'true');

    await user.click(within(nav).getByRole('button', { name: 'Collapse Trips' }));
    expect(within(nav).queryByRole('button', { name: /^Italy/ })).toBeNull();
    expect(within(nav).getByRole('button', { name: 'Expand Trips' })).toHaveAttribute('aria-expanded', 'false');
  });
});
