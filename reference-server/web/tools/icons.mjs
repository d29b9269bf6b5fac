// The app's PNG icons (public/icons/), drawn from public/favicon.svg by Debian's Chromium (or
// $CHROMIUM) through playwright-core: no package here rasterises SVG, and the browser draws it as
// the favicon is drawn. Run once after changing the favicon and commit the PNGs:
//
//   node tools/icons.mjs
//
// "any" icons are the favicon as is (its rounded corners transparent). "Maskable" icons are cut to
// any shape by the platform, which keeps only a circle of 80% of the width: they are the favicon's
// colour edge to edge with the favicon at 80% in the middle, so its corners vanish into the
// background and its drawing stays inside the circle.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const svg = fs.readFileSync(path.join(web, 'public/favicon.svg'), 'utf8');
const out = path.join(web, 'public/icons');
/** The favicon's background: its first filled shape. */
const background = /<rect[^>]*fill="(#[0-9a-fA-F]{3,8})"/.exec(svg)?.[1];
if (!background) throw new Error('favicon.svg has no filled <rect> to take the background colour from');

const icons = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-192.png', size: 192, maskable: true },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
  // iOS ignores the manifest's icons and rounds this one itself: a full square, like a maskable one.
  { file: 'apple-touch-icon.png', size: 180, maskable: true },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  fs.mkdirSync(out, { recursive: true });
  for (const { file, size, maskable } of icons) {
    await page.setViewportSize({ width: size, height: size });
    const inner = maskable ? Math.round(size * 0.8) : size;
    const body = maskable ? `background:${background}` : 'background:transparent';
    await page.setContent(
      `<html><body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;${body}">` +
        `<img src="${src}" width="${inner}" height="${inner}"></body></html>`,
    );
    await page.locator('img').evaluate((img) => img.decode());
    await page.screenshot({ path: path.join(out, file), omitBackground: !maskable });
    console.log(`${file}: ${size}×${size}, ${fs.statSync(path.join(out, file)).size} bytes`);
  }
} finally {
  await browser.close();
}
