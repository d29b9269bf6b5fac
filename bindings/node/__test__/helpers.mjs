// Shared by the suites: where the behaviour cases live, key spelling, and the
// package under test (the one `npm pack` produced, installed in a scratch dir).
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The package directory `import 'fotobase'` resolves to. */
export const packageDir = dirname(require.resolve('fotobase'));

/** testdata/cases: set by scripts/test-node.sh; the repo's copy when run in place. */
export const casesDir = process.env.FOTOBASE_CASES ?? resolve(here, '../../../testdata/cases');

/** The shared corpus; cases that read it are skipped when it is absent. */
export const corpusDir = process.env.FOTOBASE_CORPUS ?? resolve(casesDir, '../../../shared/corpus');

export const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
export const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const isPlain = (v) => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** Rename keys through plain objects and arrays (Buffers and other values stay as they are). */
export function renameKeys(v, f) {
  if (Array.isArray(v)) return v.map((x) => renameKeys(x, f));
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), renameKeys(x, f)]));
  return v;
}

/** JSON with integers beyond 2^53 as BigInt (public ids are u64), not rounded numbers. */
export function parseJson(text) {
  const marked = text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"@@bigint:$2"');
  return JSON.parse(marked, (_, v) => {
    if (typeof v !== 'string' || !v.startsWith('@@bigint:')) return v;
    const n = BigInt(v.slice(9));
    return BigInt(Number(n)) === n && Number.isSafeInteger(Number(n)) ? Number(n) : n;
  });
}

export { join };
