import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens } from '../../src/api/session';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from '../../src/pages/RecoveryPages';
import { clearCookies, json, mockFetch, problem, renderAt } from '../helpers';

describe('account e-mail pages', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('asks for a reset link and says the same for any address', async () => {
    const { calls } = mockFetch({ 'POST /api/v1/auth/password-reset': () => json({ status: 'check_email' }, 202) });
    renderAt(<ForgotPasswordPage />, '/forgot-password', '/forgot-password');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('E-mail address'), 'ann@example.com');
    await user.click(screen.getByRole('button', { name: 'Send the link' }));
    expect(await screen.findByText(/If ann@example.com has an account, a link is on its way./)).toBeInTheDocument();
    expect(calls[0]!.body).toEqual({ email: 'ann@example.com' });
  });

  it('sets the new password with the token from the link, or says the link is spent', async () => {
    let spent = false;
    const { calls } = mockFetch({
      'POST /api/v1/auth/password-reset/confirm': () => {
        if (spent) return problem(401, 'token_invalid', 'the link is unknown, used or expired');
        spent = true;
        return problem(422, 'weak_password', 'too short', {}, { field: 'new_password' });
      },
    });
    renderAt(<ResetPasswordPage />, '/reset-password?token=tok-1', '/reset-password');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('New password'), 'short');
    await user.type(screen.getByLabelText('New password again'), 'short');
    await user.click(screen.getByRole('button', { name: 'Set the new password' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('too short');
    expect(calls[0]!.body).toEqual({ token: 'tok-1', new_password: 'short' });
    await user.click(screen.getByRole('button', { name: 'Set the new password' }));
    expect(await screen.findByText('This link is unknown, used or expired. Ask for a new one.')).toBeInTheDocument();
  });

  it('confirms an address from the link', async () => {
    const { calls } = mockFetch({ 'POST /api/v1/auth/verify-email': () => json({ email_verified: true }) });
    renderAt(<VerifyEmailPage />, '/verify-email?token=v-1', '/verify-email');
    expect(await screen.findByText('Your address is confirmed. Thank you.')).toBeInTheDocument();
    expect(calls[0]!.body).toEqual({ token: 'v-1' });
  });
});
