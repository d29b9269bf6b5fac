// jpeg-mozjpeg must be at least as efficient as sharp's mozjpeg: at the
// SSIMULACRA2 sharp reaches with a given quality, fotobase's quality search
// must find a JPEG no larger than sharp's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = process.env.FOTOBASE_BIN ?? join(root, 'target/debug/fotobase');
const work = mkdtempSync(join(tmpdir(), 'fotobase-sharp-'));

function photos() {
  const found = [];
  const corpus = join(process.env.FOTOBASE_CORPUS ?? join(root, '../shared/corpus'), 'photos');
  if (existsSync(corpus)) {
    for (const f of readdirSync(corpus).sort()) if (/\.(jpe?g|png)$/i.test(f)) found.push(join(corpus, f));
  }
  const bundled = process.env.FOTOBASE_PHOTOS;
  if (bundled) {
    for (const f of ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'motorcycle_left.png']) {
      if (existsSync(join(bundled, f))) found.push(join(bundled, f));
    }
  }
  return found;
}

const fotobase = (...args) => JSON.parse(execFileSync(bin, [...args, '--json'], { encoding: 'utf8' }));

test('there are photos to compare on', () => {
  assert.ok(existsSync(bin), `fotobase binary missing at ${bin}`);
  assert.ok(photos().length > 0, 'no photos: set FOTOBASE_PHOTOS or provide the corpus');
});

for (const photo of photos()) {
  test(`jpeg-mozjpeg is no larger than sharp mozjpeg at equal SSIMULACRA2: ${photo.split('/').pop()}`, async () => {
    // Same input pixels for both: the photo decoded and written as 8-bit sRGB PNG by sharp.
    const input = join(work, 'input.png');
    writeFileSync(input, await sharp(photo).removeAlpha().toColourspace('srgb').png().toBuffer());
    for (const quality of [50, 75, 90]) {
      const theirs = await sharp(input).jpeg({ quality, mozjpeg: true }).toBuffer();
      const theirsPath = join(work, `sharp-${quality}.jpg`);
      writeFileSync(theirsPath, theirs);
      const score = fotobase('compare', input, theirsPath, '--metrics', 'ssimulacra2').ssimulacra2;
      const ours = fotobase('compress', input, '-o', join(work, `ours-${quality}.jpg`), '--algorithm', 'jpeg-mozjpeg',
        '--target', `ssimulacra2=${score}`, '--metrics', 'ssimulacra2');
      assert.ok(ours.metrics.ssimulacra2 >= score, `q${quality}: ${ours.metrics.ssimulacra2} < ${score}`);
      assert.ok(ours.bytes <= theirs.length,
        `q${quality}: fotobase ${ours.bytes} B (q=${ours.quality}) > sharp ${theirs.length} B at SSIMULACRA2 ${score.toFixed(2)}`);
    }
  });
}
