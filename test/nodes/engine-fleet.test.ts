import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import Dockerode from 'dockerode';
import { TeardownRegistry } from '../../src/core/teardown-registry.ts';
import type { ContainerdNode } from '../../src/nodes/engines/containerd-node.ts';
import type { DockerNode } from '../../src/nodes/engines/docker-node.ts';
import { startEngineDaemon } from '../../src/nodes/engines/engine-daemon.ts';
import { startEngineFleet } from '../../src/nodes/engines/engine-fleet.ts';
import { manifestLayers } from '../../src/nodes/engines/manifest-layers.ts';
import { createFleetNetwork } from '../../src/nodes/isolation/fleet-network.ts';
import type { NodeBackend } from '../../src/nodes/node-backend.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import { REPO_ROOT, runCli } from '../e2e/run-cli.ts';
import { addedSince, snapshotHost } from '../support/host-leftovers.ts';
import { smallScenario } from '../support/scenarios.ts';

/**
 * The judges of real engines: three emulated hosts (two Docker Engines, one containerd), each in its own
 * network namespace with a 100 Mbit/s NIC and its own ext4 disk on a loop device, pull a generated image
 * from the real registry running in a namespace of its own. Then nothing may be left on the machine.
 */

const NIC_BITS_PER_SECOND = 100e6;
const REPOSITORY = 'shipbench/tiny-engines';
const isRoot = process.getuid?.() === 0;

