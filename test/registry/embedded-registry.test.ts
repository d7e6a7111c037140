import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { REPO_ROOT } from '../e2e/run-cli.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

const exists = (path: string) => access(path).then(() => true, () => false);

describe('embedded registry', { timeout: 60_000 }, () => {
  const work: string[] = [];
  after(async () => {
    for (const dir of work) await rm(dir, { recursive: true, force: true });
  });

  it('starts on a free loopback port, answers /v2/, and stop() leaves no process and no temp dir', async () => {
    const registry = await startEmbeddedRegistry();
    const tempDir = dirname(registry.storageDir);
    try {
      assert.match(registry.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(registry.url, `http://127.0.0.1:${registry.port}`);
      assert.match(registry.version, /^2\.\d+\.\d+/);
      assert.ok(isAlive(registry.pid));
      assert.ok(await exists(registry.storageDir));
      const client = new DistributionClient({ baseUrl: registry.url });
      assert.deepEqual(await client.ping(), { apiVersion: 'registry/2.0' });
      await client.close();
    } finally {
      await registry.stop();
    }
    assert.equal(isAlive(registry.pid), false, 'the registry process is gone');
    assert.equal(await exists(tempDir), false, 'its temp dir is gone');
    await registry.stop(); // a second stop is harmless
  });

  it('runs several at once, each on its own port', async () => {
    const registries = await Promise.all([startEmbeddedRegistry(), startEmbeddedRegistry(), startEmbeddedRegistry()]);
    try {
      assert.equal(new Set(registries.map((r) => r.port)).size, 3);
    } finally {
      await Promise.all(registries.map((r) => r.stop()));
    }
  });

  it('keeps a caller-given storage dir after stop', async () => {
    const storageDir = await mkdtemp(join(tmpdir(), 'shipbench-storage-'));
    work.push(storageDir);
    const registry = await startEmbeddedRegistry({ storageDir });
    await registry.stop();
    assert.ok(await exists(storageDir));
  });

  it('names the Debian package when the binary is missing', async () => {
    await assert.rejects(startEmbeddedRegistry({ binary: '/nonexistent/docker-registry' }), (error: unknown) => {
      assert.ok(error instanceof ShipbenchError);
      assert.equal(error.code, 'registry-not-installed');
      assert.match(error.hint ?? '', /apt-get install docker-registry/);
      return true;
    });
  });

  for (const sent of ['SIGINT', 'SIGTERM'] as const) {
    it(`leaves no registry and no temp dir behind when its process gets ${sent}`, async () => {
      // A child that starts a registry, reports it, then waits to be interrupted.
      const script = [
        "import { startEmbeddedRegistry } from './src/registry/embedded-registry.ts';",
        'const r = await startEmbeddedRegistry();',
        'console.log(JSON.stringify({ pid: r.pid, storageDir: r.storageDir }));',
        'setInterval(() => {}, 1000);',
      ].join('\n');
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const { pid, storageDir } = JSON.parse(line.toString()) as { pid: number; storageDir: string };
      assert.ok(isAlive(pid));
      child.kill(sent);
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      assert.equal(signal, sent, `died of the signal (code ${code}, signal ${signal})`);
      for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(isAlive(pid), false, 'the registry died with its parent');
      assert.equal(await exists(dirname(storageDir)), false, 'its temp dir is gone');
    });
  }
});
