import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type RequestListener, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readImage } from '../../src/image/oci-layout-reader.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { startEmbeddedRegistry, type EmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { PlainHttpTransport, type PlainHttpResponse } from '../../src/registry/plain-http-transport.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import { generateTinyLayouts } from '../support/registry-process.ts';

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<URL> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

async function readAll(res: PlainHttpResponse): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of res.body) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A raw TCP server answering every request with `answer`, written in small pieces so framing is split anywhere. */
async function rawServer(answer: Buffer, pieceBytes: number): Promise<{ url: URL; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('data', async () => {
      for (let i = 0; i < answer.length; i += pieceBytes) {
        socket.write(answer.subarray(i, i + pieceBytes));
        await new Promise((resolve) => setImmediate(resolve));
      }
      socket.end();
    });
  });
  const url = await listen(server);
  return {
    url,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('plain HTTP transport', () => {
  const transport = new PlainHttpTransport({ maxIdlePerOrigin: 4, connectTimeoutMs: 2_000, idleTimeoutMs: 2_000 });
  const servers: Array<{ close(): void }> = [];
  const serve = async (handler: RequestListener): Promise<{ url: URL; connections: () => number; server: Server }> => {
    let connections = 0;
    const server = createServer(handler);
    server.on('connection', () => connections++);
    servers.push({ close: () => (server.closeAllConnections(), server.close()) });
    return { url: await listen(server), connections: () => connections, server };
  };
  after(() => {
    transport.close();
    for (const s of servers) s.close();
  });

  it('reads a Content-Length body exactly and reuses the connection for the next request', async () => {
    const payload = randomBytes(3 * 2 ** 20 + 17);
    const { url, connections } = await serve((req, res) => {
      res.writeHead(200, { 'content-length': payload.length, 'x-path': req.url ?? '' });
      res.end(payload);
    });
    for (const path of ['/a', '/b?x=1']) {
      const res = await transport.get(new URL(path, url), { accept: '*/*' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-path'], path);
      assert.ok((await readAll(res)).equals(payload));
    }
    assert.equal(connections(), 1, 'keep-alive: one connection for both requests');
  });

  it('decodes a chunked body, from node and from a server splitting every line across reads', async () => {
    const payload = randomBytes(200_000);
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < payload.length; i += 30_001) res.write(payload.subarray(i, i + 30_001));
      res.end();
    });
    assert.ok((await readAll(await transport.get(new URL('/c', url), {}))).equals(payload));

    const body = Buffer.from('hello, chunked world: 0123456789');
    const answer = Buffer.concat([
      Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'),
      Buffer.from(`7;ext=1\r\n${body.subarray(0, 7).toString()}\r\n${(body.length - 7).toString(16)}\r\n${body.subarray(7).toString()}\r\n0\r\nx-trailer: 1\r\n\r\n`),
    ]);
    for (const piece of [1, 2, 5]) {
      const raw = await rawServer(answer, piece);
      servers.push(raw);
      assert.ok((await readAll(await transport.get(new URL('/split', raw.url), {}))).equals(body), `pieces of ${piece} bytes`);
    }
  });

  it('reads an HTTP/1.0 body that ends with the connection', async () => {
    const raw = await rawServer(Buffer.from('HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nall of it until close'), 4);
    servers.push(raw);
    assert.equal((await readAll(await transport.get(new URL('/', raw.url), {}))).toString(), 'all of it until close');
  });

  it('opens a fresh connection when the server closed the idle one', async () => {
    const { url, connections } = await serve((req, res) => {
      const socket = req.socket;
      res.on('finish', () => setTimeout(() => socket.destroy(), 20));
      res.end('ok');
    });
    assert.equal((await readAll(await transport.get(new URL('/1', url), {}))).toString(), 'ok');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await readAll(await transport.get(new URL('/2', url), {}))).toString(), 'ok');
    assert.equal(connections(), 2);
  });

  it('fails a body cut short with ECONNRESET, and a silent server with ETIMEDOUT', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(100));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const res = await transport.get(new URL('/cut', url), {});
    await assert.rejects(readAll(res), { code: 'ECONNRESET' });

    const quick = new PlainHttpTransport({ maxIdlePerOrigin: 1, connectTimeoutMs: 200, idleTimeoutMs: 200 });
    const silent = await serve(() => undefined);
    await assert.rejects(quick.get(new URL('/', silent.url), {}), { code: 'ETIMEDOUT' });
    quick.close();
  });
});

describe('blob downloads over the plain transport from a real registry', { timeout: 120_000 }, () => {
  let work: string;
  let layout: string;
  let registry: EmbeddedRegistry;
  let storage: Server;
  let front: Server;
  let frontUrl: URL;
  let storageRequests = 0;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-plain-http-'));
    [layout, registry] = await Promise.all([generateTinyLayouts(join(work, 'images')), startEmbeddedRegistry()]);
    const direct = new DistributionClient({ baseUrl: registry.url });
    await pushLayoutImage(direct, layout, 'initial', 'mediawiki/app');
    await direct.close();
    const target = new URL(registry.url);
    // "Storage" on another origin: serves what the registry holds, without Content-Length (so chunked).
    storage = createServer((req, res) => {
      storageRequests++;
      const upstream = request({ host: target.hostname, port: target.port, path: req.url, headers: { range: req.headers.range ?? '' } }, (answer) => {
        const { 'content-length': _dropped, ...headers } = answer.headers;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      });
      upstream.end();
    });
    const storageUrl = await listen(storage);
    // The registry's front: redirects blob GETs to storage, as registries backed by S3 or GCS do.
    front = createServer((req, res) => {
      if (req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) {
        res.writeHead(307, { location: new URL(req.url ?? '/', storageUrl).href }).end();
        return;
      }
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    frontUrl = await listen(front);
  });
  after(async () => {
    front?.closeAllConnections();
    front?.close();
    storage?.closeAllConnections();
    storage?.close();
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('follows the redirect to storage and verifies every chunked blob', async () => {
    const image = await readImage(layout, 'initial');
    const client = new DistributionClient({ baseUrl: frontUrl.origin });
    try {
      for (const blob of [image.manifest.config, ...image.manifest.layers]) {
        const hash = createHash('sha256');
        const { bytes } = await client.fetchBlob('mediawiki/app', blob.digest, (chunk) => void hash.update(chunk), { size: blob.size });
        assert.equal(bytes, blob.size);
        assert.equal(`sha256:${hash.digest('hex')}`, blob.digest);
      }
      assert.equal(storageRequests, image.manifest.layers.length + 1);
      assert.equal(client.stats.retries, 0);
    } finally {
      await client.close();
    }
  });
});
