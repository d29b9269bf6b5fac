// End to end: passkeys. The real `fotobase serve` (FOTOBASE_BIN) with the built UI
// (FOTOBASE_WEB_DIR, default dist/) on a free loopback port, opened at http://localhost:PORT
// (WebAuthn refuses an IP address as the relying party, so FOTOBASE_PUBLIC_URL says localhost
// too); Debian's Chromium through playwright-core, with a virtual authenticator of the DevTools
// protocol (a platform authenticator with discoverable credentials and user verification that
// always says yes) in place of a person's fingerprint. One journey, one test per step; every page
// is screenshotted to test-artifacts/ (passkeys-*), and any browser console error or page error
// fails the run, but for the refused requests the journey makes on purpose.
//
//   FOTOBASE_BIN=…/fotobase npm run test:e2e:passkeys

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { enrolTotp, freePort, journal, launchChromium, logOut, profileCard, serve, stop, totpCode, watch } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const artifacts = path.join(webDir, 'test-artifacts');
const BIN = process.env.FOTOBASE_BIN;
const DIST = path.resolve(process.env.FOTOBASE_WEB_DIR || path.join(webDir, 'dist'));
const EMAIL = 'ann@example.com';
const PASSWORD = 'correct horse battery staple';
/** What the card proposes as the name of a passkey made in (headless) Chromium on Linux. */
const DEVICE = 'Chrome on Linux';
const INVALID =
  'That passkey did not sign you in: it is not (or no longer) on an account here, or the sign-in took too long. Try again, or sign in with your password.';

let server;
let dataDir;
/** Where the browser opens the app: localhost, a name WebAuthn takes. */
let base;
let browser;
let context;
let page;
let cdp;
let authenticatorId;
let annProfile;
/** Password logins the browser sent (a passkey sign-in must send none). */
const passwordLogins = [];
/** Requests the browser made to anywhere but this machine. */
const offsite = [];
const { problems, screenshot, assertClean, expectLogged } = journal('passkeys', artifacts);




/** What the virtual authenticator holds. */
async function credentials() {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
}



async function signInWithPasskey() {
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
}

before(async () => {
  assert.ok(BIN && fs.existsSync(BIN), 'FOTOBASE_BIN must point at the fotobase binary');
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), `${DIST}/index.html is missing: run npm run build`);
  fs.mkdirSync(artifacts, { recursive: true });
  for (const f of fs.readdirSync(artifacts)) if (f.startsWith('passkeys-')) fs.rmSync(path.join(artifacts, f));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fotobase-e2e-passkeys-'));
  const port = await freePort();
  base = `http://localhost:${port}`;
  // serve() checks /health at 127.0.0.1 (its `base`); the browser uses the name.
  server = await serve(BIN, port, path.join(dataDir, 'data'), { FOTOBASE_PUBLIC_URL: base, FOTOBASE_WEB_DIR: DIST });
  // No name resolves but localhost (Chromium answers it with the loopback addresses itself).
  browser = await launchChromium(['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost']);
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base, reducedMotion: 'reduce' });
  context.setDefaultTimeout(30_000);
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (u.hostname !== 'localhost') offsite.push(r.url());
    if (u.pathname === '/api/v1/auth/login') passwordLogins.push(r.url());
  });
  await context.route(
    (u) => u.hostname !== 'localhost',
    (route) => route.abort(),
  );
  page = await context.newPage();
  watch(page, 'browser', problems);
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  }));
});

after(async () => {
  await browser?.close();
  await stop(server);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  if (process.exitCode && server) console.log(`--- server log ---\n${server.log().slice(-4000)}`);
});

test('the server offers passkeys for localhost, and the login page a passkey sign-in', async (t) => {
  await page.goto('/login');
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  const config = await page.evaluate(async () => (await fetch('/api/v1/auth/passkeys/config')).json());
  assert.deepEqual(config, { enabled: true, rp_id: 'localhost' });
  await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
  assert.equal(new URL(page.url()).origin, base);
  assert.equal(await page.evaluate(() => window.isSecureContext), true);
  // Until the two-step step below, the app uses the browser's own JSON conversions where it has them.
  const own = await page.evaluate(() => ({
    parseCreationOptionsFromJSON: typeof PublicKeyCredential.parseCreationOptionsFromJSON,
    parseRequestOptionsFromJSON: typeof PublicKeyCredential.parseRequestOptionsFromJSON,
    toJSON: typeof PublicKeyCredential.prototype.toJSON,
    chromium: navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1],
  }));
  t.diagnostic(`the browser's WebAuthn JSON conversions: ${JSON.stringify(own)}`);
  await screenshot(page, 'login');
  assertClean();
});

