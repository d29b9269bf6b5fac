// The README's Node example, run as written from the README inside the packed
// package, against a photo.jpg in its working directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthetic } from 'fotobase';
import { packageDir } from './helpers.mjs';

test('the README example runs', () => {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Node'));
  const example = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(example, 'README.md has a ```js example under "## Node"');
  assert.ok(example.trim().split('\n').length <= 6, 'the example stays short');

  // Inside the test directory, so `import 'fotobase'` resolves to the package under test.
  const dir = mkdtempSync(join(dirname(fileURLToPath(import.meta.url)), '.readme-'));
  try {
    writeFileSync(join(dir, 'example.mjs'), example);
    writeFileSync(join(dir, 'photo.jpg'), synthetic(320, 240, 3, 'jpeg'));
    const run = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /webp/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
