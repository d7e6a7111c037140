import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { PlainHttpTransport } from '../../src/registry/plain-http-transport.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { CLI_BIN, REPO_ROOT, runCli } from '../e2e/run-cli.ts';

// The fault itself, not a fake registry: a loopback server that accepts every connection and never says a
// word. Before registry timeouts, `check` against it took 126 s and then blamed an unreachable registry.

let silent: Server;
let silentUrl: string;
const sockets = new Set<Socket>();

// A server that answers a blob's head, sends a tenth of it, then stalls: a registry stuck mid-body.
let stalling: HttpServer;
let stallingUrl: string;
const BLOB_DIGEST = `sha256:${'ab'.repeat(32)}`;

before(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  stalling = createHttpServer((req, res) => {
    if (req.url?.includes('/blobs/') === true) {
      res.writeHead(200, { 'content-length': 1000, 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(100));
      return; // and nothing more
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
  stallingUrl = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  stalling.closeAllConnections();
  await Promise.all([new Promise((resolve) => silent.close(resolve)), new Promise((resolve) => stalling.close(resolve))]);
});

async function rejection(promise: Promise<unknown>): Promise<ShipbenchError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ShipbenchError, `expected a ShipbenchError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('a registry that accepts connections and never answers', () => {
  it('fails a manifest request after the idle limit, naming the request, the host and how to raise the limit', async () => {
    const client = new DistributionClient({ baseUrl: silentUrl, timeouts: { connectMs: 2_000, idleMs: 300 }, retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 20 } });
    try {
      const error = await rejection(client.getManifest('app', 'v1'));
      assert.equal(error.code, 'registry-timeout');
      assert.match(error.message, /GET manifest app:v1/);
      assert.match(error.message, new RegExp(`${silentUrl.replace(/[.:/]/g, '\\$&')} timed out waiting for the response head \\(limit 0\\.3 s, 2 attempts\\)`));
      assert.match(error.hint ?? '', /registry\.timeouts\.idle/);
      assert.match(error.hint ?? '', /--idle-timeout/);
      assert.equal(error.exitCode, 1, 'a stuck registry is a fault of the run, not bad input');
      // A timeout is tried twice, not maxAttempts times: each try already waited the whole limit.
      assert.equal(client.stats.retries, 1);
    } finally {
      await client.close();
    }
  });

  it('fails a blob download the same way (the plain-HTTP transport)', async () => {
    const client = new DistributionClient({ baseUrl: silentUrl, timeouts: { connectMs: 2_000, idleMs: 300 }, retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 20 } });
    try {
      const error = await rejection(client.fetchBlob('app', BLOB_DIGEST, () => undefined));
      assert.equal(error.code, 'registry-timeout');
      assert.match(error.message, /GET blob app@sha256:abab.* timed out waiting for the response head/);
    } finally {
      await client.close();
    }
  });

  it('`check` stops after --idle-timeout with the reason, instead of hanging', { timeout: 60_000 }, async () => {
    // A limit in milliseconds, as a user may give it: the check waits out two attempts of it, not two of a second.
    const result = await runCli(['check', `${silentUrl}/app:v1`, '--idle-timeout', '300ms'], { timeoutMs: 45_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /GET manifest app:v1: the registry at http:\/\/127\.0\.0\.1:\d+ timed out waiting for the response head \(limit 0\.3 s, 2 attempts\)/);
    assert.match(result.stderr, /hint: .*--idle-timeout/);
  });

  it('`check` refuses a timeout that is not a duration, as a usage error', async () => {
    const result = await runCli(['check', `${silentUrl}/app:v1`, '--idle-timeout', 'soon'], { timeoutMs: 45_000 });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--idle-timeout soon: "soon" is not a duration/);
  });
});

describe('a registry that stalls in the middle of a blob', () => {
  it('fails the download after the idle limit, saying it waited for body bytes', async () => {
    const client = new DistributionClient({ baseUrl: stallingUrl, timeouts: { connectMs: 2_000, idleMs: 300 }, retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 20 } });
    let received = 0;
    try {
      const error = await rejection(client.fetchBlob('app', BLOB_DIGEST, (chunk) => void (received += chunk.length), { size: 1000 }));
      assert.equal(error.code, 'registry-timeout');
      assert.match(error.message, /GET blob app@sha256:abab.*: the registry at http:\/\/127\.0\.0\.1:\d+ timed out waiting for the next body bytes \(limit 0\.3 s, 2 attempts\)/);
      assert.equal(received, 100, 'what arrived was delivered once; the resumed request asked for the rest');
    } finally {
      await client.close();
    }
  });
});

describe('a consumer slower than the idle limit', () => {
  it('is not a stalled server: while the body waits for the consumer, no idle limit runs', async () => {
    const big = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-length': 16 * 2 ** 20 });
      res.end(Buffer.alloc(16 * 2 ** 20));
    });
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
    const transport = new PlainHttpTransport({ maxIdlePerOrigin: 1, connectTimeoutMs: 2_000, idleTimeoutMs: 300 });
    try {
      const res = await transport.get(new URL(`http://127.0.0.1:${(big.address() as AddressInfo).port}/blob`), {});
      let bytes = 0;
      for await (const chunk of res.body) {
        // The first chunk, then a pause three times the idle limit: the socket's buffers fill and it pauses.
        if (bytes === 0) await sleep(1_000);
        bytes += chunk.length;
      }
      assert.equal(bytes, 16 * 2 ** 20);
    } finally {
      transport.close();
      big.closeAllConnections();
      await new Promise((resolve) => big.close(resolve));
    }
  });
});

