// End to end: signing in with an OpenID Connect provider. A real provider (oidc-provider, with its
// development login and consent pages: e2e/idp.mjs) runs in this process on one loopback port,
// the real `fotobase serve` (FOTOBASE_BIN) with the built UI (FOTOBASE_WEB_DIR, default dist/) on
// another, configured with that provider as `test`; Debian's Chromium goes back and forth between
// them through playwright-core. One journey, one test per step; every page is screenshotted to
// test-artifacts/ (oidc-*), and any browser console error or page error fails the run.
//
//   FOTOBASE_BIN=…/fotobase npm run test:e2e:oidc
//
// Both servers are 127.0.0.1 with different ports: the same site for cookies, so the provider's
// session cookies (`_session`, `_interaction`…) sit beside fotobase's in one jar; a step that
// needs another person at the provider clears the provider's cookies (names starting with `_`).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { enrolTotp, freePort, journal, launchChromium, logOut, profileCard, serve, stop, totpCode, watch } from './harness.mjs';
import { startIdp } from './idp.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const artifacts = path.join(webDir, 'test-artifacts');
const BIN = process.env.FOTOBASE_BIN;
const DIST = path.resolve(process.env.FOTOBASE_WEB_DIR || path.join(webDir, 'dist'));
const PROVIDER = 'Test IdP';
const BOB_PASSWORD = 'bobs own long passphrase';

let server;
let idp;
let idpLog = '';
let dataDir;
let base;
let browser;
let context;
let page;
let annProfile;
/** Requests the browser made to anywhere but 127.0.0.1 (the provider's and fotobase's ports). */
const offsite = [];
const { problems, screenshot, assertClean, expectLogged } = journal('oidc', artifacts);






const atApp = (u) => u.origin === base && !u.pathname.startsWith('/api/');
const atIdp = (u) => u.origin === idp.issuer;

/**
 * Follow a sign-in at the provider until the browser is back on the app: the provider's login page
 * is filled as `login` (its dev pages take any password), its consent page accepted; with a
 * session and a grant at the provider there are neither, and it sends the browser straight back.
 * `from`: the URL the browser is leaving (null: it is where it is going already). Resolves to the
 * app's URL it lands on; one off both sites ends the walk too (the caller's assertions fail then).
 */
async function throughProvider(login, from) {
  let last = from;
  for (let i = 0; i < 6; i++) {
    await page.waitForURL((u) => u.href !== last && (atApp(u) || atIdp(u) || (u.origin !== base && u.protocol !== 'about:')), {
      timeout: 30_000,
    });
    const url = new URL(page.url());
    if (!atIdp(url)) {
      await page.waitForLoadState();
      return url;
    }
    last = url.href;
    if (!url.pathname.startsWith('/interaction/')) {
      throw new Error(`the provider showed ${url.href}: ${(await page.locator('body').innerText()).slice(0, 500)}\n${idpLog.slice(-2000)}`);
    }
    const loginField = page.locator('input[name="login"]');
    if (await loginField.count()) {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill('any password will do');
      await screenshot(page, `provider-login-${login}`);
      await page.getByRole('button', { name: 'Sign-in' }).click();
    } else {
      await screenshot(page, `provider-consent-${login}`);
      await page.getByRole('button', { name: 'Continue' }).click();
    }
  }
  throw new Error(`still at the provider: ${page.url()}`);
}


/** Forget who is signed in at the provider (its cookies), so the next sign-in asks again. */
async function leaveProvider() {
  await context.clearCookies({ name: /^_/ });
}



before(async () => {
  assert.ok(BIN && fs.existsSync(BIN), 'FOTOBASE_BIN must point at the fotobase binary');
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), `${DIST}/index.html is missing: run npm run build`);
  fs.mkdirSync(artifacts, { recursive: true });
  for (const f of fs.readdirSync(artifacts)) if (f.startsWith('oidc-')) fs.rmSync(path.join(artifacts, f));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fotobase-e2e-oidc-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startIdp({ redirectUri: `${base}/api/v1/auth/oidc/test/callback`, log: (l) => (idpLog += `${l}\n`) });
  server = await serve(BIN, port, path.join(dataDir, 'data'), {
    FOTOBASE_PUBLIC_URL: base,
    FOTOBASE_WEB_DIR: DIST,
    FOTOBASE_OIDC_PROVIDERS: 'test',
    FOTOBASE_OIDC_TEST_NAME: PROVIDER,
    FOTOBASE_OIDC_TEST_ISSUER: idp.issuer,
    FOTOBASE_OIDC_TEST_CLIENT_ID: idp.clientId,
    FOTOBASE_OIDC_TEST_CLIENT_SECRET: idp.clientSecret,
  });
  // No name resolves but 127.0.0.1: whatever a page or a redirect asks for, nothing leaves this
  // machine (page.route sees no redirect hops; the resolver does).
  browser = await launchChromium(['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']);
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base, reducedMotion: 'reduce' });
  context.setDefaultTimeout(30_000);
  context.on('request', (r) => {
    if (new URL(r.url()).hostname !== '127.0.0.1') offsite.push(r.url());
  });
  await context.route(
    (u) => u.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
  page = await context.newPage();
  watch(page, 'browser', problems);
});

