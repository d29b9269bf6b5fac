// @vitest-environment node
import { readFile } from 'node:fs/promises';
import { render, schemaFile } from '../../tools/api-types.mjs';

test('the API types are generated from the current OpenAPI document (npm run api-types)', async () => {
  expect(await readFile(schemaFile, 'utf8')).toBe(await render());
});
