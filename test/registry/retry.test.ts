import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { readImage } from '../../src/image/oci-layout-reader.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { startEmbeddedRegistry, type EmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from '../../src/registry/retry-policy.ts';
import { generateTinyLayouts } from '../support/registry-process.ts';

/** What the proxy does with one request: pass it on, answer it itself, or pass on and cut the answer short. */
type Verdict = 'forward' | { status: number; headers?: Record<string, string> } | { cutAfterBytes: number };

/**
 * A loopback HTTP proxy in front of the real registry that misbehaves on cue. It keeps the Host header,
 * so the registry's upload Locations point back through it.
 */
class FaultyProxy {
  readonly seen: Array<{ method: string; path: string; range: string | undefined }> = [];
  rule: (req: IncomingMessage, index: number) => Verdict = () => 'forward';
  /** Rewrite the registry's absolute Location headers to paths, as some registries send them. */
  relativeLocations = false;
  private server: Server | undefined;

  constructor(private readonly target: URL) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const index = this.seen.length;
      this.seen.push({ method: req.method ?? '', path: req.url ?? '', range: req.headers.range });
      const verdict = this.rule(req, index);
      if (verdict !== 'forward' && 'status' in verdict) {
        req.resume();
        res.writeHead(verdict.status, { 'content-type': 'application/json', ...verdict.headers }).end('{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}');
        return;
      }
      const upstream = request({ host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const headers = { ...answer.headers };
        if (this.relativeLocations && typeof headers.location === 'string') headers.location = new URL(headers.location).pathname + new URL(headers.location).search;
        res.writeHead(answer.statusCode ?? 502, headers);
        if (verdict === 'forward') {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          const room = verdict.cutAfterBytes - sent;
          if (room <= 0) return;
          res.write(chunk.subarray(0, room));
          sent += Math.min(room, chunk.length);
          if (sent >= verdict.cutAfterBytes) {
            // Mid-body: the client sees its connection reset.
            answer.destroy();
            res.socket?.destroy();
          }
        });
        answer.on('end', () => res.end());
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}

const FAST_RETRIES: RetryPolicy = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function pullAll(client: DistributionClient, repo: string, tag: string): Promise<string> {
  const manifest = await client.getManifest(repo, tag);
  const parsed = JSON.parse(manifest.bytes.toString('utf8')) as { config: { digest: string; size: number }; layers: Array<{ digest: string; size: number }> };
  for (const blob of [parsed.config, ...parsed.layers]) await client.fetchBlob(repo, blob.digest, () => undefined, { size: blob.size });
  return manifest.digest;
}

describe('retryDelayMs', () => {
  it('backs off exponentially with jitter, capped, and honours Retry-After', () => {
    const half: RetryPolicy = { ...DEFAULT_RETRY_POLICY, random: () => 0.5 };
    assert.deepEqual([1, 2, 3, 4].map((a) => retryDelayMs(half, a)), [75, 150, 300, 600]);
    assert.equal(retryDelayMs({ ...half, maxDelayMs: 250 }, 10), 188);
    assert.equal(retryDelayMs({ ...DEFAULT_RETRY_POLICY, random: () => 0 }, 3), 200, 'never less than half the step');
    assert.equal(retryDelayMs(half, 1, 2), 2000);
    assert.equal(retryDelayMs(half, 1, 60), DEFAULT_RETRY_POLICY.maxDelayMs);
  });
});

describe('retries through a faulty proxy in front of a real registry', { timeout: 300_000 }, () => {
  let work: string;
  let layout: string;
  let registry: EmbeddedRegistry;
  let proxy: FaultyProxy;
  let proxyUrl: string;
  let manifestDigest: string;
  const clients: DistributionClient[] = [];
  const client = (retry: RetryPolicy = FAST_RETRIES) => {
    const c = new DistributionClient({ baseUrl: proxyUrl, retry });
    clients.push(c);
    return c;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-retry-'));
    [layout, registry] = await Promise.all([generateTinyLayouts(join(work, 'images')), startEmbeddedRegistry()]);
    const direct = new DistributionClient({ baseUrl: registry.url });
    manifestDigest = (await pushLayoutImage(direct, layout, 'initial', 'mediawiki/app')).manifestDigest;
    await direct.close();
    proxy = new FaultyProxy(new URL(registry.url));
    proxyUrl = await proxy.start();
  });
  after(async () => {
    for (const c of clients) await c.close();
    await proxy?.stop();
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  for (const failures of [1, 3]) {
    it(`pulls through ${failures} injected 503s and counts ${failures} retries`, async () => {
      const start = proxy.seen.length;
      proxy.rule = (_req, index) => (index - start < failures ? { status: 503 } : 'forward');
      const c = client();
      assert.equal(await pullAll(c, 'mediawiki/app', 'initial'), manifestDigest);
      assert.equal(c.stats.retries, failures);
      // Registry strain as a client sees any registry: every 5xx counted, every request timed.
      assert.equal(c.stats.seen.serverErrors, failures);
      assert.equal(c.stats.seen.requests, c.stats.requests);
      assert.ok(c.stats.seen.latencySecondsMax > 0);
    });
  }

  it('retries a 429 after its Retry-After', async () => {
    const start = proxy.seen.length;
    proxy.rule = (_req, index) => (index - start === 0 ? { status: 429, headers: { 'retry-after': '0' } } : 'forward');
    const c = client();
    await pullAll(c, 'mediawiki/app', 'initial');
    assert.equal(c.stats.retries, 1);
    assert.equal(c.stats.seen.throttled, 1);
  });

  it("gives up with 'registry-unavailable' after maxAttempts, having retried maxAttempts - 1 times", async () => {
    proxy.rule = () => ({ status: 503 });
    const c = client({ ...FAST_RETRIES, maxAttempts: 3 });
    await assert.rejects(c.getManifest('mediawiki/app', 'initial'), (error: unknown) => {
      assert.ok(error instanceof ShipbenchError);
      assert.equal(error.code, 'registry-unavailable');
      assert.match(error.message, /answered 503 3 times/);
      return true;
    });
    assert.equal(c.stats.retries, 2);
  });

  it('does not retry a 4xx', async () => {
    proxy.rule = () => ({ status: 400 });
    const c = client();
    await assert.rejects(c.getManifest('mediawiki/app', 'initial'), (error: unknown) => error instanceof ShipbenchError && error.code === 'registry-request-failed');
    assert.equal(c.stats.retries, 0);
  });

  it('resumes a blob download whose connection is reset mid-body, delivering each byte once', async () => {
    const image = await readImage(layout, 'initial');
    const layer = image.manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
    let cut = false;
    const start = proxy.seen.length;
    proxy.rule = (req) => {
      if (!cut && req.method === 'GET' && req.url?.endsWith(layer.digest)) {
        cut = true;
        return { cutAfterBytes: Math.floor(layer.size / 3) };
      }
      return 'forward';
    };
    const c = client();
    const hash = createHash('sha256');
    let delivered = 0;
    const { bytes } = await c.fetchBlob('mediawiki/app', layer.digest, (chunk) => void hash.update(chunk), { size: layer.size, onBytes: (n) => (delivered += n) });
    assert.equal(bytes, layer.size);
    assert.equal(delivered, layer.size);
    assert.equal(`sha256:${hash.digest('hex')}`, layer.digest);
    assert.equal(c.stats.retries, 1);
    const gets = proxy.seen.slice(start).filter((r) => r.method === 'GET');
    assert.equal(gets.length, 2);
    // Bytes the proxy wrote just before the reset may never arrive: the resume point is at most the cut.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= Math.floor(layer.size / 3), `the retry asked for the rest only (${gets[1]?.range})`);
  });

  it('follows relative upload Locations, monolithic and chunked', async () => {
    proxy.rule = () => 'forward';
    proxy.relativeLocations = true;
    try {
      const start = proxy.seen.length;
      const c = client();
      for (const chunkBytes of [undefined, 50_000]) {
        const bytes = randomBytes(120_000);
        const digest = sha256(bytes);
        await c.pushBlob('relative/upload', digest, bytes.length, () => Readable.from([bytes]), { chunkBytes });
        assert.equal(await c.blobExists('relative/upload', digest), true);
      }
      assert.ok(proxy.seen.slice(start).some((r) => r.method === 'PATCH'));
    } finally {
      proxy.relativeLocations = false;
    }
  });

  it('restarts an upload whose PATCH got a 503, and the blob lands with its digest', async () => {
    const bytes = randomBytes(300_000);
    const digest = sha256(bytes);
    let failed = false;
    proxy.rule = (req) => {
      if (!failed && req.method === 'PATCH') {
        failed = true;
        return { status: 503 };
      }
      return 'forward';
    };
    const c = client();
    assert.deepEqual(await c.pushBlob('retry/upload', digest, bytes.length, () => Readable.from([bytes]), { chunkBytes: 100_000 }), { skipped: false });
    assert.equal(c.stats.retries, 1);
    proxy.rule = () => 'forward';
    const chunks: Buffer[] = [];
    await c.fetchBlob('retry/upload', digest, (chunk) => void chunks.push(chunk));
    assert.deepEqual(Buffer.concat(chunks), bytes);
  });
});
