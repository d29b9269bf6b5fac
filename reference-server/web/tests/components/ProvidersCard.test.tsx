import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatDate } from '../../src/lib/format';
import { ProvidersCard } from '../../src/pages/profile/ProvidersCard';
import { json, mockFetch, problem, renderAt } from '../helpers';

describe('ProvidersCard', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists the linked providers and the others, and unlinks after a confirmation with the password', async () => {
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
      'DELETE /api/v1/auth/oidc/identities/test': (c) => {
        if ((c.body as { password?: string } | undefined)?.password !== 'correct horse') return problem(403, 'invalid_credentials', 'wrong password');
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
    expect(within(dialog).getByRole('button', { name: 'Unlink' })).toBeDisabled();
    await user.type(within(dialog).getByLabelText('Password'), 'typed then cancelled');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);

    await user.click(within(card).getByRole('button', { name: 'Unlink Test IdP' }));
    const again = screen.getByRole('dialog', { name: 'Unlink Test IdP?' });
    expect(within(again).getByLabelText('Password')).toHaveValue('');
    await user.type(within(again).getByLabelText('Password'), 'a guess');
    await user.click(within(again).getByRole('button', { name: 'Unlink' }));
    expect(await within(again).findByRole('alert')).toHaveTextContent('The password is wrong.');
    expect(within(again).getByLabelText('Password')).toHaveValue('');
    await user.type(within(again).getByLabelText('Password'), 'correct horse');
    await user.click(within(again).getByRole('button', { name: 'Unlink' }));
    expect(await screen.findByText('Test IdP unlinked.')).toBeInTheDocument();
    await waitFor(() =>
      expect(within(card).getByRole('row', { name: /Test IdP/ })).toHaveTextContent('Not linked — sign out and sign in with Test IdP to link'),
    );
    expect(within(card).queryByRole('button', { name: /Unlink/ })).not.toBeInTheDocument();
    const dels = calls.filter((c) => c.method === 'DELETE');
    expect(dels.map((c) => c.url)).toEqual(['/api/v1/auth/oidc/identities/test', '/api/v1/auth/oidc/identities/test']);
    expect(dels.map((c) => c.body)).toEqual([{ password: 'a guess' }, { password: 'correct horse' }]);
    expect(dels[1]!.headers['content-type']).toBe('application/json');
    expect(dels[1]!.headers.authorization).toBeUndefined(); // no session in this test: the client sends none
  });

  it('asks for a code before unlinking when the account has two-step verification', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [{ id: 'test', name: 'Test IdP' }] }),
      'GET /api/v1/auth/oidc/identities': () => json({ identities: [{ provider: 'test', name: 'Test IdP', linked_at: 1_700_000_000 }] }),
      'DELETE /api/v1/auth/oidc/identities/test': (c) => {
        const body = c.body as Record<string, string>;
        if (body.totp_code === '123456') return new Response(null, { status: 204 });
        if (body.totp_code || body.recovery_code) return problem(403, 'second_factor_invalid', 'wrong code');
        return problem(401, 'second_factor_required', 'send totp_code');
      },
    });
    renderAt(<ProvidersCard />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Unlink Test IdP' }));
    const dialog = screen.getByRole('dialog', { name: 'Unlink Test IdP?' });
    expect(within(dialog).queryByLabelText('Code from the app, or a recovery code')).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Password'), 'correct horse');
    await user.click(within(dialog).getByRole('button', { name: 'Unlink' }));
    expect(await within(dialog).findByText(/Your account has two-step verification/)).toBeInTheDocument();
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
    expect(within(dialog).getByLabelText('Password')).toHaveValue('correct horse');
    expect(within(dialog).getByRole('button', { name: 'Unlink' })).toBeDisabled();

    await user.type(within(dialog).getByLabelText('Code from the app, or a recovery code'), '654321');
    await user.click(within(dialog).getByRole('button', { name: 'Unlink' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('That code is wrong, expired or already used.');
    expect(within(dialog).getByLabelText('Code from the app, or a recovery code')).toHaveValue('');

    await user.type(within(dialog).getByLabelText('Code from the app, or a recovery code'), '123 456');
    await user.click(within(dialog).getByRole('button', { name: 'Unlink' }));
    expect(await screen.findByText('Test IdP unlinked.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.body)).toEqual([
      { password: 'correct horse' },
      { password: 'correct horse', totp_code: '654321' },
      { password: 'correct horse', totp_code: '123456' },
    ]);
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
    const dialog = screen.getByRole('dialog', { name: 'Unlink Test IdP?' });
    await user.type(within(dialog).getByLabelText('Password'), 'correct horse');
    await user.click(within(dialog).getByRole('button', { name: 'Unlink' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('this provider is not linked');
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
