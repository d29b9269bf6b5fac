import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens } from '../../src/api/session';
import { RegisterPage } from '../../src/pages/RegisterPage';
import { clearCookies, mockFetch, problem, renderAt } from '../helpers';

const PASSWORD = 'correct horse battery staple';

async function fill(email: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('E-mail address'), email);
  await user.type(screen.getByLabelText('Password'), PASSWORD);
  await user.type(screen.getByLabelText('Confirm password'), PASSWORD);
  await user.click(screen.getByRole('button', { name: 'Create account' }));
  return user;
}

describe('RegisterPage', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('asks for an invitation code when the server needs one, then sends it', async () => {
    const { calls } = mockFetch({
      'POST /api/v1/auth/register': (c) =>
        (c.body as { invite?: string }).invite
          ? problem(403, 'invite_invalid', 'the invitation is unknown, used or expired', {}, { field: 'invite' })
          : problem(403, 'registration_closed', 'sign-up on this server needs an invitation', {}, { field: 'invite' }),
    });
    renderAt(<RegisterPage />, '/register', '/register');
    expect(screen.queryByLabelText('Invitation code')).toBeNull();
    const user = await fill('bob@example.com');
    expect(await screen.findByText('Sign-up on this server needs an invitation code.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Invitation code'), 'code-from-admin');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('This invitation code is unknown, already used or expired.')).toBeInTheDocument();
    expect(calls[1]!.body).toEqual({ email: 'bob@example.com', password: PASSWORD, invite: 'code-from-admin' });
  });

  it('takes the code from an invitation link', async () => {
    const { calls } = mockFetch({ 'POST /api/v1/auth/register': () => problem(403, 'registration_closed', 'sign-up is closed') });
    renderAt(<RegisterPage />, '/register?invite=abc123', '/register');
    expect(await screen.findByLabelText('Invitation code')).toHaveValue('abc123');
    await fill('carol@example.com');
    expect(await screen.findByRole('alert')).toHaveTextContent('Sign-up is closed on this server.');
    expect((calls[0]!.body as { invite: string }).invite).toBe('abc123');
  });
});