after(async () => {
  await browser?.close();
  await stop(server);
  await idp?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  if (process.exitCode) {
    if (server) console.log(`--- server log ---\n${server.log().slice(-4000)}`);
    if (idpLog) console.log(`--- provider log ---\n${idpLog.slice(-4000)}`);
  }
});

test('the server lists the provider, and the login page links to its start with the page asked for', async () => {
  const listed = await (await fetch(`${base}/api/v1/auth/oidc/providers`)).json();
  assert.deepEqual(listed, { providers: [{ id: 'test', name: PROVIDER }] });
  await page.goto('/gallery');
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  assert.match(page.url(), /\/login\?next=%2Fgallery$/);
  const link = page.getByRole('link', { name: `Sign in with ${PROVIDER}` });
  assert.equal(await link.getAttribute('href'), '/api/v1/auth/oidc/test/start?return_to=%2Fgallery');
  await screenshot(page, 'login');
  assertClean();
});

test('a new person signs in at the provider, gets an account and lands on the page asked for', async () => {
  const from = page.url();
  await page.getByRole('link', { name: `Sign in with ${PROVIDER}` }).click();
  const landed = await throughProvider('ann', from);
  assert.equal(landed.origin, base);
  assert.equal(landed.pathname, '/gallery');
  // The session came as cookies with the redirect; the app's start-up refresh signed it in.
  await page.getByRole('heading', { name: 'Photos', level: 1 }).waitFor();
  await screenshot(page, 'gallery');
  assert.equal(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage })), '{}');

  const card = await profileCard(page, 'Sign-in providers');
  await page.getByRole('region', { name: 'E-mail address' }).getByText('ann@example.com').waitFor();
  const row = card.getByRole('row', { name: new RegExp(PROVIDER) });
  await row.getByText(/^Linked /).waitFor();
  annProfile = await page.locator('.page-header__subtitle').innerText();
  assert.match(annProfile, /ann@example\.com · member since/);
  await screenshot(page, 'profile-ann');
  assertClean();
});

test('signed out, signing in at the provider again is the same account, back on the page left', async () => {
  await logOut(page);
  // Signed out on the profile page: the login page keeps it as the destination.
  assert.match(page.url(), /\/login\?next=%2Fprofile$/);
  const from = page.url();
  await page.getByRole('link', { name: `Sign in with ${PROVIDER}` }).click();
  // At the provider Ann is still signed in and has consented: straight back.
  const landed = await throughProvider('ann', from);
  assert.equal(landed.pathname, '/profile');
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  await profileCard(page, 'Sign-in providers');
  const again = await page.locator('.page-header__subtitle').innerText();
  assert.equal(again, annProfile, 'same address, same creation date');
  assertClean();
});

test('cancelling at the provider, and a provider without a verified address, say so on the login page', async () => {
  await logOut(page);
  await leaveProvider();
  await page.getByRole('link', { name: `Sign in with ${PROVIDER}` }).click();
  await page.waitForURL((u) => atIdp(u) && u.pathname.startsWith('/interaction/'));
  await page.getByRole('link', { name: '[ Cancel ]' }).click();
  await page.waitForURL((u) => atApp(u));
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(new URL(page.url()).searchParams.get('oidc_error'), 'oidc_denied');
  assert.match(await page.getByRole('alert').innerText(), /Sign-in was cancelled at the provider\./);
  await screenshot(page, 'denied');

  const from = page.url();
  await page.getByRole('link', { name: `Sign in with ${PROVIDER}` }).click();
  await throughProvider('cat', from);
  assert.equal(new URL(page.url()).searchParams.get('oidc_error'), 'oidc_email_unverified');
  assert.match(await page.getByRole('alert').innerText(), /did not give a verified e-mail address/);
  await leaveProvider();
  assertClean();
});

