import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { NodeStepSample } from '../../src/metrics/samples.ts';
import type { Lane } from '../../src/harness/mechanism.ts';
import { runRollouts } from '../../src/harness/rollout-skeleton.ts';
import { createVirtualNodes } from '../../src/nodes/backends/virtual-backend.ts';
import { fleetNodeNames } from '../../src/scenario/fleet-node-names.ts';
import { VirtualNode, type VirtualNodeOptions } from '../../src/nodes/virtual-node.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import { buildUmociImage } from '../support/umoci-images.ts';
import { smallScenario } from '../support/scenarios.ts';

// Faults under virtual nodes, against the real registry: a node disk that fills up mid-unpack, the registry
// killed mid-pull, and a run interrupted while hundreds of nodes fail. Each must end as a failed (or
// unmeasured) node with its cause, promptly, never as a crash or a hang.

const MiB = 2 ** 20;
const REPO = 'faults/app';

describe('node faults', { timeout: 300_000 }, () => {
  let work: string;
  let registry: EmbeddedRegistry;
  const mounts: string[] = [];

  const nodeOptions = (name: string, dir: string, extra: Partial<VirtualNodeOptions> = {}): VirtualNodeOptions => ({
    name,
    dir,
    registryUrl: registry.url,
    auth: undefined,
    maxConcurrentDownloads: 3,
    nicBitsPerSecond: undefined,
    diskWriteBytesPerSecond: undefined,
    unpack: true,
    ...extra,
  });
  const deploy = (node: VirtualNode, tag: string, onBytes?: (n: number) => void) =>
    node.deploy({ repository: REPO, tag, step: tag, strategy: 'faults', repeat: 0, runStartMs: performance.now(), ...(onBytes === undefined ? {} : { onBytes }) });

  /** A tmpfs of `bytes` at a fresh dir: a node disk that fills up. */
  async function smallDisk(name: string, bytes: number): Promise<string> {
    const dir = join(work, 'disks', name);
    await mkdir(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, `shipbench-test-${name}`, dir]);
    mounts.push(dir);
    return dir;
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-node-faults-'));
    // Three layers of incompressible bytes (blob sizes = unpacked sizes): 1 MiB, 1 MiB, then 4 MiB.
    const layout = join(work, 'layout');
    await buildUmociImage(layout, [
      { tag: 'one', changes: [{ write: 'srv/a.bin', bytes: MiB }] },
      { tag: 'two', changes: [{ write: 'srv/b.bin', bytes: MiB }] },
      { tag: 'three', changes: [{ write: 'srv/c.bin', bytes: 4 * MiB }] },
    ]);
    registry = await startEmbeddedRegistry();
    const client = new DistributionClient({ baseUrl: registry.url });
    await pushLayoutImage(client, layout, 'three', REPO);
    await client.close();
  });

  after(async () => {
    for (const dir of mounts.reverse()) execFileSync('umount', [dir]);
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('a node disk that fills up mid-unpack fails the node with how much was free and what the layer needs', async (t) => {
    // 6 MiB of blobs land; the first two layers unpack (8 MiB used); the 4 MiB layer finds about 1 MiB free.
    const disk = await smallDisk('unpack', 9 * MiB);
    const node = new VirtualNode(nodeOptions('full-unpack', join(disk, 'node')));
    await node.reset();
    const sample = await deploy(node, 'three');
    await node.close();
    t.diagnostic(sample.error ?? '');
    assert.match(sample.error ?? '', /^node disk full: [\d.]+ (B|KiB|MiB) \((\d+) bytes\) free, layer sha256:[0-9a-f]{64} needs 4\.\d+ MiB \((\d+) bytes\) unpacked/, sample.error);
    const [, free, needed] = /\((\d+) bytes\) free.*\((\d+) bytes\) unpacked/.exec(sample.error ?? '') ?? [];
    assert.ok(Number(free) < Number(needed), `${free} free < ${needed} needed`);
    assert.ok(Number(needed) >= 4 * MiB);
    // What it did before the disk filled is kept: three downloads, two unpacked layers.
    assert.ok(sample.bytesDownloaded >= 6 * MiB, `${sample.bytesDownloaded} bytes downloaded`);
    assert.equal(sample.layers.length, 2, 'the two layers that were unpacked are in the sample');
  });

  it('a node disk too small for the blobs fails the node with what the blob needs', async () => {
    const disk = await smallDisk('download', MiB / 2);
    const node = new VirtualNode(nodeOptions('full-download', join(disk, 'node'), { maxConcurrentDownloads: 1 }));
    await node.reset();
    const sample = await deploy(node, 'three');
    await node.close();
    assert.match(sample.error ?? '', /^node disk full: .* \((\d+) bytes\) free, blob sha256:[0-9a-f]{64} needs 1\.00 MiB \((\d+) bytes\)/, sample.error);
    // The partial blob was removed: a disk left full would fail every later step too.
    assert.deepEqual((await readdir(join(disk, 'node', 'content'))).filter((n) => n.startsWith('.partial-')), []);
  });

  it('an interrupted run with hundreds of failing nodes stops at once: queued nodes do not start, running ones stop retrying', { timeout: 60_000 }, async (t) => {
    // The fault: a registry that accepts and never answers. Without the interruption reaching the nodes,
    // each would wait out its 30 s idle limit, twice, and 300 nodes 50 at a time would take minutes.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const abort = new AbortController();
    const steps: Array<{ nodes: number; samples: NodeStepSample[] }> = [];
    try {
      const scenario = smallScenario({ fleet: { nodes: 300, rollout: { maxConcurrent: 50 } }, deploy: ['initial', 'train'] });
      const started = performance.now();
      setTimeout(() => abort.abort(), 1_000);
      // The harness's one rollout skeleton drives the virtual nodes, as `run` does.
      const names = fleetNodeNames(300);
      const registryUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const nodes = createVirtualNodes(scenario, names, (n) => join(work, 'fleet', 'nodes', n), registryUrl, undefined);
      const byName = new Map(nodes.map((n) => [n.name, n]));
      const lane: Lane = {
        label: 'monolithic',
        steps: ['initial', 'train'],
        reset: async () => void (await Promise.all(nodes.map((n) => n.reset()))),
        deployStep: (_, id) => ({
          begin: async () => undefined,
          deployNode: (node) => byName.get(node.name)!.deploy({ repository: REPO, tag: id.step, step: id.step, strategy: id.strategy, repeat: id.repeat, runStartMs: started, signal: abort.signal }),
          end: () => ({ makespanSeconds: 0, registryBytesServed: 0, retries: 0, throughput: { name: 'aggregate download', unit: 'bytes/s', points: [] } }),
        }),
      };
      const outcome = await runRollouts([lane], {
        scenario,
        nodeNames: names,
        diskDevice: undefined,
        runStartMs: started,
        signal: abort.signal,
        onEvent: () => undefined,
        onStep: async (result, samples) => void steps.push({ nodes: result.nodes, samples }),
      }).finally(() => Promise.all(nodes.map((n) => n.close())));
      assert.equal(outcome.stoppedBecause, 'interrupted');
      // No node finished, and a node cut short is not a failed measurement: nothing of the step is recorded,
      // and the next step never starts.
      assert.ok(steps.length <= 1, `${steps.length} steps recorded`);
      assert.deepEqual(steps.flatMap((x) => x.samples), []);
      const seconds = (performance.now() - started) / 1000;
      t.diagnostic(`300 nodes, 50 at a time, interrupted after 1 s: rollouts returned after ${seconds.toFixed(2)} s`);
      assert.ok(seconds < 25, 'stopped before the first idle limit (30 s) ran out');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  // Last: it kills the file's registry.
  it('the registry killed mid-pull: the node retries per the retry policy, then fails with the cause and keeps what it received', async (t) => {
    // One download at a time, 8 Mbit/s: the kill lands while the first layer streams in, and the layers
    // after it are still to be asked for (the kernel's socket buffers may hold the rest of the first).
    const node = new VirtualNode(nodeOptions('killed', join(work, 'nodes', 'killed'), { nicBitsPerSecond: 8_000_000, maxConcurrentDownloads: 1 }));
    await node.reset();
    let received = 0;
    let atKill = 0;
    const sample = await deploy(node, 'three', (n) => {
      received += n;
      if (atKill === 0 && received >= MiB / 4) {
        atKill = received;
        process.kill(registry.pid, 'SIGKILL');
      }
    });
    await node.close();
    t.diagnostic(`${sample.error ?? ''}; ${node.retries} retries; ${sample.bytesDownloaded} bytes received (${atKill} at the kill)`);
    assert.ok(atKill > 0, 'the registry was killed while the node pulled');
    assert.match(sample.error ?? '', /cannot reach the registry at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED, 4 attempts\)/, sample.error);
    assert.ok(node.retries >= 3, `${node.retries} retries (maxAttempts 4: three retries per request)`);
    assert.equal(sample.bytesDownloaded, received, 'every layer byte received, before and after the kill, is in the sample');
    assert.ok(sample.bytesDownloaded >= atKill);
    assert.ok(sample.bytesDownloaded < 6 * MiB);
    assert.ok(sample.manifestSeconds > 0 && sample.totalSeconds > sample.manifestSeconds);
  });
});
