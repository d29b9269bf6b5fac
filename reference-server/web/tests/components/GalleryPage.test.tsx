import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens, setTokens } from '../../src/api/session';
import { GalleryPage } from '../../src/pages/GalleryPage';
import { clearCookies, json, mockFetch, renderAt, TOKEN } from '../helpers';

const image = (id: string, name: string, tags: string[] = []) => ({
  id, owner_id: 'usr_1', name, format: 'png', width: 64, height: 48, bytes: 1234, sha256: '', orientation: 1, taken_at: null, metadata: null,
  uploaded_at: 1, captured_at: 1, updated_at: 1, visibility: 'private', status: 'ready', tags, has_thumbnail: false,
});
const folder = { id: 'fld_1', owner_id: 'usr_1', parent_id: null, name: 'Holidays', visibility: 'private', tags: ['summer'], image_count: 0, created_at: 1, updated_at: 1 };

describe('GalleryPage', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
    setTokens(TOKEN(1));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('filters by tag through the API, pages with the cursor, and deletes a selection', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/folders': () => json({ items: [folder], next_cursor: null }),
      'GET /api/v1/images': (c) => {
        const q = new URL(c.url, 'http://x').searchParams;
        if (q.get('tag') === 'space') return json({ items: [image('img_1', 'astronaut.png', ['space'])], next_cursor: null });
        if (q.get('cursor') === 'c2') return json({ items: [image('img_3', 'chelsea.png')], next_cursor: null });
        return json({ items: [image('img_1', 'astronaut.png', ['space']), image('img_2', 'coffee.jpg')], next_cursor: 'c2' });
      },
      'DELETE /api/v1/images/img_2': () => json(null, 204),
    });
    const user = userEvent.setup();
    renderAt(<GalleryPage />, '/gallery', '/gallery');
    const grid = await screen.findByRole('list', { name: 'Photo grid' });
    await within(grid).findByText('coffee.jpg');

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await within(grid).findByText('chelsea.png');
    expect(calls.some((c) => c.url.includes('cursor=c2'))).toBe(true);

    await user.click(screen.getByRole('checkbox', { name: 'Select coffee.jpg' }));
    const bar = screen.getByRole('toolbar', { name: 'Selected photos' });
    expect(bar).toHaveTextContent('1 photo selected');
    await user.click(within(bar).getByRole('button', { name: /Delete/ }));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete 1 photo?' })).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(within(grid).queryByText('coffee.jpg')).toBeNull());
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/v1/images/img_2']);

    await user.type(screen.getByLabelText('Tags (all of)'), 'space{Enter}');
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Photo grid' })).getAllByTestId('photo-card')).toHaveLength(1));
    expect(calls.some((c) => c.url.includes('tag=space'))).toBe(true);
    expect(screen.getByRole('navigation', { name: 'Folders' })).toHaveTextContent('Holidays');
  });
});
