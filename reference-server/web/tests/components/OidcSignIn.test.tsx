import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { oidcStartUrl } from '../../src/api/oidc';
import { describeOidcError } from '../../src/api/problem';
import { accessToken, clearTokens } from '../../src/api/session';
import { LoginPage } from '../../src/pages/LoginPage';
import { clearCookies, json, mockFetch, problem, renderAt, TOKEN, USER } from '../helpers';

const PROVIDERS = { providers: [{ id: 'test', name: 'Test IdP' }] };

describe('signing in with an OpenID provider', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('links to the start of each provider with the page asked for as return_to', async () => {
    mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json({ providers: [...PROVIDERS.providers, { id: 'corp-sso', name: 'Corp SSO' }] }),
    });
    renderAt(<LoginPage />, '/login?next=%2Fimages%2Fimg_1%3Fv%3D2%26a%3Db', '/login');
    const link = await screen.findByRole('link', { name: 'Sign in with Test IdP' });
    expect(link).toHaveAttribute('href', '/api/v1/auth/oidc/test/start?return_to=%2Fimages%2Fimg_1%3Fv%3D2%26a%3Db');
    expect(screen.getByRole('link', { name: 'Sign in with Corp SSO' })).toHaveAttribute(
      'href',
      '/api/v1/auth/oidc/corp-sso/start?return_to=%2Fimages%2Fimg_1%3Fv%3D2%26a%3Db',
    );
    expect(screen.getByText('or')).toBeInTheDocument();
    // The password form is still there.
    expect(screen.getByLabelText('E-mail address')).toBeInTheDocument();
  });

  it('returns to / without a destination, and never to another site', async () => {
    mockFetch({ 'GET /api/v1/auth/oidc/providers': () => json(PROVIDERS) });
    const first = renderAt(<LoginPage />, '/login', '/login');
    expect(await screen.findByRole('link', { name: 'Sign in with Test IdP' })).toHaveAttribute(
      'href',
      '/api/v1/auth/oidc/test/start?return_to=%2F',
    );
    first.unmount();
    renderAt(<LoginPage />, '/login?next=%2F%2Fevil.example%2Fx', '/login');
    expect(await screen.findByRole('link', { name: 'Sign in with Test IdP' })).toHaveAttribute(
      'href',
      '/api/v1/auth/oidc/test/start?return_to=%2F',
    );
    expect(oidcStartUrl('a b', '/gallery?tags=x y')).toBe('/api/v1/auth/oidc/a%20b/start?return_to=%2Fgallery%3Ftags%3Dx%20y');
  });

  it('shows no divider and no provider buttons when the server has no provider (or cannot say)', async () => {
    const { calls } = mockFetch({ 'GET /api/v1/auth/oidc/providers': () => json({ providers: [] }) });
    const first = renderAt(<LoginPage />, '/login', '/login');
    await waitFor(() => expect(calls).toHaveLength(1));
    await screen.findByLabelText('E-mail address');
    expect(screen.queryByText('or')).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Sign in with/ })).not.toBeInTheDocument();
    first.unmount();
    mockFetch({ 'GET /api/v1/auth/oidc/providers': () => problem(500, 'internal', 'boom') });
    renderAt(<LoginPage />, '/login', '/login');
    await screen.findByLabelText('E-mail address');
    expect(screen.queryByRole('link', { name: /Sign in with/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it.each([
    ['oidc_denied', 'Sign-in was cancelled at the provider.'],
    ['oidc_invalid', 'This sign-in expired or was started in another browser. Please start again.'],
    ['oidc_failed', "The provider's answer could not be verified. Please try again."],
    ['oidc_email_unverified', 'The provider did not give a verified e-mail address, so it cannot sign you in here.'],
    ['registration_closed', 'There is no account with this e-mail address, and sign-up on this server is closed or needs an invitation.'],
    ['account_disabled', 'This account is disabled.'],
    ['something_new', 'Signing in with the provider did not work. Please try again.'],
  ])('says what went wrong for ?oidc_error=%s', async (code, message) => {
    mockFetch({ 'GET /api/v1/auth/oidc/providers': () => json(PROVIDERS) });
    renderAt(<LoginPage />, `/login?oidc_error=${code}`, '/login');
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(describeOidcError(code)).toBe(message);
    // The way to start again is right there.
    expect(await screen.findByRole('link', { name: 'Sign in with Test IdP' })).toBeInTheDocument();
  });

  it('links to an existing account with its password, then is signed in like after a login', async () => {
    const { calls, fn } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json(PROVIDERS),
      'POST /api/v1/auth/oidc/complete': (c) =>
        (c.body as { password: string }).password === 'correct horse' ? json(TOKEN(7)) : problem(401, 'invalid_credentials', 'wrong password'),
      'GET /api/v1/users/me': (c) => (c.headers.authorization === 'Bearer at-7' ? json(USER) : problem(401, 'unauthenticated')),
    });
    renderAt(<LoginPage />, '/login?oidc=link&provider=test', '/login');
    expect(
      await screen.findByText('An account with this address already exists. Enter its password to link your Test IdP sign-in to it.'),
    ).toBeInTheDocument();
    // Only the password: no e-mail field, and no provider buttons while this is pending.
    expect(screen.queryByLabelText('E-mail address')).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Sign in with/ })).not.toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Password'), 'a guess');
    await user.click(screen.getByRole('button', { name: 'Link and sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The password is wrong.');
    expect(screen.getByLabelText('Password')).toHaveValue('');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Link and sign in' }));
    await waitFor(() => expect(screen.getByText('elsewhere')).toBeInTheDocument());
    const completes = calls.filter((c) => c.url === '/api/v1/auth/oidc/complete');
    expect(completes.map((c) => c.body)).toEqual([{ password: 'a guess' }, { password: 'correct horse' }]);
    // Same-origin with credentials: the server reads its pending sign-in from a cookie.
    const init = fn.mock.calls.find(([url]) => url === '/api/v1/auth/oidc/complete')![1]!;
    expect(init.credentials).toBe('same-origin');
    expect(completes[0]!.headers.authorization).toBeUndefined();
    expect(accessToken()).toBe('at-7');
  });

  it('asks for the code when the account to link has two-step verification, keeping the password', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json(PROVIDERS),
      'POST /api/v1/auth/oidc/complete': (c) => {
        const body = c.body as Record<string, string>;
        if (body.totp_code === '123456') return json(TOKEN(2));
        if (body.totp_code || body.recovery_code) return problem(401, 'second_factor_invalid', 'wrong code');
        return problem(401, 'second_factor_required', 'send totp_code');
      },
      'GET /api/v1/users/me': () => json(USER),
    });
    renderAt(<LoginPage />, '/login?oidc=link&provider=test', '/login');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Link and sign in' }));
    expect(await screen.findByText(/This account has two-step verification/)).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toHaveValue('correct horse');
    await user.type(screen.getByLabelText('Authentication code'), '000 000');
    await user.click(screen.getByRole('button', { name: 'Link and sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That code is wrong, expired or already used.');
    await user.type(screen.getByLabelText('Authentication code'), '123 456');
    await user.click(screen.getByRole('button', { name: 'Link and sign in' }));
    await waitFor(() => expect(screen.getByText('elsewhere')).toBeInTheDocument());
    expect(calls.filter((c) => c.url === '/api/v1/auth/oidc/complete').map((c) => c.body)).toEqual([
      { password: 'correct horse' },
      { password: 'correct horse', totp_code: '000000' },
      { password: 'correct horse', totp_code: '123456' },
    ]);
  });

  it('asks the linked account for its code, or a recovery code', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json(PROVIDERS),
      'POST /api/v1/auth/oidc/complete': () => json(TOKEN(3)),
      'GET /api/v1/users/me': () => json(USER),
    });
    renderAt(<LoginPage />, '/login?oidc=second_factor&provider=test', '/login');
    expect(await screen.findByText(/Your Test IdP account is linked to an account with two-step verification/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
    const user = userEvent.setup();
    expect(screen.getByLabelText('Authentication code')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Use a recovery code' }));
    await user.type(screen.getByLabelText('Recovery code'), 'abcd-efgh-ijkl-mnop');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(screen.getByText('elsewhere')).toBeInTheDocument());
    expect(calls.find((c) => c.url === '/api/v1/auth/oidc/complete')!.body).toEqual({ recovery_code: 'abcd-efgh-ijkl-mnop' });
  });

  it('waits out a throttled attempt (Retry-After)', async () => {
    mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json(PROVIDERS),
      'POST /api/v1/auth/oidc/complete': () => problem(429, 'too_many_requests', 'slow down', { 'retry-after': '30' }),
    });
    renderAt(<LoginPage />, '/login?oidc=second_factor&provider=test', '/login');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Authentication code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Too many attempts\. Try again in (30|29) seconds\./);
    expect(screen.getByRole('button', { name: 'Verify' })).toBeDisabled();
  });

  it('drops an expired pending sign-in for the plain sign-in page, with the reason', async () => {
    mockFetch({
      'GET /api/v1/auth/oidc/providers': () => json(PROVIDERS),
      'POST /api/v1/auth/oidc/complete': () => problem(400, 'oidc_invalid', 'no pending sign-in'),
    });
    renderAt(<LoginPage />, '/login?oidc=link&provider=test', '/login');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Link and sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This sign-in expired or was started in another browser. Please start again.');
    expect(await screen.findByLabelText('E-mail address')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign in with Test IdP' })).toBeInTheDocument();
  });

  it('can leave a pending sign-in for the password form', async () => {
    mockFetch({ 'GET /api/v1/auth/oidc/providers': () => json(PROVIDERS) });
    renderAt(<LoginPage />, '/login?oidc=link&provider=test', '/login');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Sign in another way' }));
    expect(await screen.findByLabelText('E-mail address')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