describe('registry.timeouts in a scenario', () => {
  it('resolves to the client\'s limits, with defaults', () => {
    const resolve = (yaml: string) => resolveScenario(parseScenario(yaml, 'inline.yaml'), 'inline.yaml').registry.timeouts;
    assert.deepEqual(resolve('name: t\n'), { connectSeconds: 10, idleSeconds: 30 });
    assert.deepEqual(resolve('name: t\nregistry: { embedded: true, timeouts: { idle: 2m } }\n'), { connectSeconds: 10, idleSeconds: 120 });
    assert.deepEqual(resolve('name: t\nregistry: { url: "http://127.0.0.1:5000", timeouts: { connect: 500ms, idle: 5s } }\n'), { connectSeconds: 0.5, idleSeconds: 5 });
  });

  it('refuses a zero or unitless-nonsense limit with its position', () => {
    assert.throws(() => parseScenario('name: t\nregistry:\n  embedded: true\n  timeouts: { idle: 0s, connect: soon }\n', 'inline.yaml'), (error: unknown) => {
      assert.ok(error instanceof ShipbenchError);
      const problems = error.problems.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}`);
      assert.ok(problems.some((p) => p.endsWith('registry.timeouts.connect')), problems.join(', '));
      assert.ok(problems.some((p) => p.endsWith('registry.timeouts.idle')), problems.join(', '));
      return true;
    });
  });
});

/**
 * A registry address whose SYNs vanish: in a network namespace of the test's own, a route through a veth
 * pair to a neighbour that does not exist (a permanent, made-up MAC), so connect() waits instead of failing.
 * Loopback always connects at once, so the connect limit can only be seen here.
 */
describe('a registry address nothing answers (connect timeout)', { skip: process.getuid?.() === 0 ? false : 'needs root (a network namespace)' }, () => {
  const ns = `sbtest-connect-${process.pid}`;
  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args]);
  before(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    ip('link', 'set', 'lo', 'up');
    ip('link', 'add', 'sbdropa', 'type', 'veth', 'peer', 'name', 'sbdropb');
    ip('link', 'set', 'sbdropa', 'up');
    ip('link', 'set', 'sbdropb', 'up');
    ip('addr', 'add', '10.9.9.1/30', 'dev', 'sbdropa');
    ip('neigh', 'add', '10.9.9.2', 'lladdr', '02:00:00:00:00:01', 'dev', 'sbdropa', 'nud', 'permanent');
    ip('route', 'add', '10.10.10.0/24', 'via', '10.9.9.2');
  });
  after(() => {
    // Deleting the namespace takes its veth pair with it.
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it('`check` stops after --connect-timeout, saying it timed out connecting', { timeout: 60_000 }, async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile('ip', ['netns', 'exec', ns, process.execPath, CLI_BIN, 'check', 'http://10.10.10.1:5000/app:v1', '--connect-timeout', '300ms'], { cwd: REPO_ROOT, timeout: 45_000 } /* far below the kernel's own connect timeout (minutes) */, (error, _stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr });
      });
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /GET manifest app:v1: the registry at http:\/\/10\.10\.10\.1:5000 timed out connecting \(limit 0\.3 s, 2 attempts\)/);
    assert.match(result.stderr, /hint: nothing answered the connection .*--connect-timeout/);
  });
});
