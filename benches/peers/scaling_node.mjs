// Scaling in Node: time and peak memory of the 800 px thumbnail at 2, 12 and 48 MP, fotobase against
// sharp, each case in a fresh child process so that its peak RSS is its own (scaling.py does Python).
//
//   node scaling_node.mjs INPUT_DIR OUT.json [--quick]
//
// Peak memory = the child's peak RSS (process.resourceUsage().maxRSS) minus its RSS once the library
// was loaded and the input read: what the operation itself added. The job is the thumbnail of
// bench_node.mjs: fit 800 px wide, Lanczos-3, baseline JPEG q80 4:2:0 (sharp's defaults; our
// jpeg-baseline), both async and at their default threads (sharp.cache(false)).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SIZES = [2, 12, 48];
const LIBS = ['fotobase', 'sharp'];
const args = process.argv.slice(2);

async function one(inputs, lib, mp, runs) {
  let fn;
  if (lib === 'fotobase') {
    const fb = createRequire(import.meta.url)('fotobase');
    fn = () => fb.compress(data, { algorithm: 'jpeg-baseline', quality: 80, resize: { width: 800, filter: 'lanczos3' } });
  } else {
    const sharp = (await import('sharp')).default;
    sharp.cache(false);
    fn = () => sharp(data).resize({ width: 800, kernel: 'lanczos3' }).jpeg({ quality: 80 }).toBuffer();
  }
  const data = readFileSync(join(inputs, `photo-${mp}mp.jpg`));
  const base = process.memoryUsage().rss;
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push((performance.now() - t) / 1000);
  }
  const peak = process.resourceUsage().maxRSS * 1024;
  times.sort((a, b) => a - b);
  const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  console.log(JSON.stringify({ median, runs, peak_mib: Math.max(0, peak - base) / 2 ** 20 }));
}

if (args[0] === '--one') {
  const [, inputs, lib, mp, runs] = args;
  await one(inputs, lib, Number(mp), Number(runs));
} else {
  const [inputs, out] = args;
  const runs = args.includes('--quick') ? 1 : 3;
  const self = fileURLToPath(import.meta.url);
  const results = [];
  for (const lib of LIBS) {
    for (const mp of SIZES) {
      const line = execFileSync(process.execPath, [self, '--one', inputs, lib, String(mp), String(runs)], { encoding: 'utf8' });
      const r = { binding: 'node', op: 'thumbnail', lib, megapixels: mp, ...JSON.parse(line) };
      results.push(r);
      console.log(`[scaling node] thumbnail ${lib} ${mp} MP: ${(r.median * 1e3).toFixed(0)} ms, +${r.peak_mib.toFixed(0)} MiB`);
    }
  }
  writeFileSync(out, JSON.stringify({ binding: 'node', rows: [], versions: {}, scaling: results }, null, 1));
}