test('an account with the same address: its password links the provider, then the profile unlinks it', async () => {
  // Bob has a password account first.
  await page.goto('/register');
  await page.getByRole('heading', { name: 'Create your account', level: 1 }).waitFor();
  await page.getByRole('textbox', { name: 'E-mail address', exact: true }).fill('bob@example.com');
  await page.getByLabel('Display name').fill('Bob Example');
  await page.getByLabel('Password', { exact: true }).fill(BOB_PASSWORD);
  await page.getByLabel('Confirm password').fill(BOB_PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  await logOut(page);

  // At the provider, bob@example.com is verified: the server asks for the account's password.
  const from = page.url();
  await page.getByRole('link', { name: `Sign in with ${PROVIDER}` }).click();
  const landed = await throughProvider('bob', from);
  assert.equal(landed.pathname, '/login');
  assert.equal(landed.searchParams.get('oidc'), 'link');
  assert.equal(landed.searchParams.get('provider'), 'test');
  await page.getByText(`An account with this address already exists. Enter its password to link your ${PROVIDER} sign-in to it.`).waitFor();
  await screenshot(page, 'link');

  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Link and sign in' }).click();
  await page.getByRole('alert').getByText('The password is wrong.').waitFor();
  expectLogged(401);
  await screenshot(page, 'link-wrong-password');

  await page.getByLabel('Password').fill(BOB_PASSWORD);
  await page.getByRole('button', { name: 'Link and sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

  const card = await profileCard(page, 'Sign-in providers');
  await page.getByRole('region', { name: 'E-mail address' }).getByText('bob@example.com').waitFor();
  await card.getByRole('row', { name: new RegExp(PROVIDER) }).getByText(/^Linked /).waitFor();
  await screenshot(page, 'profile-bob-linked');

  await card.getByRole('button', { name: `Unlink ${PROVIDER}` }).click();
  const dialog = page.getByRole('dialog', { name: `Unlink ${PROVIDER}?` });
  // The password again (two-step verification is not on yet: no code).
  await dialog.getByLabel('Password').fill(BOB_PASSWORD);
  await dialog.getByRole('button', { name: 'Unlink', exact: true }).click();
  await page.getByText(`${PROVIDER} unlinked.`).waitFor();
  await card.getByText(`Not linked — sign out and sign in with ${PROVIDER} to link`).waitFor();
  await screenshot(page, 'profile-bob-unlinked');
  assertClean();
});

test('with two-step verification on, linking asks for a code too, and so does each provider sign-in', async () => {
  // Bob (signed in, the provider unlinked) turns two-step verification on.
  const { card: twoStep, secret, now, recoveryCodes } = await enrolTotp(page, BOB_PASSWORD);
  const recovery = recoveryCodes[0];
  await twoStep.getByRole('button', { name: 'I have saved them' }).click();
  await logOut(page);

  // Bob is still signed in at the provider: straight back, to link again (password, then a code).
  let from = page.url();
  await page.getByRole('link', { name: `Sign in with ${PROVIDER}` }).click();
  let landed = await throughProvider('bob', from);
  assert.equal(landed.searchParams.get('oidc'), 'link');
  await page.getByLabel('Password').fill(BOB_PASSWORD);
  await page.getByRole('button', { name: 'Link and sign in' }).click();
  await page.getByText('This account has two-step verification: enter the 6-digit code from your authenticator app too.').waitFor();
  expectLogged(401); // second_factor_required
  // The enrolment's code was taken; the next is what the app shows half a minute later.
  await page.getByLabel('Authentication code').fill(totpCode(secret, now + 30));
  await screenshot(page, 'link-with-code');
  await page.getByRole('button', { name: 'Link and sign in' }).click();
  // Signed out on the profile page: the confirmation keeps it as the destination.
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  await logOut(page);

  // Linked, with two-step verification on: the provider's sign-in asks for the code (a recovery code here).
  from = page.url();
  await page.getByRole('link', { name: `Sign in with ${PROVIDER}` }).click();
  landed = await throughProvider('bob', from);
  assert.equal(landed.pathname, '/login');
  assert.equal(landed.searchParams.get('oidc'), 'second_factor');
  await page.getByText(`Your ${PROVIDER} account is linked to an account with two-step verification.`, { exact: false }).waitFor();
  await page.getByRole('button', { name: 'Use a recovery code' }).click();
  await page.getByLabel('Recovery code').fill(recovery);
  await screenshot(page, 'second-factor');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  const card = await profileCard(page, 'Sign-in providers');
  await page.getByRole('region', { name: 'E-mail address' }).getByText('bob@example.com').waitFor();
  await card.getByRole('row', { name: new RegExp(PROVIDER) }).getByText(/^Linked /).waitFor();
  assertClean();
});

test('return_to cannot send the browser to another site', async () => {
  await logOut(page);
  await leaveProvider();
  for (const target of ['https://evil.example/', '//evil.example/', '/\\evil.example/']) {
    const start = `/api/v1/auth/oidc/test/start?return_to=${encodeURIComponent(target)}`;
    // A redirect to evil.example would fail to load (nothing resolves but 127.0.0.1): not an error here.
    await page.goto(start).catch(() => {});
    // The first time the provider asks who it is (Ann, linked above); then it sends straight back.
    const landed = await throughProvider('ann', null);
    assert.equal(landed.origin, base, `${target} led to ${landed.href} (asked for off this machine: ${offsite.join(', ')})`);
    assert.equal(landed.pathname, '/', `${target} led to ${landed.href}`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  }
  assert.deepEqual(
    offsite.filter((u) => u.includes('evil.example')),
    [],
    'no request went to evil.example',
  );
  await screenshot(page, 'open-redirect-refused');
  assertClean();
});

test('log out: the session is gone, and nothing left this machine', async () => {
  await logOut(page);
  await page.goto('/profile');
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  assert.match(page.url(), /\/login\?next=%2Fprofile$/);
  assert.deepEqual(offsite, [], 'the browser asked for nothing off 127.0.0.1');
  assertClean();
});
