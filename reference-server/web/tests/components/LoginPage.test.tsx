import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens } from '../../src/api/session';
import { LoginPage, safeNext } from '../../src/pages/LoginPage';
import { clearCookies, json, mockFetch, problem, renderAt, TOKEN, USER, type Call } from '../helpers';

/** The login requests among the page's calls (it also asks which OpenID providers there are). */
const logins = (calls: Call[]) => calls.filter((c) => c.url === '/api/v1/auth/login');

async function fill(email: string, password: string) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('E-mail address'), email);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('LoginPage', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('says the password is wrong on invalid_credentials and clears the field', async () => {
    const { calls } = mockFetch({ 'POST /api/v1/auth/login': () => problem(401, 'invalid_credentials', 'wrong e-mail address or password') });
    renderAt(<LoginPage />, '/login', '/login');
    await fill('ann@example.com', 'nope');
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong e-mail address or password.');
    expect(screen.getByLabelText('Password')).toHaveValue('');
    expect(logins(calls)[0]!.body).toEqual({ email: 'ann@example.com', password: 'nope', cookie: true });
  });

  it('shows the wait from Retry-After when throttled and blocks retries', async () => {
    mockFetch({ 'POST /api/v1/auth/login': () => problem(429, 'rate_limited', 'too many attempts', { 'retry-after': '30' }) });
    renderAt(<LoginPage />, '/login', '/login');
    await fill('ann@example.com', 'guess');
    expect(await screen.findByRole('alert')).toHaveTextContent(/Too many attempts\. Try again in (30|29) seconds\./);
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();
  });

  it('says a disabled account is disabled', async () => {
    mockFetch({ 'POST /api/v1/auth/login': () => problem(403, 'forbidden', 'this account is disabled') });
    renderAt(<LoginPage />, '/login', '/login');
    await fill('ann@example.com', 'pw');
    expect(await screen.findByRole('alert')).toHaveTextContent('This account is disabled.');
  });

  it('signs in as a cookie session and goes to the page asked for', async () => {
    mockFetch({
      'POST /api/v1/auth/login': () => json(TOKEN(1)),
      'GET /api/v1/users/me': (c) => (c.headers.authorization === 'Bearer at-1' ? json(USER) : problem(401, 'unauthenticated')),
    });
    renderAt(<LoginPage />, '/login?next=%2Fgallery', '/login');
    await fill('ann@example.com', 'correct horse battery staple');
    await waitFor(() => expect(screen.getByText('elsewhere')).toBeInTheDocument());
  });

  it('asks for the code after a right password, keeps the password, and offers a recovery code', async () => {
    const { calls } = mockFetch({
      'POST /api/v1/auth/login': (c) => {
        const body = c.body as Record<string, string>;
        if (body.totp_code === '123456') return json(TOKEN(1));
        if (body.totp_code || body.recovery_code) return problem(401, 'second_factor_invalid', 'the code is wrong');
        return problem(401, 'second_factor_required', 'send totp_code');
      },
      'GET /api/v1/users/me': () => json(USER),
    });
    renderAt(<LoginPage />, '/login?next=%2Fgallery', '/login');
    await fill('ann@example.com', 'correct horse battery staple');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Use a recovery code' }));
    await user.type(screen.getByLabelText('Recovery code'), 'abcd-efgh-ijkl-mnop');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That code is wrong, expired or already used.');
    expect(logins(calls)[1]!.body).toEqual({
      email: 'ann@example.com',
      password: 'correct horse battery staple',
      cookie: true,
      recovery_code: 'abcd-efgh-ijkl-mnop',
      remember_device: false,
    });
    await user.click(screen.getByRole('button', { name: 'Use the authenticator app' }));
    await user.type(screen.getByLabelText('Authentication code'), '123456');
    await user.click(screen.getByLabelText('Remember this browser for 30 days'));
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(screen.getByText('elsewhere')).toBeInTheDocument());
    expect(logins(calls)[2]!.body).toMatchObject({ password: 'correct horse battery staple', totp_code: '123456', remember_device: true });
  });

  it('only follows same-site paths after login', () => {
    expect(safeNext('/images/img_1')).toBe('/images/img_1');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('/gallery\n')).toBe('/');
    expect(safeNext('/gallery?tags=a%2Fb')).toBe('/gallery?tags=a%2Fb');
    expect(safeNext(null)).toBe('/');
  });
});
