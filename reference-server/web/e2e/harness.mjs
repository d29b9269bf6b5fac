// What the browser journeys share: a free loopback port, the real `fotobase serve` started and
// stopped, Debian's Chromium, a watch on the browser's errors, and the authenticator app's code.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * `bin serve` on 127.0.0.1:`port` with `data` as its data directory and `env` added, once its
 * `/health` answers: `{ base, log() }`, for `stop`.
 */
export async function serve(bin, port, data, env = {}) {
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data', data], {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`fotobase exited early:\n${log}`);
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`fotobase did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { proc, base, log: () => log };
}

/** SIGTERM, then SIGKILL if it has not exited in 10 s. */
export async function stop(server) {
  const proc = server?.proc;
  if (!proc || proc.exitCode !== null) return;
  proc.kill('SIGTERM');
  await new Promise((r) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      r();
    }, 10_000);
    proc.once('exit', () => {
      clearTimeout(t);
      r();
    });
  });
}

const CHROMIUM = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
};

/** Debian's Chromium (or $CHROMIUM), headless, with `args` added. */
export function launchChromium(args = []) {
  return chromium.launch({ ...CHROMIUM, args: [...CHROMIUM.args, ...args] });
}

/**
 * The same Chromium with an ordinary profile in `userDataDir` rather than the incognito-like
 * contexts of `launchChromium`: what Chromium refuses to incognito windows (installing the page as
 * an app) is checked in one of these. Its one context, made with `options`.
 */
export function launchChromiumProfile(userDataDir, options = {}) {
  return chromium.launchPersistentContext(userDataDir, { ...CHROMIUM, ...options });
}

/** Collect a page's console errors and uncaught exceptions into `problems`. */
export function watch(p, label, problems) {
  p.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${label} console error: ${m.text()} (${m.location().url || 'no url'})`);
  });
  p.on('pageerror', (e) => problems.push(`${label} page error: ${e.message}`));
}

/** The code an authenticator app shows (RFC 6238: HMAC-SHA1, 6 digits, 30 s), written here independently of the server. */
export function totpCode(base32, unixSeconds) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...base32.replace(/=+$/, '')].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const h = crypto.createHmac('sha1', key).update(counter).digest();
  return String((h.readUInt32BE(h[19] & 15) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/**
 * What a journey records: the browser's errors (`problems`, for `watch`), numbered full-page
 * screenshots named `<prefix>-NN-<name>.png` in `dir`, and the check that nothing went wrong
 * but the failures a step caused on purpose (`expectLogged`).
 */
export function journal(prefix, dir) {
  const problems = [];
  let shot = 0;
  return {
    problems,
    async screenshot(p, name) {
      shot += 1;
      fs.mkdirSync(dir, { recursive: true });
      await p.screenshot({ path: path.join(dir, `${prefix}-${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
    },
    assertClean() {
      assert.deepEqual(problems, [], 'the browser reported errors');
    },
    /** A failed request the test caused on purpose (a wrong password): Chromium logs its status. */
    expectLogged(status) {
      const i = problems.findIndex((p) => p.includes(`status of ${status}`));
      assert.ok(i >= 0, `expected a logged ${status} among ${JSON.stringify(problems)}`);
      problems.splice(i, 1);
    },
  };
}

/** Log out from the app's navigation. */
export async function logOut(page) {
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByText('You have been signed out.').waitFor();
}

/** The profile page's card titled `title`. */
export async function profileCard(page, title) {
  await page.goto('/profile');
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  const card = page.getByRole('region', { name: title });
  await card.waitFor();
  return card;
}

/**
 * Turn two-step verification on from the profile page's card, as a person with an authenticator
 * app would: its card, the secret, when the enrolment's code was taken, and the recovery codes
 * (still shown: the caller confirms they are saved).
 */
export async function enrolTotp(page, password) {
  const card = page.getByRole('region', { name: 'Two-step verification' });
  await card.getByRole('button', { name: 'Set up two-step verification' }).click();
  await card.getByLabel('Password', { exact: true }).fill(password);
  await card.getByRole('button', { name: 'Continue' }).click();
  await card.getByAltText('QR code for your authenticator app').waitFor();
  const secret = (await card.locator('code').first().textContent()).trim();
  const now = Date.now() / 1000;
  await card.getByLabel('Code from the app').fill(totpCode(secret, now));
  await card.getByRole('button', { name: 'Turn on' }).click();
  await card.getByRole('list', { name: 'Recovery codes' }).waitFor();
  const recoveryCodes = (await card.getByRole('listitem').allTextContents()).map((c) => c.trim());
  return { card, secret, now, recoveryCodes };
}
