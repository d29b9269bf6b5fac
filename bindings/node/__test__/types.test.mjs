// index.d.ts (its interfaces generated from the Rust types) type-checks a TypeScript
// user's calls, and rejects the mistakes in usage.ts, under the pinned tsc.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// In the scratch project of scripts/test-node.sh the build tools stay in the repo.
const pkg = process.env.FOTOBASE_NODE_PACKED ? join(process.env.FOTOBASE_NODE_PACKED, 'bindings/node') : resolve(here, '..');
const tsc = join(pkg, 'node_modules/typescript/bin/tsc');

test('index.d.ts types what the addon takes and returns', { skip: !existsSync(tsc) && 'typescript is not installed' }, () => {
  const args = [
    tsc, '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--exactOptionalPropertyTypes',
    '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--typeRoots', join(pkg, 'node_modules/@types'), '--types', 'node',
    join(here, 'usage.ts'),
  ];
  const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc found errors:\n${r.stdout}${r.stderr}`);
});
