// @vitest-environment node
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildFiles, stampWorker } from '../../tools/precache.mjs';

const worker = fs.readFileSync(new URL('../../public/sw.js', import.meta.url), 'utf8');
/** What a stamped worker says about its build. */
const build = (sw: string) => JSON.parse(/\/\* precache \*\/ (\{.*\});/.exec(sw)![1]!) as { version: string; files: string[] };

describe('the precache list written into sw.js at build time', () => {
  let dist: string;
  beforeEach(() => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'fotobase-dist-'));
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.mkdirSync(path.join(dist, 'icons'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<div id=root>');
    fs.writeFileSync(path.join(dist, 'assets/index-AbC123.js'), 'app()');
    fs.writeFileSync(path.join(dist, 'icons/icon-192.png'), 'png');
    fs.writeFileSync(path.join(dist, 'sw.js'), worker);
  });
  afterEach(() => fs.rmSync(dist, { recursive: true, force: true }));

  it('lists every file of the build from the root but the worker itself', () => {
    expect(buildFiles(dist)).toEqual(['/assets/index-AbC123.js', '/icons/icon-192.png', '/index.html']);
    expect(build(stampWorker(worker, dist)).files).toEqual(buildFiles(dist));
  });

  it('gives a build another version when any file changes, so browsers install its worker', () => {
    const first = build(stampWorker(worker, dist)).version;
    expect(build(stampWorker(worker, dist)).version).toBe(first);
    fs.writeFileSync(path.join(dist, 'assets/index-AbC123.js'), 'app(2)');
    expect(build(stampWorker(worker, dist)).version).not.toBe(first);
  });

  it('fails the build when public/sw.js lost the place to write to', () => {
    expect(() => stampWorker('const BUILD = {};', dist)).toThrow(/precache/);
  });

  it('leaves public/sw.js itself with the empty list of a development server', () => {
    expect(build(worker)).toEqual({ version: 'dev', files: [] });
  });
});
