// A real OpenID provider for the browser tests: oidc-provider (panva) on a loopback port, with its
// built-in development login and consent pages, one confidential client, and a few people.
// Used by oidc.test.mjs; `node e2e/idp.mjs` runs it alone (prints its issuer) to look at by hand.
//
// Settings needed for plain http on 127.0.0.1 (read from oidc-provider 9's code):
// - an http issuer is accepted as is (only a valid web URI is asserted); no `proxy` is needed,
//   and cookies are marked Secure only when the request is https (`ctx.secure`), so plain http
//   sessions work without touching `cookies.long/short`;
// - `cookies.keys` must be given, or the session and interaction cookies are not signed;
// - `conformIdTokenClaims` left at its default (true): the ID token carries only `sub`, and
//   fotobase reads the address and name from the UserInfo endpoint, as with strict providers;
// - the dev pages' stylesheet imports a web font from the internet: the HTML is rewritten without
//   it, so the browser makes no request off this machine.

import crypto from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';

/** People the provider knows: the dev login page takes the login (any password). */
export const PEOPLE = {
  ann: { email: 'ann@example.com', email_verified: true, name: 'Ann Example' },
  bob: { email: 'bob@example.com', email_verified: true, name: 'Bob Example' },
  cat: { email: 'cat@example.com', email_verified: false, name: 'Cat Unverified' },
};

/**
 * Start the provider on 127.0.0.1:`port` (0: any free port) for a client whose callback is
 * `redirectUri`. Resolves to `{ issuer, clientId, clientSecret, close() }`.
 */
export async function startIdp({ port = 0, redirectUri, clientId = 'fotobase', people = PEOPLE, log = () => {} } = {}) {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const clientSecret = crypto.randomBytes(32).toString('base64url');

  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e-rs256', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      const person = people[sub];
      if (!person) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, ...person };
        },
      };
    },
  });

  // The dev pages without their web font (no request leaves this machine), and a favicon so the
  // browser logs no 404 on the provider's pages.
  provider.use(async (ctx, next) => {
    if (ctx.path === '/favicon.ico') {
      ctx.status = 204;
      return;
    }
    await next();
    log(`${ctx.method} ${ctx.path} -> ${ctx.status}`);
    if (typeof ctx.body === 'string' && ctx.type === 'text/html') {
      ctx.body = ctx.body.replace(/@import url\(https?:[^)]*\);?/g, '');
    }
  });
  provider.on('server_error', (_ctx, err) => log(`server_error: ${err.stack ?? err}`));
  provider.on('grant.error', (_ctx, err) => log(`grant.error: ${err.message} ${err.error_description ?? ''}`));
  provider.on('authorization.error', (_ctx, err) => log(`authorization.error: ${err.message} ${err.error_description ?? ''}`));

  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// Alone: `node e2e/idp.mjs [redirect_uri]`, until Ctrl-C.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const redirectUri = process.argv[2] ?? 'http://127.0.0.1:8080/api/v1/auth/oidc/test/callback';
  const idp = await startIdp({ port: Number(process.env.IDP_PORT ?? 0), redirectUri, log: (l) => console.log(l) });
  console.log(JSON.stringify({ issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret, redirect_uri: redirectUri }));
}
