import assert from 'node:assert/strict';
import { randomUUID, sign } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { readImage } from '../../src/image/oci-layout-reader.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { startEmbeddedRegistry, type EmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import { parseWwwAuthenticate } from '../../src/registry/registry-auth.ts';
import { generateTinyLayouts, htpasswdFile, selfSignedCertificate } from '../support/registry-process.ts';

const USER = 'deployer';
const PASSWORD = 'correct horse battery staple';
const SERVICE = 'shipbench-registry';
const ISSUER = 'shipbench-test-token-issuer';

function refused(pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ShipbenchError, `a ShipbenchError, not ${String(error)}`);
    assert.equal(error.code, 'registry-auth-refused');
    if (pattern !== undefined) assert.match(`${error.message}\n${error.hint}`, pattern);
    return true;
  };
}

/** Pulls every blob of one image and checks the manifest digest: proof that pull access works. */
async function pullAll(client: DistributionClient, repo: string, tag: string, expectedDigest: string): Promise<void> {
  const manifest = await client.getManifest(repo, tag);
  assert.equal(manifest.digest, expectedDigest);
  const parsed = JSON.parse(manifest.bytes.toString('utf8')) as { config: { digest: string; size: number }; layers: Array<{ digest: string; size: number }> };
  for (const blob of [parsed.config, ...parsed.layers]) await client.fetchBlob(repo, blob.digest, () => undefined, { size: blob.size });
}

describe('parseWwwAuthenticate', () => {
  it('reads the distribution bearer challenge, quoted commas and all', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="http://127.0.0.1:1/token",service="reg",scope="repository:a/b:pull,push"'), [
      { scheme: 'bearer', params: { realm: 'http://127.0.0.1:1/token', service: 'reg', scope: 'repository:a/b:pull,push' } },
    ]);
  });
  it('reads several challenges and unquoted values', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm", Bearer realm=https://x/t,error="insufficient_scope"'), [
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'https://x/t', error: 'insufficient_scope' } },
    ]);
  });
});

describe('basic authentication against a real htpasswd registry', { timeout: 300_000 }, () => {
  let work: string;
  let layout: string;
  let registry: EmbeddedRegistry;
  const clients: DistributionClient[] = [];
  const client = (auth?: { username: string; password: string }) => {
    const c = new DistributionClient({ baseUrl: registry.url, auth, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    clients.push(c);
    return c;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-basic-auth-'));
    const file = await htpasswdFile(work, USER, PASSWORD);
    [layout, registry] = await Promise.all([generateTinyLayouts(join(work, 'images')), startEmbeddedRegistry({ auth: { htpasswd: { file } } })]);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('pings, pushes and pulls with the right password', async () => {
    const c = client({ username: USER, password: PASSWORD });
    await c.ping();
    const pushed = await pushLayoutImage(c, layout, 'initial', 'mediawiki/app');
    assert.equal(pushed.manifestDigest, (await readImage(layout, 'initial')).manifestDigest);
    await pullAll(c, 'mediawiki/app', 'initial', pushed.manifestDigest);
    assert.equal(c.stats.retries, 0);
  });

  it("refuses a wrong password with 'registry-auth-refused'", async () => {
    await assert.rejects(client({ username: USER, password: 'wrong' }).ping(), refused(/refused user "deployer"[\s\S]*check the username and password/));
  });

  it('says credentials are needed when none were given', async () => {
    await assert.rejects(client().getManifest('mediawiki/app', 'initial'), refused(/requires credentials/));
  });
});

describe('the bearer token flow against a real registry and a token server', { timeout: 300_000 }, () => {
  let work: string;
  let layout: string;
  let registry: EmbeddedRegistry;
  let tokenServer: Server;
  const tokenRequests: Array<{ scopes: string[]; user: string | undefined }> = [];
  const clients: DistributionClient[] = [];
  const client = (auth?: { username: string; password: string }) => {
    const c = new DistributionClient({ baseUrl: registry.url, auth, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    clients.push(c);
    return c;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-token-auth-'));
    const signer = await selfSignedCertificate(work, 'token-signer');
    tokenServer = await startTokenServer(signer.certificateFile, signer.keyFile, tokenRequests);
    const realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    [layout, registry] = await Promise.all([
      generateTinyLayouts(join(work, 'images')),
      startEmbeddedRegistry({ auth: { token: { realm, service: SERVICE, issuer: ISSUER, rootCertBundleFile: signer.certificateFile } } }),
    ]);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await registry?.stop();
    tokenServer?.close();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('gets tokens from the realm with basic credentials, pushes and pulls, and reuses tokens per scope', async () => {
    const c = client({ username: USER, password: PASSWORD });
    await c.ping();
    const pushed = await pushLayoutImage(c, layout, 'initial', 'mediawiki/app');
    await pullAll(c, 'mediawiki/app', 'initial', pushed.manifestDigest);
    const ours = tokenRequests.filter((r) => r.user === USER);
    assert.ok(ours.some((r) => r.scopes.includes('repository:mediawiki/app:pull,push')), 'a push token was asked for');
    assert.ok(ours.some((r) => r.scopes.length === 0), 'the /v2/ ping took a scope-less token');
    const asked = tokenRequests.length;
    // The same work again: every scope has a cached, unexpired token.
    await c.ping();
    await pushLayoutImage(c, layout, 'initial', 'mediawiki/app');
    await pullAll(c, 'mediawiki/app', 'initial', pushed.manifestDigest);
    assert.equal(tokenRequests.length, asked, 'no new token was fetched');
  });

  it("refuses a wrong password at the token server with 'registry-auth-refused'", async () => {
    await assert.rejects(client({ username: USER, password: 'wrong' }).ping(), refused(/token server .* refused user "deployer"/));
  });

  it("fails with 'registry-auth-refused' when the token grants no access to the repository", async () => {
    const c = client({ username: USER, password: PASSWORD });
    await assert.rejects(c.getManifest('forbidden/app', 'initial'), refused(/401/));
  });

  it('wants credentials for an anonymous client', async () => {
    await assert.rejects(client().getManifest('mediawiki/app', 'initial'), refused(/anonymous request[\s\S]*give a username and password/));
  });
});

/**
 * A token server as the distribution token spec describes it: basic credentials in, an RS256 JWT out,
 * its x5c header carrying the certificate the registry trusts (its rootcertbundle). It grants what is
 * asked, except on repositories under forbidden/.
 */
async function startTokenServer(certificateFile: string, keyFile: string, log: Array<{ scopes: string[]; user: string | undefined }>): Promise<Server> {
  const certificateDer = (await readFile(certificateFile, 'utf8')).replace(/-----[A-Z ]+-----|\s/g, '');
  const key = await readFile(keyFile, 'utf8');
  const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope');
    const [user, password] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(/:(.*)/s);
    log.push({ scopes, user: user === '' ? undefined : user });
    if (url.pathname !== '/token' || url.searchParams.get('service') !== SERVICE) {
      res.writeHead(400).end();
      return;
    }
    if (user !== USER || password !== PASSWORD) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = scopes.flatMap((scope) => {
      const [type = '', name = '', actions = ''] = scope.split(':');
      return name.startsWith('forbidden/') ? [] : [{ type, name, actions: actions.split(',') }];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url({ typ: 'JWT', alg: 'RS256', x5c: [certificateDer] });
    // distribution 2.8 reads `aud` as a single string.
    const claims = b64url({ iss: ISSUER, sub: user, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access });
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), key).toString('base64url');
    const token = `${header}.${claims}.${signature}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}
