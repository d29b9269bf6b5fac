// End to end: the installable web app. The real `fotobase serve` (FOTOBASE_BIN) with the built UI
// (FOTOBASE_WEB_DIR, default dist/) on a free loopback port, in Debian's Chromium through
// playwright-core with a profile of its own (apps are not installed from incognito). The manifest is linked and valid and Chromium finds the page installable (the
// DevTools protocol's own check, on 127.0.0.1, which Chromium counts as a secure origin); the
// service worker activates and takes over the page; a gallery seen once shows again, thumbnails
// and all, when the page is reloaded with the network off and the server stopped; and logging out
// empties what was kept. Screenshots go to test-artifacts/ (pwa-*); any browser console error or
// page error fails the run, but for the failed requests of the offline reload.
//
//   FOTOBASE_BIN=…/fotobase npm run test:e2e:pwa

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import UPNG from 'upng-js';
import { freePort, journal, launchChromiumProfile, logOut, serve, stop, watch } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const artifacts = path.join(webDir, 'test-artifacts');
const BIN = process.env.FOTOBASE_BIN;
const DIST = path.resolve(process.env.FOTOBASE_WEB_DIR || path.join(webDir, 'dist'));
const EMAIL = 'pia@example.com';
const PASSWORD = 'correct horse battery staple';
const PHOTOS = ['sunrise.png', 'lagoon.png'];
/** What Chromium logs for the requests the offline reload makes and nothing answers. */
const OFFLINE_NOISE = /ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|ERR_FAILED|FetchEvent/;

let server;
let port;
let dataDir;
let base;
let context;
let page;
let cdp;
const { problems, screenshot, assertClean } = journal('pwa', artifacts);

/** A small gradient PNG, made here (no photo collection needed); `hue` tells two apart. */
function gradientPng(hue) {
  const [w, h] = [96, 64];
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      rgba.set([(x * 255) / w, hue, (y * 255) / h, 255], i);
    }
  }
  return Buffer.from(UPNG.encode([rgba.buffer], w, h, 0));
}

/** Width and height from a PNG's IHDR. */
function pngSize(buf) {
  assert.equal(buf.subarray(1, 4).toString('latin1'), 'PNG');
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

/** Both gallery thumbnails drawn (fetched through the app, decoded, laid out). */
async function thumbnailsShown() {
  const grid = page.getByRole('list', { name: 'Photo grid' });
  for (const name of PHOTOS) {
    const img = grid.getByRole('img', { name, exact: true });
    await img.waitFor({ timeout: 60_000 });
    await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  }
  assert.equal(await page.getByTestId('photo-card').count(), PHOTOS.length);
}

/** The Cache Storage as the page sees it: each cache's name and how many entries it holds. */
function cachesNow() {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).length;
    return out;
  });
}

before(async () => {
  assert.ok(BIN && fs.existsSync(BIN), 'FOTOBASE_BIN must point at the fotobase binary');
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), `${DIST}/index.html is missing: run npm run build`);
  fs.mkdirSync(artifacts, { recursive: true });
  for (const f of fs.readdirSync(artifacts)) if (f.startsWith('pwa-')) fs.rmSync(path.join(artifacts, f));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fotobase-e2e-pwa-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await serve(BIN, port, path.join(dataDir, 'data'), { FOTOBASE_WEB_DIR: DIST });
  // A profile of its own: Chromium does not install apps from incognito contexts.
  context = await launchChromiumProfile(path.join(dataDir, 'profile'), {
    viewport: { width: 1280, height: 800 },
    baseURL: base,
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(30_000);
  page = context.pages()[0] ?? (await context.newPage());
  watch(page, 'app', problems);
  cdp = await context.newCDPSession(page);
});

after(async () => {
  await context?.close();
  await stop(server);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  if (process.exitCode && server) console.log(`--- server log ---\n${server.log().slice(-4000)}`);
});

test('the manifest is linked from the page, served as a manifest, and names the app and its icons', async () => {
  const res = await fetch(`${base}/manifest.webmanifest`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/manifest\+json/);
  const manifest = await res.json();
  assert.equal(manifest.name, 'fotobase');
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, '/');
  assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/i);
  for (const [size, purpose] of [[192, 'any'], [512, 'any'], [192, 'maskable'], [512, 'maskable']]) {
    const icon = manifest.icons.find((i) => i.sizes === `${size}x${size}` && i.purpose === purpose && i.type === 'image/png');
    assert.ok(icon, `a ${size} px ${purpose} PNG icon`);
    const png = await fetch(new URL(icon.src, base));
    assert.equal(png.headers.get('content-type'), 'image/png', icon.src);
    assert.deepEqual(pngSize(Buffer.from(await png.arrayBuffer())), [size, size], icon.src);
  }

  await page.goto('/login');
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  assert.equal(await page.locator('link[rel="manifest"]').getAttribute('href'), '/manifest.webmanifest');
  assert.equal(await page.locator('meta[name="theme-color"]').getAttribute('content'), manifest.theme_color);
  // Chromium's own reading of it: found, and no complaint.
  const seen = await cdp.send('Page.getAppManifest');
  assert.equal(seen.url, `${base}/manifest.webmanifest`);
  assert.deepEqual(seen.errors, []);
  assert.equal(JSON.parse(seen.data).name, 'fotobase');
  assertClean();
});

