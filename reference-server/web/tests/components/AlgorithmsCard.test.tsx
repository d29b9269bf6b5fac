import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearTokens, setTokens } from '../../src/api/session';
import { AlgorithmsCard, withEnabled } from '../../src/pages/admin/AlgorithmsCard';
import { clearCookies, json, mockFetch, problem, renderAt, TOKEN } from '../helpers';

const alg = (name: string, format: string, lossless: boolean, enabled: boolean) => ({
  name, format, lossless, description: `${name} encoder`, quality_param: lossless ? null : 'quality', params: {}, enabled,
});
const LIST = [alg('avif-aom', 'avif', false, true), alg('png-oxipng', 'png', true, false)];

/** A response the test releases when it wants: the state before it arrives is the optimistic one. */
function later() {
  let release: (r: Response) => void = () => {};
  const response = new Promise<Response>((r) => (release = r));
  return { response, release };
}

describe('AlgorithmsCard', () => {
  beforeEach(() => {
    clearTokens();
    clearCookies();
    setTokens(TOKEN(1));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('lists every algorithm with a switch that turns it off at once and keeps the answer', async () => {
    const answer = later();
    const { calls } = mockFetch({
      'GET /api/v1/algorithms': () => json(LIST),
      'PATCH /api/v1/algorithms/avif-aom': () => answer.response,
    });
    renderAt(<AlgorithmsCard />);
    const user = userEvent.setup();
    const avif = await screen.findByRole('switch', { name: 'Offer avif-aom' });
    expect(avif).toBeChecked();
    expect(screen.getByRole('switch', { name: 'Offer png-oxipng' })).not.toBeChecked();
    expect(screen.getByText('png-oxipng encoder')).toBeInTheDocument();
    expect(screen.getByText('lossless')).toBeInTheDocument();

    await user.click(avif);
    expect(avif).not.toBeChecked();
    expect(avif).toBeDisabled();
    answer.release(json({ ...LIST[0], enabled: false }));
    await waitFor(() => expect(avif).toBeEnabled());
    expect(avif).not.toBeChecked();
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ enabled: false });
  });

  it('rolls the switch back and says why when the server refuses', async () => {
    const answer = later();
    mockFetch({
      'GET /api/v1/algorithms': () => json(LIST),
      'PATCH /api/v1/algorithms/png-oxipng': () => answer.response,
    });
    renderAt(<AlgorithmsCard />);
    const user = userEvent.setup();
    const png = await screen.findByRole('switch', { name: 'Offer png-oxipng' });
    await user.click(png);
    expect(png).toBeChecked();
    answer.release(problem(403, 'forbidden', 'admins only'));
    await waitFor(() => expect(png).not.toBeChecked());
    expect(await screen.findByText('Could not turn png-oxipng on: You are not allowed to do this.')).toBeInTheDocument();
    expect(png).toBeEnabled();
    expect(screen.getByRole('switch', { name: 'Offer avif-aom' })).toBeChecked();
  });

  it('changes one algorithm of the list', () => {
    const out = withEnabled(LIST, 'png-oxipng', true);
    expect(out.map((a) => a.enabled)).toEqual([true, true]);
    expect(LIST[1]!.enabled).toBe(false);
  });
});
