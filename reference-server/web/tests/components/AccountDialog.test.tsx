import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccountDialog, limitOf } from '../../src/pages/admin/AccountDialog';
import { json, mockFetch, renderAt, USER } from '../helpers';

const GIB = 1024 ** 3;
const quota = (own: Record<string, number | null>) => ({
  limits: { max_bytes: own.max_bytes ?? 100 * GIB, max_queued_jobs: own.max_queued_jobs ?? 20, uploads_per_minute: 600 },
  own: { max_bytes: null, max_queued_jobs: null, uploads_per_minute: null, ...own },
  bytes_used: 3 * GIB,
  queued_jobs: 1,
});

describe('AccountDialog', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows an account's usage and activity and saves its own limits (empty: the default)", async () => {
    const { calls } = mockFetch({
      [`GET /api/v1/users/${USER.id}/quota`]: () => json(quota({})),
      [`GET /api/v1/users/${USER.id}/events`]: () =>
        json({ items: [{ kind: 'quota_set', at: 1_765_000_000, ip: '203.0.113.9', user_agent: null, by: 'usr_admin' }], next_cursor: null }),
      [`PUT /api/v1/users/${USER.id}/quota`]: (c) => json(quota(c.body as Record<string, number | null>)),
    });
    renderAt(<AccountDialog user={{ ...USER, email_verified: true }} onClose={() => {}} />);
    const user = userEvent.setup();
    expect(await screen.findByText(/3.22 GB stored of 107 GB, 1 job queued/)).toBeInTheDocument();
    expect(await screen.findByText(/Storage quota changed by an administrator/)).toBeInTheDocument();
    await user.type(screen.getByLabelText('Storage limit (GiB)'), '5');
    await user.type(screen.getByLabelText('Jobs queued at once'), 'lots');
    await user.click(screen.getByRole('button', { name: 'Save limits' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Limits are numbers');
    await user.clear(screen.getByLabelText('Jobs queued at once'));
    await user.click(screen.getByRole('button', { name: 'Save limits' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ max_bytes: 5 * GIB, max_queued_jobs: null, uploads_per_minute: null });
    expect(await screen.findByText(/3.22 GB stored of 5.37 GB/)).toBeInTheDocument();
  });

  it('reads limits from the form', () => {
    expect(limitOf('')).toBeNull();
    expect(limitOf(' 2.5 ', GIB)).toBe(2.5 * GIB);
    expect(limitOf('-1')).toBe('invalid');
    expect(limitOf('ten')).toBe('invalid');
  });
});
