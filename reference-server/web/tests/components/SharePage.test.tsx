import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens } from '../../src/api/session';
import { shareLink } from '../../src/components/ShareDialog';
import { SharePage } from '../../src/pages/SharePage';
import { clearCookies, json, mockFetch, problem, renderAt } from '../helpers';

const SHARED = {
  folder: { id: 'fld_1', owner_id: 'usr_1', parent_id: null, name: 'Summer 2024', visibility: 'private', tags: ['holiday'], image_count: 1, created_at: 1, updated_at: 1 },
  images: [
    {
      id: 'img_1', owner_id: 'usr_1', name: 'beach.jpg', format: 'jpeg', width: 640, height: 480, bytes: 120_000, sha256: 'x', orientation: 1,
      taken_at: null, metadata: null, uploaded_at: 1, captured_at: 1, updated_at: 1, visibility: 'private', status: 'ready', tags: [], has_thumbnail: true,
      original_url: '/api/v1/shared/tok/images/img_1/original', thumbnail_url: '/api/v1/shared/tok/images/img_1/thumbnail',
    },
  ],
  next_cursor: null,
  expires_at: null,
};

describe('SharePage', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:x', revokeObjectURL: () => {} }));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('asks for the password, then sends it in X-Share-Password without any token', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/shared/tok': (c) =>
        !c.headers['x-share-password']
          ? problem(401, 'unauthenticated', 'this link needs a password')
          : c.headers['x-share-password'] === 'sesame'
            ? json(SHARED)
            : problem(403, 'invalid_credentials', 'wrong share password'),
      'GET /api/v1/shared/tok/images/img_1/thumbnail': () => new Response(new Blob(['img']), { headers: { 'content-type': 'image/webp' } }),
    });
    const user = userEvent.setup();
    renderAt(<SharePage />, '/s/tok', '/s/:token');
    await user.type(await screen.findByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Open' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong password for this link.');

    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'sesame');
    await user.click(screen.getByRole('button', { name: 'Open' }));
    expect(await screen.findByRole('heading', { name: 'Summer 2024' })).toBeInTheDocument();
    expect(screen.getByText('beach.jpg')).toBeInTheDocument();
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/thumbnail'))).toBe(true));
    const thumb = calls.find((c) => c.url.endsWith('/thumbnail'))!;
    expect(thumb.headers['x-share-password']).toBe('sesame');
    expect(calls.every((c) => !c.headers.authorization)).toBe(true);
  });

  it('explains a dead link', async () => {
    mockFetch({ 'GET /api/v1/shared/gone': () => problem(404, 'not_found', 'share link not found') });
    renderAt(<SharePage />, '/s/gone', '/s/:token');
    expect(await screen.findByRole('alert')).toHaveTextContent('This link does not exist, was revoked or has expired.');
  });

  it('builds a reachable link when the server names an unusable address', () => {
    const created = { token: 'abc', has_password: false, expires_at: null, include_location: false };
    expect(shareLink({ ...created, url: 'https://photos.example/s/abc' }, 'http://127.0.0.1:9')).toBe('https://photos.example/s/abc');
    expect(shareLink({ ...created, url: 'http://127.0.0.1:0/s/abc' }, 'http://127.0.0.1:9')).toBe('http://127.0.0.1:9/s/abc');
    expect(shareLink({ ...created, url: 'http://0.0.0.0:8080/s/abc' }, 'http://localhost:8080')).toBe('http://localhost:8080/s/abc');
  });
});