test('the service worker of this build activates and takes over the page', async () => {
  const sw = await fetch(`${base}/sw.js`);
  assert.equal(sw.status, 200);
  assert.match(sw.headers.get('content-type') ?? '', /^(text|application)\/javascript/);
  assert.equal(sw.headers.get('cache-control'), 'no-cache');
  const source = await sw.text();
  // The build wrote its files into the worker: index.html and every hashed asset.
  const build = JSON.parse(/\/\* precache \*\/ (\{.*\});/.exec(source)[1]);
  const assets = fs.readdirSync(path.join(DIST, 'assets')).map((f) => `/assets/${f}`);
  for (const f of ['/index.html', '/manifest.webmanifest', ...assets]) assert.ok(build.files.includes(f), f);

  // `ready` has an active worker, which may still be activating: wait for its state to say so.
  const worker = await page.evaluate(async () => {
    const { active, scope } = await navigator.serviceWorker.ready;
    if (active.state !== 'activated') {
      await new Promise((done) => active.addEventListener('statechange', () => active.state === 'activated' && done()));
    }
    return { scope, state: active.state, script: active.scriptURL };
  });
  assert.deepEqual(worker, { scope: `${base}/`, state: 'activated', script: `${base}/sw.js` });
  // It claimed the page that registered it: the page's requests go through it from now on.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  const cached = await cachesNow();
  assert.equal(cached[`fotobase-shell-${build.version}`], build.files.length);
  assertClean();
});

test('Chromium finds the page installable', async () => {
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, []);
});

test('register, upload two photos and see them in the gallery', async () => {
  await page.goto('/register');
  await page.getByRole('heading', { name: 'Create your account', level: 1 }).waitFor();
  await page.getByRole('textbox', { name: 'E-mail address', exact: true }).fill(EMAIL);
  await page.getByLabel('Display name').fill('Pia');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

  await page.getByRole('link', { name: 'Upload', exact: true }).click();
  await page.getByTestId('file-input').setInputFiles(PHOTOS.map((name, i) => ({ name, mimeType: 'image/png', buffer: gradientPng(60 + i * 120) })));
  await page.getByText('2 of 2 done').waitFor({ timeout: 60_000 });
  // A full load of the gallery, its requests all through the worker.
  await page.goto('/gallery');
  await page.getByRole('heading', { name: 'Photos', level: 1 }).waitFor();
  await thumbnailsShown();
  const cached = await cachesNow();
  assert.equal(cached['fotobase-thumbs'], PHOTOS.length);
  assert.ok(cached['fotobase-data'] >= 1, JSON.stringify(cached));
  assert.equal(cached['fotobase-owner'], 1);
  await screenshot(page, 'gallery-online');
  assertClean();
});

test('offline, with the server stopped, a reload still shows the gallery and its thumbnails', async () => {
  // Both: the emulation cuts the page off, and a stopped server leaves the worker nothing to reach
  // either, whether or not the emulation applies to it.
  await stop(server);
  await context.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { name: 'Photos', level: 1 }).waitFor();
  await thumbnailsShown();
  assert.equal(await page.evaluate(() => fetch('/health').then(() => 'reached', () => 'unreachable')), 'unreachable');
  // Signed in as the account the copies belong to.
  await page.getByText('Pia', { exact: true }).first().waitFor();
  await screenshot(page, 'gallery-offline');
  const unexpected = problems.filter((p) => !OFFLINE_NOISE.test(p));
  problems.length = 0;
  assert.deepEqual(unexpected, [], 'the browser reported errors other than failed requests');
});

test('back online, logging out empties the offline copies and keeps the app', async () => {
  server = await serve(BIN, port, path.join(dataDir, 'data'), { FOTOBASE_WEB_DIR: DIST });
  await context.setOffline(false);
  await page.reload();
  await page.getByRole('heading', { name: 'Photos', level: 1 }).waitFor();
  await thumbnailsShown();
  await logOut(page);
  const left = Object.keys(await cachesNow());
  assert.equal(left.length, 1, JSON.stringify(left));
  assert.match(left[0], /^fotobase-shell-[0-9a-f]+$/);
  assertClean();
});