describe('emulated hosts with real dockerd and containerd', { skip: isRoot ? false : 'needs root (namespaces, loop devices, cgroups)' }, () => {
  let workDir: string;
  let layoutDir: string;
  const teardown = new TeardownRegistry();
  let before0: ReturnType<typeof snapshotHost>;
  let client: DistributionClient;
  let docker: NodeBackend[] = [];
  let containerd: NodeBackend[] = [];
  const runStartMs = performance.now();
  let registryPid = -1;
  let access: Parameters<typeof startEngineFleet>[0]['registry'];

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'shipbench-engines-'));
    layoutDir = join(workDir, 'images', 'per-component');
    before0 = snapshotHost(workDir);

    const scenario = smallScenario({
      image: { strategies: ['per-component'], repository: REPOSITORY },
      fleet: { nodes: 2, backend: ['docker', 'containerd'], isolation: 'netns', node: { nic: '100Mbit/s', disk: { write: '200MiB/s', read: '200MiB/s', iops: 5000 } } },
    });
    // The images are generated while the fleet starts (its engines mostly wait on their daemons): both are
    // needed only by the pushes below, which come before any test deploys.
    const [generated] = await Promise.all([
      runCli(['generate', join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-engines.yaml'), '--out', join(workDir, 'images')], { timeoutMs: 120_000 }),
      (async () => {
        const network = await createFleetNetwork({ nodeNames: ['node-1', 'node-2'], nicBitsPerSecond: NIC_BITS_PER_SECOND, registryEgressBitsPerSecond: undefined, teardown });
        const registry = await startEmbeddedRegistry({ netns: { path: network.registry.netnsPath, address: network.registry.address, port: 5000 } });
        registryPid = registry.pid;
        teardown.add('registry', () => registry.stop());
        client = new DistributionClient({ baseUrl: registry.url, auth: undefined });
        teardown.add('client', () => client.close());
        access = { client, hostForNodes: `${network.registry.address}:5000`, plainHttp: true, auth: undefined };
        const common = { scenario, network, registry: access, diskBytesPerNode: 1024 ** 3, teardown };
        [docker, containerd] = await Promise.all([
          startEngineFleet({ ...common, backend: 'docker', nodeNames: ['node-1', 'node-2'], workDir: join(workDir, 'docker') }),
          startEngineFleet({ ...common, backend: 'containerd', nodeNames: ['node-1'], workDir: join(workDir, 'containerd') }),
        ]);
      })(),
    ]);
    assert.equal(generated.code, 0, generated.stderr);
    for (const tag of ['initial', 'backport-1']) await pushLayoutImage(client, layoutDir, tag, REPOSITORY);
  });

  after(async () => {
    const failures = await teardown.teardown();
    assert.deepEqual(failures, []);
    // Nothing of the fleet may outlive it.
    assert.deepEqual(addedSince(before0, snapshotHost(workDir), process.pid), {});
    assert.throws(() => process.kill(registryPid, 0), 'the registry process is gone');
    await rm(workDir, { recursive: true, force: true });
  });

  const deployAll = (nodes: readonly NodeBackend[], tag: string) =>
    Promise.all(nodes.map((n) => n.deploy({ repository: REPOSITORY, tag, step: tag, strategy: 'per-component', repeat: 0, runStartMs })));

  test('every node pulls exactly the manifest\'s layers, no faster than its NIC, and holds the image afterwards', async () => {
    const { layers } = await manifestLayers(client, REPOSITORY, 'initial');
    const imageBytes = layers.reduce((n, l) => n + l.size, 0);
    const samples = await deployAll([...docker, ...containerd], 'initial');
    for (const s of samples) {
      assert.equal(s.error, undefined, `${s.node} ${s.backend}: ${s.error}`);
      assert.equal(s.bytesDownloaded, imageBytes, `${s.node} ${s.backend} downloaded the manifest's layer bytes`);
      assert.deepEqual(s.layers.map((l) => l.digest), layers.map((l) => l.digest));
      assert.ok(s.layers.every((l) => l.downloadSeconds > 0), 'every layer was downloaded (cold)');
      assert.ok(s.layers.some((l) => l.unpackSeconds > 0), 'layers were unpacked');
      // The wire carried at least the layer bytes (plus HTTP and TCP overhead) into the node's namespace.
      assert.ok((s.networkBytesReceived ?? 0) >= imageBytes, `${s.node}: ${s.networkBytesReceived} bytes on the NIC < ${imageBytes}`);
      // Shaping holds: the bytes cannot arrive faster than the NIC allows (a lower bound, not a timing).
      assert.ok(s.totalSeconds >= (imageBytes * 8) / NIC_BITS_PER_SECOND, `${s.node} ${s.backend} took ${s.totalSeconds} s for ${imageBytes} bytes`);
      assert.ok(s.bytesWrittenToDisk > 0, 'the node disk (its loop device) saw the writes');
    }
    for (const node of docker) await (node as DockerNode).inspect(REPOSITORY, 'initial');
    for (const node of containerd) assert.ok((await (node as ContainerdNode).images()).some((r) => r.endsWith(`${REPOSITORY}:initial`)));
  });

  test('the next step reuses what the engine kept (caches persist between steps); reset makes the node cold', async () => {
    const firstLayers = (await manifestLayers(client, REPOSITORY, 'initial')).layers;
    const first = new Set(firstLayers.map((l) => l.digest));
    const { layers } = await manifestLayers(client, REPOSITORY, 'backport-1');
    const total = layers.reduce((n, l) => n + l.size, 0);
    // containerd keeps compressed blobs: only blobs it lacks move.
    const newBlobs = layers.filter((l) => !first.has(l.digest)).reduce((n, l) => n + l.size, 0);
    // Docker keeps only unpacked layers, keyed by ChainID: everything above the first changed layer moves again.
    const firstChange = layers.findIndex((l, i) => l.digest !== firstLayers[i]?.digest);
    const aboveChange = layers.slice(firstChange).reduce((n, l) => n + l.size, 0);
    assert.ok(newBlobs > 0 && newBlobs < total, 'the fixture changes some layers, not all');
    const samples = await deployAll([...docker, ...containerd], 'backport-1');
    for (const s of samples) {
      assert.equal(s.error, undefined, s.error);
      assert.equal(s.bytesDownloaded, s.backend === 'docker' ? aboveChange : newBlobs, `${s.node} ${s.backend} moved only what it lacked`);
    }
    await Promise.all([...docker, ...containerd].map((n) => n.reset()));
    await assert.rejects((docker[0] as DockerNode).inspect(REPOSITORY, 'backport-1'));
    assert.deepEqual(await (containerd[0] as ContainerdNode).images(), []);
  });

  test('a daemon that dies mid-pull fails its node only; the other node completes', async () => {
    const [alive, doomed] = docker as [DockerNode, DockerNode];
    await Promise.all([alive.reset(), doomed.reset()]); // cold, so there is a pull to interrupt
    // Killed at its first layer bytes: mid-pull whatever the machine's speed, not after a guessed delay.
    let killed = false;
    const context = { repository: REPOSITORY, tag: 'initial', step: 'initial', strategy: 'per-component', repeat: 0, runStartMs };
    const onBytes = () => {
      if (killed) return;
      killed = true;
      process.kill(doomed.daemonPid(), 'SIGKILL');
    };
    const [ok, failed] = await Promise.all([alive.deploy(context), doomed.deploy({ ...context, onBytes })]);
    assert.ok(killed, 'the doomed node received layer bytes before its daemon died');
    assert.equal(ok?.error, undefined);
    assert.match(failed?.error ?? '', /^dockerd of node-2 was killed by SIGKILL/);
    assert.ok((failed?.totalSeconds ?? 0) >= 0);
  });

  test('fleet.hosts: a Docker Engine reached by its unix socket is a node, and the sample says which', async () => {
    // A daemon outside any namespace stands in for a remote machine; it reaches the registry over the bridge.
    const dir = join(workDir, 'remote');
    await mkdir(dir, { recursive: true });
    const socketPath = join(dir, 'sbe-remote.sock');
    const probe = new Dockerode({ socketPath });
    await startEngineDaemon({
      label: 'remote dockerd',
      command: 'dockerd',
      args: ['--data-root', join(dir, 'root'), '--exec-root', join(dir, 'sbe-exec'), '--pidfile', join(dir, 'd.pid'), '-H', `unix://${socketPath}`, '--bridge=none', '--iptables=false', '--insecure-registry', access.hostForNodes],
      logFile: join(dir, 'dockerd.log'),
      netnsPath: undefined,
      cgroupDir: undefined,
      childPidFiles: [join(dir, 'sbe-exec', 'containerd', 'containerd.pid')],
      ready: async () => (await probe.ping(), true),
      teardown,
    });
    const scenario = smallScenario({ image: { strategies: ['per-component'], repository: REPOSITORY }, fleet: { backend: 'docker', hosts: [{ socket: socketPath }] } });
    const [node] = await startEngineFleet({ scenario, backend: 'docker', nodeNames: ['node-1'], workDir: dir, network: undefined, registry: access, diskBytesPerNode: 0, teardown });
    const [sample] = await deployAll([node as NodeBackend], 'initial');
    assert.equal(sample?.error, undefined, sample?.error);
    assert.equal(sample?.host, `unix://${socketPath}`);
    assert.equal(sample?.backend, 'docker');
    await (node as DockerNode).inspect(REPOSITORY, 'initial');
  });
});
