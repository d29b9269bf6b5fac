import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvitesCard } from '../../src/pages/admin/InvitesCard';
import { json, mockFetch, renderAt } from '../helpers';

const invite = (id: string, state: string) => ({
  id,
  state,
  created_by: 'usr_a',
  created_at: 1_765_000_000,
  expires_at: 1_765_600_000,
  used_at: state === 'used' ? 1_765_100_000 : null,
  used_by: state === 'used' ? 'usr_b' : null,
});

describe('InvitesCard', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('makes an invitation, shows its code once, and withdraws only unused ones', async () => {
    let items = [invite('h-used', 'used'), invite('h-active', 'active')];
    const { calls } = mockFetch({
      'GET /api/v1/auth/invites': () => json({ items }),
      'POST /api/v1/auth/invites': () => {
        items = [invite('h-new', 'active'), ...items];
        return json({ code: 'the-one-time-code', expires_at: 1_765_600_000 }, 201);
      },
      'DELETE /api/v1/auth/invites/h-active': () => {
        items = items.filter((i) => i.id !== 'h-active');
        return new Response(null, { status: 204 });
      },
    });
    renderAt(<InvitesCard />);
    const user = userEvent.setup();
    expect(await screen.findByText('used')).toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: 'Withdraw' })).toHaveLength(1);
    await user.click(screen.getByRole('button', { name: 'New invitation' }));
    expect(await screen.findByText('the-one-time-code')).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByRole('button', { name: 'Withdraw' })).toHaveLength(2));
    await user.click(screen.getAllByRole('button', { name: 'Withdraw' })[1]!);
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.url.endsWith('/h-active'))).toBe(true));
    await waitFor(() => expect(screen.getAllByRole('button', { name: 'Withdraw' })).toHaveLength(1));
  });
});
