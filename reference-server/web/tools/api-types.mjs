// The web UI's API types, generated from the server's OpenAPI document
// (src/api/openapi.json, which a server test keeps equal to the served one).
// `npm run api-types` rewrites src/api/schema.d.ts; tests/api/schema.test.ts
// fails when it is stale.
import { readFile, writeFile } from 'node:fs/promises';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const root = new URL('../src/api/', import.meta.url);
export const schemaFile = new URL('schema.d.ts', root);

/** schema.d.ts as the current document gives it. */
export async function render() {
  const doc = JSON.parse(await readFile(new URL('openapi.json', root), 'utf8'));
  // `type: object` without properties (preferences, params) is any object, not `Record<string, never>`;
  // a member with a default may be left out of a request (the server fills it in).
  const ast = await openapiTS(doc, { emptyObjectsUnknown: true, defaultNonNullable: false });
  return COMMENT_HEADER + astToString(ast);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(schemaFile, await render());
}
