import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmailCard } from '../../src/pages/profile/EmailCard';
import { ConfirmEmailPage } from '../../src/pages/RecoveryPages';
import { json, mockFetch, problem, renderAt } from '../helpers';

describe('changing the e-mail address', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends the link with the password, and a code when two-step verification is on', async () => {
    let tries = 0;
    const { calls } = mockFetch({
      'GET /api/v1/auth/factors': () => json({ totp: true, recovery_codes_left: 3 }),
      'POST /api/v1/auth/email': () =>
        ++tries === 1 ? problem(403, 'invalid_credentials', 'the password is wrong', {}, { field: 'password' }) : json({ status: 'check_email' }, 202),
    });
    renderAt(<EmailCard email="ann@example.com" />);
    const user = userEvent.setup();
    expect(screen.getByText('ann@example.com')).toBeInTheDocument();
    await user.type(screen.getByLabelText('New address'), 'ann@new.example');
    await user.type(screen.getByLabelText('Password'), 'a guess');
    await user.type(await screen.findByLabelText('Code from the app, or a recovery code'), '123 456');
    await user.click(screen.getByRole('button', { name: 'Send a link to the new address' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The password is wrong.');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.type(screen.getByLabelText('Code from the app, or a recovery code'), '654321');
    await user.click(screen.getByRole('button', { name: 'Send a link to the new address' }));
    expect(await screen.findByText(/A link is on its way to ann@new.example/)).toBeInTheDocument();
    expect(calls.filter((c) => c.url.endsWith('/auth/email')).map((c) => c.body)).toEqual([
      { new_email: 'ann@new.example', password: 'a guess', totp_code: '123456' },
      { new_email: 'ann@new.example', password: 'correct horse', totp_code: '654321' },
    ]);
  });

  it('moves the account when the link is followed, or says the link is spent', async () => {
    let spent = false;
    const { calls } = mockFetch({
      'POST /api/v1/auth/email/confirm': () => {
        if (spent) return problem(401, 'token_invalid', 'the link is unknown, used or expired');
        spent = true;
        return json({ email: 'ann@new.example', email_verified: true });
      },
    });
    const first = renderAt(<ConfirmEmailPage />, '/confirm-email?token=c-1', '/confirm-email');
    expect(await screen.findByText("Your account's address is now ann@new.example. Sign in with it from now on.")).toBeInTheDocument();
    expect(calls[0]!.body).toEqual({ token: 'c-1' });
    first.unmount();
    renderAt(<ConfirmEmailPage />, '/confirm-email?token=c-1', '/confirm-email');
    expect(await screen.findByText('This link is unknown, used or expired. Ask for the change again from your profile.')).toBeInTheDocument();
  });
});
