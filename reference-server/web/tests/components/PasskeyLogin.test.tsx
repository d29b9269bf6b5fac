import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { accessToken, clearTokens } from '../../src/api/session';
import { LoginPage } from '../../src/pages/LoginPage';
import { clearCookies, json, mockFetch, problem, renderAt, TOKEN, USER } from '../helpers';
import { CRED_ID, domError, installWebAuthn, removeWebAuthn, REQUEST } from '../passkeyDoubles';

const ON = { enabled: true, rp_id: 'localhost' };

describe('signing in with a passkey', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    removeWebAuthn();
  });

  it('runs the ceremony, then is signed in like after a password and goes to the page asked for', async () => {
    const errors = vi.spyOn(console, 'error');
    const { get } = installWebAuthn();
    const { calls, fn } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [{ id: 'test', name: 'Test IdP' }] }),
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'POST /api/v1/auth/passkeys/login/options': () => json({ publicKey: REQUEST }),
      'POST /api/v1/auth/passkeys/login': () => json(TOKEN(5)),
      'GET /api/v1/users/me': (c) => (c.headers.authorization === 'Bearer at-5' ? json(USER) : problem(401, 'unauthenticated')),
    });
    renderAt(<LoginPage />, '/login?next=%2Fgallery', '/login');
    const button = await screen.findByRole('button', { name: 'Sign in with a passkey' });
    // With the providers, under the one divider; the password form is still there.
    expect(screen.getAllByText('or')).toHaveLength(1);
    expect(screen.getByRole('link', { name: 'Sign in with Test IdP' })).toBeInTheDocument();
    expect(screen.getByLabelText('E-mail address')).toBeInTheDocument();
    await userEvent.setup().click(button);
    await waitFor(() => expect(screen.getByText('elsewhere')).toBeInTheDocument());

    expect(new TextDecoder().decode(get.mock.calls[0]![0].publicKey!.challenge as ArrayBuffer)).toBe('login-challenge');
    const options = calls.find((c) => c.url === '/api/v1/auth/passkeys/login/options')!;
    expect(options.method).toBe('POST');
    expect(options.body).toEqual({});
    const login = calls.find((c) => c.url === '/api/v1/auth/passkeys/login')!;
    expect(login.headers.authorization).toBeUndefined();
    expect(login.body).toEqual({
      credential: expect.objectContaining({ id: CRED_ID, rawId: CRED_ID, type: 'public-key', clientExtensionResults: {} }),
    });
    expect(Object.keys((login.body as { credential: { response: object } }).credential.response).sort()).toEqual([
      'authenticatorData',
      'clientDataJSON',
      'signature',
      'userHandle',
    ]);
    // Both calls of the ceremony carry its cookie.
    for (const [url, init] of fn.mock.calls) {
      if (String(url).startsWith('/api/v1/auth/passkeys/login')) expect(init!.credentials).toBe('same-origin');
    }
    expect(accessToken()).toBe('at-5');
    // No password was asked, and no code.
    expect(calls.some((c) => c.url === '/api/v1/auth/login')).toBe(false);
    expect(errors).not.toHaveBeenCalled();
  });

  it('says a refused passkey in the error box, and the password form still works', async () => {
    installWebAuthn();
    const { calls } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }),
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'POST /api/v1/auth/passkeys/login/options': () => json({ publicKey: REQUEST }),
      'POST /api/v1/auth/passkeys/login': () => problem(401, 'passkey_invalid', 'unknown passkey'),
      'POST /api/v1/auth/login': () => json(TOKEN(1)),
      'GET /api/v1/users/me': () => json(USER),
    });
    renderAt(<LoginPage />, '/login', '/login');
    const user = userEvent.setup();
    // The divider comes with the passkey button even without providers.
    await user.click(await screen.findByRole('button', { name: 'Sign in with a passkey' }));
    expect(screen.getByText('or')).toBeInTheDocument();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'That passkey did not sign you in: it is not (or no longer) on an account here, or the sign-in took too long. Try again, or sign in with your password.',
    );
    expect(accessToken()).toBeNull();
    await user.type(screen.getByLabelText('E-mail address'), 'ann@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByText('elsewhere')).toBeInTheDocument());
    expect(calls.filter((c) => c.url === '/api/v1/auth/passkeys/login')).toHaveLength(1);
  });

  it('takes a cancelled dialog calmly: information, not an error, and nothing sent', async () => {
    const errors = vi.spyOn(console, 'error');
    const { get } = installWebAuthn();
    get.mockRejectedValueOnce(domError('NotAllowedError', 'The operation either timed out or was not allowed.'));
    const { calls } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }),
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'POST /api/v1/auth/passkeys/login/options': () => json({ publicKey: REQUEST }),
    });
    renderAt(<LoginPage />, '/login', '/login');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Sign in with a passkey' }));
    const said = await screen.findByText('Passkey sign-in was cancelled, or it timed out.');
    expect(said).toHaveAttribute('role', 'status');
    expect(said).toHaveClass('alert--info');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(calls.some((c) => c.url === '/api/v1/auth/passkeys/login')).toBe(false);
    expect(screen.getByRole('button', { name: 'Sign in with a passkey' })).toBeEnabled();
    expect(errors).not.toHaveBeenCalled();
  });

  it.each([
    [403, 'account_disabled', 'This account is disabled.'],
    [403, 'email_unverified', 'Confirm your e-mail address first: follow the link we sent you.'],
  ])('says %s %s', async (status, code, message) => {
    installWebAuthn();
    mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }),
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'POST /api/v1/auth/passkeys/login/options': () => json({ publicKey: REQUEST }),
      'POST /api/v1/auth/passkeys/login': () => problem(status, code),
    });
    renderAt(<LoginPage />, '/login', '/login');
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Sign in with a passkey' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
  });

  it('waits out a throttled passkey sign-in', async () => {
    installWebAuthn();
    mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }),
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'POST /api/v1/auth/passkeys/login/options': () => problem(429, 'rate_limited', 'slow down', { 'retry-after': '30' }),
    });
    renderAt(<LoginPage />, '/login', '/login');
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Sign in with a passkey' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Too many attempts\. Try again in (30|29) seconds\./);
    expect(screen.getByRole('button', { name: 'Sign in with a passkey' })).toBeDisabled();
  });

  it.each([
    ['the server offers none', { enabled: false, rp_id: 'localhost' }],
    ['the page is not at the passkeys’ domain', { enabled: true, rp_id: 'photos.example' }],
  ])('offers no passkey when %s', async (_what, config) => {
    installWebAuthn();
    const { calls } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }),
      'GET /api/v1/auth/passkeys/config': () => json(config),
    });
    renderAt(<LoginPage />, '/login', '/login');
    await waitFor(() => expect(calls.some((c) => c.url === '/api/v1/auth/passkeys/config')).toBe(true));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByRole('button', { name: 'Sign in with a passkey' })).not.toBeInTheDocument();
    expect(screen.queryByText('or')).not.toBeInTheDocument();
  });

  it('does not even ask the server in a browser without WebAuthn', async () => {
    const { calls } = mockFetch({ 'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }) });
    renderAt(<LoginPage />, '/login', '/login');
    await screen.findByLabelText('E-mail address');
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/auth/oidc/providers']);
    expect(screen.queryByRole('button', { name: 'Sign in with a passkey' })).not.toBeInTheDocument();
  });

  it('at the code step, a passkey of the account stands in for the app\'s code', async () => {
    installWebAuthn();
    let logins = 0;
    const { calls } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }),
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'POST /api/v1/auth/passkeys/login/options': () => json({ publicKey: REQUEST }),
      'POST /api/v1/auth/login': () => (++logins === 1 ? problem(401, 'second_factor_required') : json(TOKEN(7))),
      'GET /api/v1/users/me': () => json(USER),
    });
    renderAt(<LoginPage />, '/login?next=%2Fgallery', '/login');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('E-mail address'), 'ann@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse battery staple');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await user.click(await screen.findByRole('button', { name: 'Use a passkey instead' }));
    await waitFor(() => expect(screen.getByText('elsewhere')).toBeInTheDocument());
    const second = calls.filter((c) => c.url === '/api/v1/auth/login')[1]!;
    expect(second.body).toEqual(
      expect.objectContaining({
        email: 'ann@example.com',
        password: 'correct horse battery staple',
        passkey: expect.objectContaining({ id: CRED_ID, type: 'public-key' }),
      }),
    );
    expect(accessToken()).toBe('at-7');
  });
});
