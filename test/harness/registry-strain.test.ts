import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { RegistryStrainMeter } from '../../src/harness/registry-strain-meter.ts';
import { VirtualNode } from '../../src/nodes/virtual-node.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import { processAlive } from '../support/live-processes.ts';
import { generateTinyLayouts } from '../support/registry-process.ts';

/** Registry strain from the real embedded registry: /proc/PID, its access log, and the clients' own counts. */
describe('registry strain', { timeout: 180_000 }, () => {
  let work: string;
  let registry: EmbeddedRegistry;
  const runStartMs = performance.now();
  const node = (name: string, maxConcurrentDownloads = 3) =>
    new VirtualNode({ name, dir: join(work, 'nodes', name), registryUrl: registry.url, auth: undefined, maxConcurrentDownloads, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined, unpack: false });
  const meter = (nodes: readonly VirtualNode[]) =>
    new RegistryStrainMeter({ pid: registry.pid, served: registry.served, settle: () => registry.settle(), clients: () => nodes.map((n) => n.registrySeen), runStartMs, intervalMs: 50 });

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-strain-'));
    await generateTinyLayouts(join(work, 'images'));
    registry = await startEmbeddedRegistry();
    const client = new DistributionClient({ baseUrl: registry.url });
    for (const tag of ['initial', 'backport-1']) await pushLayoutImage(client, join(work, 'images', 'monolithic'), tag, 't/monolithic');
    await client.close();
  });
  after(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('records CPU, RSS and connections per step, and counts exactly the requests the clients made', async () => {
    const nodes = [node('a'), node('b')];
    await Promise.all(nodes.map((n) => n.reset()));
    for (const tag of ['initial', 'backport-1']) {
      const m = meter(nodes);
      m.start();
      const samples = await Promise.all(nodes.map((n) => n.deploy({ repository: 't/monolithic', tag, step: tag, strategy: 'monolithic', repeat: 0, runStartMs })));
      const strain = await m.stop();
      assert.ok(samples.every((s) => s.error === undefined));
      assert.ok(strain.process !== undefined && strain.served !== undefined && strain.client !== undefined);
      assert.ok(strain.process.cpuSeconds > 0, `cpu ${strain.process.cpuSeconds}`);
      assert.ok(strain.process.peakRssBytes > 1024 * 1024, `rss ${strain.process.peakRssBytes}`);
      assert.equal(strain.process.exitedDuringStep, undefined);
      // Manifest, config and every layer of two nodes, as the registry logged them and as the clients sent them.
      assert.ok(strain.served.requests >= 2 * 3);
      assert.equal(strain.served.requests, strain.client.requests);
      const downloaded = samples.reduce((n, s) => n + s.bytesDownloaded, 0);
      assert.ok(strain.served.bytesServed >= downloaded, `${strain.served.bytesServed} served, ${downloaded} layer bytes`);
      assert.ok(strain.cpuSecondsPerGiB !== null && strain.cpuSecondsPerGiB > 0);
      assert.ok(strain.client.meanLatencySeconds > 0 && strain.client.maxLatencySeconds >= strain.client.meanLatencySeconds);
      assert.equal(strain.client.serverErrors + strain.client.throttled + strain.client.networkErrors, 0);
    }
    await Promise.all(nodes.map((n) => n.close()));
  });

  it('a registry that dies mid-step leaves the figures read before its death, marked', async () => {
    // One download at a time: the image's second layer is asked for only after the registry is dead. With three,
    // its 4 MB could all sit in the socket's buffer before the kill, and the node finish without the registry.
    const n = node('c', 1);
    await n.reset();
    const m = meter([n]);
    m.start();
    let killed = false;
    const sample = await n.deploy({
      repository: 't/monolithic',
      tag: 'initial',
      step: 'initial',
      strategy: 'monolithic',
      repeat: 0,
      runStartMs,
      // The first layer bytes: the manifest and config were served; kill it now.
      onBytes: () => {
        if (killed) return;
        killed = true;
        process.kill(registry.pid, 'SIGKILL');
        // Dead before the node goes on (its sockets closed): wait, synchronously, for the kernel to make it a zombie.
        while (processAlive(registry.pid)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      },
    });
    const strain = await m.stop();
    assert.ok(sample.error !== undefined, 'the node failed');
    assert.equal(strain.process?.exitedDuringStep, true);
    assert.ok((strain.process?.peakRssBytes ?? 0) > 0);
    // The manifest and config requests the registry logged before it died are kept.
    assert.ok((strain.served?.requests ?? 0) >= 2, `served ${strain.served?.requests}`);
    assert.ok((strain.client?.networkErrors ?? 0) > 0 || (strain.client?.requests ?? 0) > 0);
    await n.close();
  });
});
