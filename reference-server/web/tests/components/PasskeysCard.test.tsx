import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { accessToken, clearTokens, setTokens } from '../../src/api/session';
import type { Passkey } from '../../src/api/types';
import { formatDate } from '../../src/lib/format';
import { PasskeysCard } from '../../src/pages/profile/PasskeysCard';
import { clearCookies, json, mockFetch, problem, renderAt, setCookie, TOKEN, type Call } from '../helpers';
import { CREATION, CRED_ID, domError, installWebAuthn, removeWebAuthn } from '../passkeyDoubles';

const ON = { enabled: true, rp_id: 'localhost' };
const MAC: Passkey = { id: 'pk_1', name: 'MacBook', created_at: 1_700_000_000, last_used_at: 1_700_000_500 };
const KEY: Passkey = { id: 'pk_2', name: 'Security key', created_at: 1_700_100_000, last_used_at: null };

const optionsCalls = (calls: Call[]) => calls.filter((c) => c.url === '/api/v1/auth/passkeys/register/options');

describe('PasskeysCard', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
    // Signed in, as on the profile page.
    setTokens(TOKEN(1));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    removeWebAuthn();
    clearTokens();
  });

  it('lists the passkeys with when they were added and last used', async () => {
    installWebAuthn();
    mockFetch({
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'GET /api/v1/auth/passkeys': (c) => (c.headers.authorization === 'Bearer at-1' ? json({ passkeys: [MAC, KEY] }) : problem(401, 'unauthenticated')),
    });
    renderAt(<PasskeysCard />);
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    const mac = await within(card).findByRole('row', { name: /MacBook/ });
    expect(mac).toHaveTextContent(formatDate(1_700_000_000));
    expect(mac).toHaveTextContent(formatDate(1_700_000_500));
    expect(within(card).getByRole('row', { name: /Security key/ })).toHaveTextContent('Never');
    expect(within(card).getByRole('button', { name: 'Add a passkey' })).toBeEnabled();
  });

  it('adds a passkey: a name, the password, the browser’s dialog, then the list has it', async () => {
    const { create } = installWebAuthn();
    let passkeys: Passkey[] = [];
    const { calls } = mockFetch({
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'GET /api/v1/auth/passkeys': () => json({ passkeys }),
      'POST /api/v1/auth/passkeys/register/options': (c) =>
        (c.body as { password: string }).password === 'correct horse' ? json({ publicKey: CREATION }) : problem(403, 'invalid_credentials', 'wrong password'),
      'POST /api/v1/auth/passkeys/register': (c) => {
        const body = c.body as { name: string };
        passkeys = [{ id: 'pk_9', name: body.name, created_at: 1_700_200_000, last_used_at: null }];
        return json(passkeys[0], 201);
      },
    });
    renderAt(<PasskeysCard />);
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    expect(await within(card).findByText('No passkeys yet.')).toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(within(card).getByRole('button', { name: 'Add a passkey' }));
    // A sensible name to start with (jsdom calls itself neither browser nor system: the fallback).
    expect(within(card).getByLabelText('Name')).toHaveValue('Passkey');
    await user.clear(within(card).getByLabelText('Name'));
    await user.type(within(card).getByLabelText('Name'), '  Work laptop ');
    await user.type(within(card).getByLabelText('Password'), 'a guess');
    await user.click(within(card).getByRole('button', { name: 'Continue' }));
    expect(await within(card).findByRole('alert')).toHaveTextContent('The password is wrong.');
    expect(within(card).getByLabelText('Password')).toHaveValue('');
    expect(create).not.toHaveBeenCalled();

    await user.type(within(card).getByLabelText('Password'), 'correct horse');
    await user.click(within(card).getByRole('button', { name: 'Continue' }));
    expect(await screen.findByText('Passkey “Work laptop” added.')).toBeInTheDocument();
    const row = await within(card).findByRole('row', { name: /Work laptop/ });
    expect(row).toHaveTextContent('Never');
    expect(within(card).queryByLabelText('Password')).not.toBeInTheDocument();

    expect(optionsCalls(calls).map((c) => c.body)).toEqual([{ password: 'a guess' }, { password: 'correct horse' }]);
    expect(new TextDecoder().decode(create.mock.calls[0]![0].publicKey!.user.id as ArrayBuffer)).toBe('usr_1');
    const register = calls.find((c) => c.url === '/api/v1/auth/passkeys/register')!;
    expect(register.headers.authorization).toBe('Bearer at-1');
    const body = register.body as { name: string; credential: { id: string; response: object } };
    expect(body.name).toBe('Work laptop');
    expect(body.credential.id).toBe(CRED_ID);
    expect(Object.keys(body.credential.response).sort()).toEqual(['attestationObject', 'clientDataJSON', 'transports']);
  });

  it('asks for a code when the server says the account has two-step verification, keeping the password and the session', async () => {
    installWebAuthn();
    const { calls } = mockFetch({
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'GET /api/v1/auth/passkeys': () => json({ passkeys: [] }),
      'POST /api/v1/auth/passkeys/register/options': (c) => {
        const body = c.body as Record<string, string>;
        if (body.totp_code === '123456' || body.recovery_code === 'aaaa-bbbb-cccc-dddd') return json({ publicKey: CREATION });
        if (body.totp_code || body.recovery_code) return problem(403, 'second_factor_invalid', 'wrong code');
        return problem(401, 'second_factor_required', 'send totp_code');
      },
      'POST /api/v1/auth/passkeys/register': () => json({ id: 'pk_3', name: 'Passkey', created_at: 1_700_000_000, last_used_at: null }, 201),
      'POST /api/v1/auth/refresh': () => json(TOKEN(2)),
    });
    renderAt(<PasskeysCard />);
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    const user = userEvent.setup();
    await user.click(await within(card).findByRole('button', { name: 'Add a passkey' }));
    // The session's cookie (set now: the app's start-up would refresh with it): a 401 about the
    // token would be refreshed and retried.
    setCookie('fotobase_csrf', 'c');
    await user.type(within(card).getByLabelText('Password'), 'correct horse');
    await user.click(within(card).getByRole('button', { name: 'Continue' }));
    expect(await within(card).findByText(/Your account has two-step verification/)).toBeInTheDocument();
    expect(within(card).queryByRole('alert')).not.toBeInTheDocument();
    expect(within(card).getByLabelText('Password')).toHaveValue('correct horse');
    // Not a lost session: no refresh, the token stays.
    expect(calls.some((c) => c.url === '/api/v1/auth/refresh')).toBe(false);
    expect(accessToken()).toBe('at-1');
    expect(within(card).getByRole('button', { name: 'Continue' })).toBeDisabled();

    await user.type(within(card).getByLabelText('Code from the app, or a recovery code'), '000 000');
    await user.click(within(card).getByRole('button', { name: 'Continue' }));
    expect(await within(card).findByRole('alert')).toHaveTextContent('That code is wrong, expired or already used.');
    expect(within(card).getByLabelText('Code from the app, or a recovery code')).toHaveValue('');

    await user.type(within(card).getByLabelText('Code from the app, or a recovery code'), '123 456');
    await user.click(within(card).getByRole('button', { name: 'Continue' }));
    expect(await screen.findByText('Passkey “Passkey” added.')).toBeInTheDocument();
    expect(optionsCalls(calls).map((c) => c.body)).toEqual([
      { password: 'correct horse' },
      { password: 'correct horse', totp_code: '000000' },
      { password: 'correct horse', totp_code: '123456' },
    ]);
    expect(accessToken()).toBe('at-1');
    expect(calls.some((c) => c.url === '/api/v1/auth/refresh')).toBe(false);
  });

  it('takes a cancelled dialog calmly and sends no registration; a known authenticator and an expired ceremony are said', async () => {
    const errors = vi.spyOn(console, 'error');
    const { create } = installWebAuthn();
    create.mockRejectedValueOnce(domError('NotAllowedError', 'The operation either timed out or was not allowed.'));
    let n = 0;
    const { calls } = mockFetch({
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'GET /api/v1/auth/passkeys': () => json({ passkeys: [MAC] }),
      'POST /api/v1/auth/passkeys/register/options': () => json({ publicKey: CREATION }),
      'POST /api/v1/auth/passkeys/register': () =>
        ++n === 1 ? problem(409, 'already_exists', 'this passkey is registered') : problem(400, 'passkey_invalid', 'ceremony expired'),
    });
    renderAt(<PasskeysCard />);
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    const user = userEvent.setup();
    await user.click(await within(card).findByRole('button', { name: 'Add a passkey' }));
    await user.type(within(card).getByLabelText('Password'), 'correct horse');
    await user.click(within(card).getByRole('button', { name: 'Continue' }));
    const said = await within(card).findByText('Adding a passkey was cancelled, or it timed out.');
    expect(said).toHaveClass('alert--info');
    expect(within(card).queryByRole('alert')).not.toBeInTheDocument();
    expect(calls.some((c) => c.url === '/api/v1/auth/passkeys/register')).toBe(false);
    expect(errors).not.toHaveBeenCalled();

    // The password is kept for another try.
    await user.click(within(card).getByRole('button', { name: 'Continue' }));
    expect(await within(card).findByRole('alert')).toHaveTextContent('This passkey is on your account already.');
    await user.click(within(card).getByRole('button', { name: 'Continue' }));
    await waitFor(() =>
      expect(within(card).getByRole('alert')).toHaveTextContent('The passkey could not be checked, or adding it took too long. Please start again.'),
    );
    await user.click(within(card).getByRole('button', { name: 'Cancel' }));
    expect(within(card).queryByLabelText('Password')).not.toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Add a passkey' })).toBeInTheDocument();
  });

  it('removes a passkey after a confirmation with the password', async () => {
    installWebAuthn();
    let passkeys = [MAC, KEY];
    const { calls } = mockFetch({
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'GET /api/v1/auth/passkeys': () => json({ passkeys }),
      'DELETE /api/v1/auth/passkeys/pk_1': (c) => {
        if ((c.body as { password?: string } | undefined)?.password !== 'correct horse') return problem(403, 'invalid_credentials', 'wrong password');
        passkeys = [KEY];
        return new Response(null, { status: 204 });
      },
      'DELETE /api/v1/auth/passkeys/pk_2': () => problem(404, 'not_found', 'no such passkey'),
    });
    renderAt(<PasskeysCard />);
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    const user = userEvent.setup();

    // Cancel changes nothing.
    await user.click(await within(card).findByRole('button', { name: 'Remove MacBook' }));
    let dialog = screen.getByRole('dialog', { name: 'Remove the passkey “MacBook”?' });
    expect(dialog).toHaveTextContent('It will no longer sign you in here.');
    // Not without the password.
    expect(within(dialog).getByRole('button', { name: 'Remove' })).toBeDisabled();
    await user.type(within(dialog).getByLabelText('Password'), 'typed then cancelled');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);

    // Opened again: the password is not kept.
    await user.click(within(card).getByRole('button', { name: 'Remove MacBook' }));
    dialog = screen.getByRole('dialog', { name: 'Remove the passkey “MacBook”?' });
    expect(within(dialog).getByLabelText('Password')).toHaveValue('');
    await user.type(within(dialog).getByLabelText('Password'), 'a guess');
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('The password is wrong.');
    expect(within(dialog).getByLabelText('Password')).toHaveValue('');
    expect(within(card).getByRole('row', { name: /MacBook/ })).toBeInTheDocument();

    await user.type(within(dialog).getByLabelText('Password'), 'correct horse');
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await screen.findByText('Passkey “MacBook” removed.')).toBeInTheDocument();
    await waitFor(() => expect(within(card).queryByRole('row', { name: /MacBook/ })).not.toBeInTheDocument());
    const dels = calls.filter((c) => c.method === 'DELETE');
    expect(dels.map((c) => c.url)).toEqual(['/api/v1/auth/passkeys/pk_1', '/api/v1/auth/passkeys/pk_1']);
    expect(dels.map((c) => c.body)).toEqual([{ password: 'a guess' }, { password: 'correct horse' }]);
    expect(dels[1]!.headers.authorization).toBe('Bearer at-1');
    expect(dels[1]!.headers['content-type']).toBe('application/json');

    // A failure is said in the dialog, which stays open.
    await user.click(within(card).getByRole('button', { name: 'Remove Security key' }));
    dialog = screen.getByRole('dialog', { name: 'Remove the passkey “Security key”?' });
    await user.type(within(dialog).getByLabelText('Password'), 'correct horse');
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('no such passkey');
  });

  it('asks for a code before removing when the account has two-step verification, keeping the password and the session', async () => {
    installWebAuthn();
    let passkeys = [MAC];
    const { calls } = mockFetch({
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'GET /api/v1/auth/passkeys': () => json({ passkeys }),
      'DELETE /api/v1/auth/passkeys/pk_1': (c) => {
        const body = c.body as Record<string, string>;
        if (body.password !== 'correct horse') return problem(403, 'invalid_credentials', 'wrong password');
        if (body.recovery_code === 'aaaa-bbbb-cccc-dddd') {
          passkeys = [];
          return new Response(null, { status: 204 });
        }
        if (body.totp_code || body.recovery_code) return problem(403, 'second_factor_invalid', 'wrong code');
        return problem(401, 'second_factor_required', 'send totp_code');
      },
      'POST /api/v1/auth/refresh': () => json(TOKEN(2)),
    });
    renderAt(<PasskeysCard />);
    const card = await screen.findByRole('region', { name: 'Passkeys' });
    const user = userEvent.setup();
    await user.click(await within(card).findByRole('button', { name: 'Remove MacBook' }));
    setCookie('fotobase_csrf', 'c');
    const dialog = screen.getByRole('dialog', { name: 'Remove the passkey “MacBook”?' });
    expect(within(dialog).queryByLabelText('Code from the app, or a recovery code')).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Password'), 'correct horse');
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await within(dialog).findByText(/Your account has two-step verification/)).toBeInTheDocument();
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
    expect(within(dialog).getByLabelText('Password')).toHaveValue('correct horse');
    expect(within(dialog).getByRole('button', { name: 'Remove' })).toBeDisabled();
    expect(calls.some((c) => c.url === '/api/v1/auth/refresh')).toBe(false);
    expect(accessToken()).toBe('at-1');

    await user.type(within(dialog).getByLabelText('Code from the app, or a recovery code'), '000 000');
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('That code is wrong, expired or already used.');
    expect(within(dialog).getByLabelText('Code from the app, or a recovery code')).toHaveValue('');

    await user.type(within(dialog).getByLabelText('Code from the app, or a recovery code'), ' aaaa-bbbb-cccc-dddd ');
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await screen.findByText('Passkey “MacBook” removed.')).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.body)).toEqual([
      { password: 'correct horse' },
      { password: 'correct horse', totp_code: '000000' },
      { password: 'correct horse', recovery_code: 'aaaa-bbbb-cccc-dddd' },
    ]);
    expect(accessToken()).toBe('at-1');
  });

  it('is not shown where the server offers no passkeys (a site at an IP address)', async () => {
    installWebAuthn();
    const { calls } = mockFetch({ 'GET /api/v1/auth/passkeys/config': () => json({ enabled: false, rp_id: '' }) });
    renderAt(<PasskeysCard />);
    await waitFor(() => expect(calls).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole('region', { name: 'Passkeys' })).not.toBeInTheDocument();
    // And the list is not asked for.
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/auth/passkeys/config']);
  });

  it('lists but cannot add in a browser without WebAuthn, or away from the passkeys’ domain', async () => {
    mockFetch({
      'GET /api/v1/auth/passkeys/config': () => json(ON),
      'GET /api/v1/auth/passkeys': () => json({ passkeys: [MAC] }),
    });
    const first = renderAt(<PasskeysCard />);
    expect(await screen.findByRole('button', { name: 'Remove MacBook' })).toBeInTheDocument();
    expect(screen.getByText('This browser cannot make passkeys.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add a passkey' })).not.toBeInTheDocument();
    first.unmount();

    installWebAuthn();
    mockFetch({
      'GET /api/v1/auth/passkeys/config': () => json({ enabled: true, rp_id: 'photos.example' }),
      'GET /api/v1/auth/passkeys': () => json({ passkeys: [MAC] }),
    });
    renderAt(<PasskeysCard />);
    expect(await screen.findByText('Passkeys of this site work at photos.example: open it there to add one.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add a passkey' })).not.toBeInTheDocument();
  });
});
