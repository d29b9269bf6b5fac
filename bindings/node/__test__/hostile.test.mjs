// Hostile inputs (testdata/cases/hostile.json) in a child process whose peak resident memory
// is then read back: a bomb whose header claims 10^10 pixels must be refused from its header,
// so the child stays small; a decoder that allocated first would take gigabytes or abort.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { casesDir, join } from './helpers.mjs';

const PEAK_LIMIT_MB = 400;

const child = `
import * as fb from 'fotobase';
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = [];
for (const c of cases) {
  const data = Buffer.from(c.input.base64, 'base64');
  const a = c.args ?? {};
  try {
    if (c.op === 'probe') fb.probe(data);
    else if (c.op === 'compress') fb.compressSync(data, a.options);
    else if (c.op === 'thumbnail') fb.thumbnailSync(data, a.width, a.height);
    else throw new Error('unknown op ' + c.op);
    out.push([c.name, null]);
  } catch (e) {
    if (!e.code) throw e;
    out.push([c.name, e.code]);
  }
}
process.stdout.write(JSON.stringify({ out, maxRssKb: process.resourceUsage().maxRSS }));
`;

test('hostile inputs get their codes with bounded peak memory', () => {
  const cases = JSON.parse(readFileSync(join(casesDir, 'hostile.json'), 'utf8')).filter((c) => c.input?.base64);
  assert.ok(cases.length >= 30, 'hostile.json lost its cases');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 1 << 24,
  });
  assert.equal(r.status, 0, `child died (${r.status} ${r.signal}): ${r.stderr.slice(-2000)}`);
  const { out, maxRssKb } = JSON.parse(r.stdout);
  const got = Object.fromEntries(out);
  // `expect_error`: a code, or a list of codes any of which will do.
  for (const c of cases) {
    const wants = Array.isArray(c.expect_error) ? c.expect_error : [c.expect_error ?? null];
    assert.ok(wants.includes(got[c.name]), `${c.name}: got ${got[c.name]}, want ${JSON.stringify(c.expect_error)}`);
  }
  assert.ok(maxRssKb / 1024 < PEAK_LIMIT_MB, `peak RSS ${Math.round(maxRssKb / 1024)} MB`);
});