test('register an account', async () => {
  await page.goto('/register');
  await page.getByRole('heading', { name: 'Create your account', level: 1 }).waitFor();
  await page.getByRole('textbox', { name: 'E-mail address', exact: true }).fill(EMAIL);
  await page.getByLabel('Display name').fill('Ann Example');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  assertClean();
});

test('the profile adds a passkey with the password, and lists it', async () => {
  const card = await profileCard(page, 'Passkeys');
  await card.getByText('No passkeys yet.').waitFor();
  annProfile = await page.locator('.page-header__subtitle').innerText();
  assert.match(annProfile, /ann@example\.com · member since/);
  await card.getByRole('button', { name: 'Add a passkey' }).click();
  assert.equal(await card.getByLabel('Name').inputValue(), DEVICE);

  await card.getByLabel('Password').fill('not the password');
  await card.getByRole('button', { name: 'Continue' }).click();
  await card.getByRole('alert').getByText('The password is wrong.').waitFor();
  expectLogged(403);
  assert.deepEqual(await credentials(), [], 'no passkey made without the password');

  await card.getByLabel('Password').fill(PASSWORD);
  await screenshot(page, 'add');
  await card.getByRole('button', { name: 'Continue' }).click();
  await page.getByText(`Passkey “${DEVICE}” added.`).waitFor();
  const row = card.getByRole('row', { name: new RegExp(DEVICE) });
  await row.waitFor();
  assert.equal(await row.locator('td').nth(1).innerText(), 'Never');
  assert.equal(await card.getByLabel('Password').count(), 0, 'the form is closed');
  await screenshot(page, 'added');

  const held = await credentials();
  assert.equal(held.length, 1);
  assert.equal(held[0].rpId, 'localhost');
  assert.equal(held[0].isResidentCredential, true, 'a discoverable credential: sign-in needs no e-mail address');
  assertClean();
});

test('the same authenticator cannot be added twice', async () => {
  const card = page.getByRole('region', { name: 'Passkeys' });
  await card.getByRole('button', { name: 'Add a passkey' }).click();
  await card.getByLabel('Password').fill(PASSWORD);
  await card.getByRole('button', { name: 'Continue' }).click();
  // The server lists it in excludeCredentials: the authenticator refuses to make another.
  await card.getByRole('alert').getByText('This device or password manager already holds a passkey for your account.').waitFor();
  await screenshot(page, 'add-again');
  assert.equal((await credentials()).length, 1);
  await card.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await card.getByRole('row').count(), 2, 'a header and the one passkey');
  assertClean();
});

test('signed out, the passkey signs in to the same account, with no password typed', async () => {
  await logOut(page);
  assert.match(page.url(), /\/login\?next=%2Fprofile$/);
  const before = passwordLogins.length;
  await screenshot(page, 'signed-out');
  // The person does not confirm it is them (no fingerprint): the browser refuses, the page says so calmly.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  await signInWithPasskey();
  const calm = page.getByRole('status').filter({ hasText: 'Passkey sign-in was cancelled, or it timed out.' });
  await calm.waitFor();
  assert.equal(await page.getByRole('alert').count(), 0, 'not an error');
  await screenshot(page, 'cancelled');
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
  await signInWithPasskey();
  // Back on the page left, like after a password sign-in.
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/profile');
  const card = page.getByRole('region', { name: 'Passkeys' });
  const row = card.getByRole('row', { name: new RegExp(DEVICE) });
  await row.waitFor();
  assert.equal(await page.locator('.page-header__subtitle').innerText(), annProfile, 'same address, same creation date');
  assert.notEqual(await row.locator('td').nth(1).innerText(), 'Never', 'last used now');
  assert.equal(passwordLogins.length, before, 'no password login was sent');
  assert.equal(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage })), '{}');
  assert.ok((await credentials())[0].signCount >= 1, 'the authenticator signed');
  await screenshot(page, 'signed-in');
  // A session like a password sign-in's: it survives a reload (the refresh cookie).
  await page.reload();
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  assertClean();
});

