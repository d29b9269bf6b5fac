import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatDate } from '../../src/lib/format';
import { ProvidersCard } from '../../src/pages/profile/ProvidersCard';
import { json, mockFetch, problem, renderAt } from '../helpers';

describe('ProvidersCard', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists the linked providers and the others, and unlinks after a confirmation', async () => {
    let identities = [{ provider: 'test', name: 'Test IdP', linked_at: 1_700_000_000 }];
    const { calls } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () =>
        json({
          providers: [
            { id: 'test', name: 'Test IdP' },
            { id: 'corp', name: 'Corp SSO' },
          ],
        }),
      'GET /api/v1/auth/oidc/identities': () => json({ identities }),
      'DELETE /api/v1/auth/oidc/identities/test': () => {
        identities = [];
        return new Response(null, { status: 204 });
      },
    });
    renderAt(<ProvidersCard />);
    const card = await screen.findByRole('region', { name: 'Sign-in providers' });
    const linked = await within(card).findByRole('row', { name: /Test IdP/ });
    expect(linked).toHaveTextContent(`Linked ${formatDate(1_700_000_000)}`);
    expect(within(card).getByRole('row', { name: /Corp SSO/ })).toHaveTextContent('Not linked — sign out and sign in with Corp SSO to link');
    const user = userEvent.setup();

    // Cancel changes nothing.
    await user.click(within(card).getByRole('button', { name: 'Unlink Test IdP' }));
    const dialog = screen.getByRole('dialog', { name: 'Unlink Test IdP?' });
    expect(dialog).toHaveTextContent('You will no longer be able to sign in with Test IdP.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);

    await user.click(within(card).getByRole('button', { name: 'Unlink Test IdP' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Unlink Test IdP?' })).getByRole('button', { name: 'Unlink' }));
    expect(await screen.findByText('Test IdP unlinked.')).toBeInTheDocument();
    await waitFor(() =>
      expect(within(card).getByRole('row', { name: /Test IdP/ })).toHaveTextContent('Not linked — sign out and sign in with Test IdP to link'),
    );
    expect(within(card).queryByRole('button', { name: /Unlink/ })).not.toBeInTheDocument();
    const del = calls.find((c) => c.method === 'DELETE')!;
    expect(del.url).toBe('/api/v1/auth/oidc/identities/test');
    expect(del.headers.authorization).toBeUndefined(); // no session in this test: the client sends none
  });

  it('says why an unlink failed', async () => {
    mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [{ id: 'test', name: 'Test IdP' }] }),
      'GET /api/v1/auth/oidc/identities': () => json({ identities: [{ provider: 'test', name: 'Test IdP', linked_at: 1_700_000_000 }] }),
      'DELETE /api/v1/auth/oidc/identities/test': () => problem(404, 'not_found', 'this provider is not linked'),
    });
    renderAt(<ProvidersCard />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Unlink Test IdP' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Unlink Test IdP?' })).getByRole('button', { name: 'Unlink' }));
    expect(await screen.findByText('this provider is not linked')).toBeInTheDocument();
  });

  it('shows a provider still linked after the server stopped offering it', async () => {
    mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }),
      'GET /api/v1/auth/oidc/identities': () => json({ identities: [{ provider: 'old', name: 'Old IdP', linked_at: 1_700_000_000 }] }),
    });
    renderAt(<ProvidersCard />);
    expect(await screen.findByRole('button', { name: 'Unlink Old IdP' })).toBeInTheDocument();
  });

  it('is not shown where the server has no provider and none is linked', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }),
      'GET /api/v1/auth/oidc/identities': () => json({ identities: [] }),
    });
    renderAt(<ProvidersCard />);
    await waitFor(() => expect(calls).toHaveLength(2));
    // Let both answers land before looking.
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByRole('region', { name: 'Sign-in providers' })).not.toBeInTheDocument();
  });
});
