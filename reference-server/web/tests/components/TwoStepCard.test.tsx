import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { secondFactorOf, TwoStepCard } from '../../src/pages/profile/TwoStepCard';
import { json, mockFetch, problem, renderAt } from '../helpers';

describe('TwoStepCard', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('enrols: password, QR code and key, a code from the app, then the recovery codes once', async () => {
    let on = false;
    const { calls } = mockFetch({
      'GET /api/v1/auth/factors': () => json({ totp: on, recovery_codes_left: on ? 2 : 0 }),
      'POST /api/v1/auth/totp/setup': () =>
        json({ secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/fotobase:ann', qr_svg: '<svg xmlns="http://www.w3.org/2000/svg"/>' }),
      'POST /api/v1/auth/totp/enable': (c) => {
        if ((c.body as { code: string }).code !== '123456') return problem(403, 'second_factor_invalid', 'wrong');
        on = true;
        return json({ recovery_codes: ['aaaa-bbbb-cccc-dddd', 'eeee-ffff-gggg-hhhh'] });
      },
    });
    renderAt(<TwoStepCard />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Set up two-step verification' }));
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByAltText('QR code for your authenticator app')).toHaveAttribute('src', expect.stringMatching(/^data:image\/svg\+xml/));
    expect(screen.getByText('JBSWY3DPEHPK3PXP')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Code from the app'), '000 000');
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That code is wrong, expired or already used.');
    await user.type(screen.getByLabelText('Code from the app'), '123 456');
    await user.click(screen.getByRole('button', { name: 'Turn on' }));
    expect(await screen.findByText('aaaa-bbbb-cccc-dddd')).toBeInTheDocument();
    expect(calls.find((c) => c.url.endsWith('/totp/setup'))!.body).toEqual({ password: 'correct horse' });
    await user.click(screen.getByRole('button', { name: 'I have saved them' }));
    expect(await screen.findByText(/2 recovery codes left/)).toBeInTheDocument();
  });

  it('turns off with the password and a recovery code', async () => {
    const { calls } = mockFetch({
      'GET /api/v1/auth/factors': () => json({ totp: true, recovery_codes_left: 1 }),
      'POST /api/v1/auth/totp/disable': () => new Response(null, { status: 204 }),
    });
    renderAt(<TwoStepCard />);
    const user = userEvent.setup();
    expect(await screen.findByText(/1 recovery code left/)).toBeInTheDocument();
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.type(screen.getByLabelText('Code from the app, or a recovery code'), 'aaaa-bbbb-cccc-dddd');
    await user.click(screen.getByRole('button', { name: 'Turn off' }));
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/totp/disable'))).toBe(true));
    expect(calls.find((c) => c.url.endsWith('/totp/disable'))!.body).toEqual({
      password: 'correct horse',
      recovery_code: 'aaaa-bbbb-cccc-dddd',
    });
  });

  it('tells app codes from recovery codes', () => {
    expect(secondFactorOf(' 123 456 ')).toEqual({ totp_code: '123456' });
    expect(secondFactorOf('abcd-efgh-ijkl-mnop')).toEqual({ recovery_code: 'abcd-efgh-ijkl-mnop' });
    expect(secondFactorOf('1234567')).toEqual({ recovery_code: '1234567' });
  });
});
