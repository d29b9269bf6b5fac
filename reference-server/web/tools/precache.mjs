// The service worker's precache list, made at build time: every file of the build (index.html,
// the content-hashed assets, the public files) goes into dist/sw.js with a version made from their
// contents, so each build installs a worker that caches exactly its own files, and a build that
// changes anything changes sw.js (which is how browsers notice a new worker).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where public/sw.js takes the list: `const BUILD = /* precache *\/ { … };` */
const MARKER = /\/\* precache \*\/ \{[^;]*\};/;

/** The files of the build in `dir` as paths from the site's root, but the worker itself, sorted. */
export function buildFiles(dir, worker = 'sw.js') {
  const out = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(`/${path.relative(dir, full).split(path.sep).join('/')}`);
    }
  };
  walk(dir);
  return out.filter((f) => f !== `/${worker}`).sort();
}

/** `source` (the worker) with the list and version of the build in `dir`; throws without the marker. */
export function stampWorker(source, dir, worker = 'sw.js') {
  if (!MARKER.test(source)) throw new Error(`${worker} has no "/* precache */ { … };" to fill in`);
  const files = buildFiles(dir, worker);
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(f).update('\0').update(fs.readFileSync(path.join(dir, f))).update('\0');
  const build = { version: hash.digest('hex').slice(0, 16), files };
  return source.replace(MARKER, `/* precache */ ${JSON.stringify(build)};`);
}

/** Vite plugin: fills in dist/sw.js (copied from public/ before the bundle) once the bundle is written. */
export function precache(worker = 'sw.js') {
  let outDir = '';
  return {
    name: 'fotobase-precache',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    writeBundle: {
      order: 'post',
      handler() {
        const file = path.join(outDir, worker);
        fs.writeFileSync(file, stampWorker(fs.readFileSync(file, 'utf8'), outDir, worker));
      },
    },
  };
}
