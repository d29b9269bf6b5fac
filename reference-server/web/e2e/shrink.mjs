// README screenshots stay small: a PNG over the limit is re-encoded with an
// adaptive palette (UPNG, pure JavaScript), then fewer colours if needed.
import fs from 'node:fs';
import UPNG from 'upng-js';

export function shrinkPng(file, limit = 300_000) {
  if (fs.statSync(file).size <= limit) return;
  const img = UPNG.decode(fs.readFileSync(file));
  const rgba = UPNG.toRGBA8(img);
  for (const colours of [256, 128, 64]) {
    const out = Buffer.from(UPNG.encode(rgba, img.width, img.height, colours));
    fs.writeFileSync(file, out);
    if (out.length <= limit) return;
  }
}