test('a removed passkey signs in no more, though the authenticator still holds it', async () => {
  const card = await profileCard(page, 'Passkeys');
  await card.getByRole('button', { name: `Remove ${DEVICE}` }).click();
  const dialog = page.getByRole('dialog', { name: `Remove the passkey “${DEVICE}”?` });
  // The password again, as for adding one (two-step verification is not on yet: no code).
  await dialog.getByLabel('Password').fill('not the password');
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await dialog.getByRole('alert').getByText('The password is wrong.').waitFor();
  expectLogged(403);
  assert.equal(await card.getByRole('row').count(), 2, 'a header and the passkey, still there');
  await dialog.getByLabel('Password').fill(PASSWORD);
  await screenshot(page, 'remove');
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await page.getByText(`Passkey “${DEVICE}” removed.`).waitFor();
  await card.getByText('No passkeys yet.').waitFor();
  await logOut(page);

  assert.equal((await credentials()).length, 1);
  await signInWithPasskey();
  await page.getByRole('alert').getByText(INVALID).waitFor();
  expectLogged(401);
  assert.match(page.url(), /\/login\?next=%2Fprofile$/);
  await screenshot(page, 'refused');
  // Nobody is signed in.
  await page.goto('/profile');
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  // Forget it, so the next passkey is the only one the authenticator offers.
  await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
  assertClean();
});

test('with two-step verification on, adding a passkey asks for a code; the passkey then signs in without one', async () => {
  // From here on, a browser without WebAuthn's JSON conversions (older ones): the app's own encode
  // the options and the answers, and the server must take them the same.
  await page.addInitScript(() => {
    delete PublicKeyCredential.parseCreationOptionsFromJSON;
    delete PublicKeyCredential.parseRequestOptionsFromJSON;
    delete PublicKeyCredential.prototype.toJSON;
  });
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  assert.deepEqual(
    await page.evaluate(() => [typeof PublicKeyCredential.parseCreationOptionsFromJSON, typeof PublicKeyCredential.prototype.toJSON]),
    ['undefined', 'undefined'],
  );
  await page.getByLabel('E-mail address').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();

  const { card: twoStep, secret, now } = await enrolTotp(page, PASSWORD);
  await twoStep.getByRole('button', { name: 'I have saved them' }).click();

  const card = page.getByRole('region', { name: 'Passkeys' });
  await card.getByRole('button', { name: 'Add a passkey' }).click();
  await card.getByLabel('Name').fill('Second passkey');
  await card.getByLabel('Password').fill(PASSWORD);
  await card.getByRole('button', { name: 'Continue' }).click();
  await card.getByText('Your account has two-step verification: enter the code from your authenticator app, or a recovery code, too.').waitFor();
  expectLogged(401); // second_factor_required
  // Still signed in: that 401 was about the code, not the session.
  assert.equal(await page.getByRole('heading', { name: 'Profile', level: 1 }).count(), 1);
  // The enrolment's code was taken; the next is what the app shows half a minute later.
  await card.getByLabel('Code from the app, or a recovery code').fill(totpCode(secret, now + 30));
  await screenshot(page, 'add-with-code');
  await card.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Passkey “Second passkey” added.').waitFor();
  await card.getByRole('row', { name: /Second passkey/ }).waitFor();
  assert.equal((await credentials()).length, 1);
  await logOut(page);

  const before = passwordLogins.length;
  await signInWithPasskey();
  // No code step: the passkey's user verification was the second factor.
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  assert.equal(await page.locator('.page-header__subtitle').innerText(), annProfile);
  assert.equal(passwordLogins.length, before, 'no password login was sent');
  await screenshot(page, 'signed-in-two-step');

  // After the password, the passkey may stand in for the app's code.
  await logOut(page);
  await page.getByLabel('E-mail address').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Use a passkey instead' }).click();
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  expectLogged(401); // the password alone: second_factor_required
  assert.equal(passwordLogins.length, before + 2, 'the password, then the password with the passkey');
  assertClean();
});

test('log out: the session is gone, and nothing left this machine', async () => {
  await logOut(page);
  await page.goto('/profile');
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  assert.match(page.url(), /\/login\?next=%2Fprofile$/);
  assert.deepEqual(offsite, [], 'the browser asked for nothing off this machine');
  assertClean();
});
