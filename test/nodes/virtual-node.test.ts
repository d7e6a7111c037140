import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { TeardownRegistry } from '../../src/core/teardown-registry.ts';
import { startVirtualBackend } from '../../src/nodes/backends/virtual-backend.ts';
import { hostCommand } from '../../src/nodes/isolation/host-command.ts';
import { RUNTIME_EMULATIONS } from '../../src/nodes/runtime-emulation.ts';
import { VirtualNode, type VirtualNodeOptions } from '../../src/nodes/virtual-node.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { generateTinyLayouts } from '../support/registry-process.ts';

/** The mount a path lies on (the longest mount point above it), from /proc/self/mountinfo. */
function mountOf(path: string): { point: string; fstype: string; source: string } {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l !== '').map((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const [fstype = '', source = ''] = right.split(' ');
    return { point: left.split(' ')[4] ?? '', fstype, source };
  });
  return mounts.filter((m) => path === m.point || path.startsWith(m.point === '/' ? '/' : `${m.point}/`)).sort((a, b) => b.point.length - a.point.length)[0] as { point: string; fstype: string; source: string };
}

/** What a TokenBucket lets through at once before it starts to meter (1/20 s of traffic, at least 64 KiB). */
const burstBytes = (bytesPerSecond: number) => Math.max(64 * 1024, bytesPerSecond / 20);

/** Virtual nodes against the real registry, with real layouts written by `shipbench generate`. */
describe('virtual node', { timeout: 300_000 }, () => {
  let work: string;
  let registry: EmbeddedRegistry;
  /** Where the unpigz on PATH (the real one, behind a wrapper) notes each blob it decompresses. */
  let unpigzLog: string;
  const nodeOptions = (name: string, extra: Partial<VirtualNodeOptions> = {}): VirtualNodeOptions => ({
    name,
    dir: join(work, 'nodes', name),
    registryUrl: registry.url,
    auth: undefined,
    maxConcurrentDownloads: 3,
    nicBitsPerSecond: undefined,
    diskWriteBytesPerSecond: undefined,
    unpack: true,
    ...extra,
  });
  const deploy = (node: VirtualNode, repository: string, tag: string) =>
    node.deploy({ repository, tag, step: tag, strategy: repository, repeat: 0, runStartMs: performance.now() });

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-vnode-'));
    // Before any pull looks unpigz up (once per process): a wrapper first on PATH notes its blob, then runs the real one.
    const real = execFileSync('sh', ['-c', 'command -v unpigz'], { encoding: 'utf8' }).trim();
    unpigzLog = join(work, 'unpigz.log');
    await mkdir(join(work, 'bin'));
    await writeFile(join(work, 'bin', 'unpigz'), `#!/bin/sh\nfor a; do blob="$a"; done\necho "$blob" >> '${unpigzLog}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    process.env.PATH = `${join(work, 'bin')}:${process.env.PATH ?? ''}`;
    await generateTinyLayouts(join(work, 'images'));
    const layouts = join(work, 'images');
    registry = await startEmbeddedRegistry();
    const client = new DistributionClient({ baseUrl: registry.url });
    for (const strategy of ['per-version', 'monolithic']) {
      for (const tag of ['initial', 'backport-1', 'config-1']) await pushLayoutImage(client, join(layouts, strategy), tag, `t/${strategy}`);
    }
    await client.close();
  });
  after(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('pulls cold, then only what a deploy changed; a change low in the stack re-unpacks the layers above it', async () => {
    const node = new VirtualNode(nodeOptions('a'));
    await node.reset();
    const initial = await deploy(node, 't/per-version', 'initial');
    assert.equal(initial.error, undefined);
    assert.ok(initial.layers.length >= 4 && initial.layers.every((l) => l.downloadSeconds > 0 && l.files > 0));
    assert.ok(initial.bytesWrittenToDisk > initial.bytesDownloaded, 'blobs plus unpacked files');

    const backport = await deploy(node, 't/per-version', 'backport-1');
    assert.equal(backport.error, undefined);
    const fetched = backport.layers.filter((l) => l.downloadSeconds > 0);
    assert.equal(fetched.length, 1, 'only the newest branch layer is new');
    const changedAt = backport.layers.findIndex((l) => l.downloadSeconds > 0);
    // Layers below the change keep their snapshots; the changed one and every one above it are unpacked again.
    assert.ok(backport.layers.slice(0, changedAt).every((l) => l.unpackSeconds === 0));
    assert.ok(backport.layers.slice(changedAt).every((l) => l.unpackSeconds > 0));
    assert.equal(backport.bytesDownloaded, fetched[0]?.bytes);

    const config = await deploy(node, 't/per-version', 'config-1');
    assert.equal(config.layers.filter((l) => l.downloadSeconds > 0).length, 1);
    assert.ok(config.layers.slice(0, -1).every((l) => l.unpackSeconds === 0), 'only the top layer is unpacked');
    await node.close();
  });

  it('emulates docker: keeps no blobs, downloads again every layer above a change (moby pull_v2.go, xfer/download.go), and a layerdb record goes with its layer', async () => {
    // Keep one image: the backport's GC removes the layers only the initial image had, records included.
    const node = new VirtualNode(nodeOptions('docker', { runtime: 'docker', imageGC: { kind: 'keep-last', images: 1 } }));
    await node.reset();
    const initial = await deploy(node, 't/per-version', 'initial');
    assert.equal(initial.error, undefined);
    // The GetImageBlob temp files are gone once each layer is registered; no content store is kept.
    assert.deepEqual(await readdir(join(work, 'nodes', 'docker', 'tmp', 'sha256')), []);
    assert.deepEqual(await readdir(join(work, 'nodes', 'docker', 'content')).catch(() => []), []);
    const backport = await deploy(node, 't/per-version', 'backport-1');
    assert.equal(backport.error, undefined);
    const changedAt = backport.layers.findIndex((l, i) => l.digest !== initial.layers[i]?.digest);
    assert.ok(changedAt > 0 && changedAt < backport.layers.length - 1, 'the fixture changes a middle layer');
    // ChainIDs above the change are new, and docker has no blob to unpack them from: download and unpack again.
    assert.ok(backport.layers.slice(0, changedAt).every((l) => l.downloadSeconds === 0 && l.unpackSeconds === 0));
    assert.ok(backport.layers.slice(changedAt).every((l) => l.downloadSeconds > 0 && l.unpackSeconds > 0));
    assert.equal(backport.bytesDownloaded, backport.layers.slice(changedAt).reduce((n, l) => n + l.bytes, 0));
    assert.equal(backport.nodeDisk?.gcImagesRemoved, 1);
    const nodeDir = join(work, 'nodes', 'docker');
    const records = await readdir(join(nodeDir, 'layerdb', 'sha256'));
    assert.deepEqual(records.sort(), (await readdir(join(nodeDir, 'snapshots'))).sort(), 'a record per layer held, none for a layer removed');
    assert.equal(records.length, backport.layers.length);
    // What the node says it holds is all its disk holds (layerdb's records and tar-split streams included).
    let onDisk = 0;
    for (const entry of await readdir(nodeDir, { withFileTypes: true, recursive: true })) if (entry.isFile()) onDisk += (await stat(join(entry.parentPath, entry.name))).size;
    assert.equal(onDisk, backport.nodeDisk?.heldBytes);
    await node.close();
  });

  it('decompresses gzip layers through an unpigz process as both runtimes do: docker every layer, containerd the layers from its size threshold (smaller ones in-process, where a Node spawn would cost more than Go\'s)', async () => {
    const decompressed = async (name: string, extra: Partial<VirtualNodeOptions>) => {
      await rm(unpigzLog, { force: true });
      const node = new VirtualNode(nodeOptions(name, extra));
      await node.reset();
      const sample = await deploy(node, 't/per-version', 'initial');
      await node.close();
      assert.equal(sample.error, undefined);
      const blobs = (await readFile(unpigzLog, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
      return { sample, digests: blobs.map((b) => `sha256:${b.split('/').at(-1)}`).sort() };
    };
    const docker = await decompressed('unpigz-docker', { runtime: 'docker' });
    assert.deepEqual(docker.digests, docker.sample.layers.map((l) => l.digest).sort(), 'dockerd: unpigz for every layer');
    assert.equal(RUNTIME_EMULATIONS.docker.unpigzFromBytes, 0);
    // A threshold between the fixture's layer sizes: the layers at or above it go through unpigz, the rest do not.
    const sizes = docker.sample.layers.map((l) => l.bytes).sort((a, b) => a - b);
    const threshold = sizes[Math.floor(sizes.length / 2)] as number;
    assert.ok(threshold > (sizes[0] as number), 'the fixture has layers of different sizes');
    const containerd = await decompressed('unpigz-containerd', { runtime: 'containerd', emulation: { unpigzFromBytes: threshold } });
    assert.deepEqual(containerd.digests, containerd.sample.layers.filter((l) => l.bytes >= threshold).map((l) => l.digest).sort());
    assert.equal(RUNTIME_EMULATIONS.containerd.unpigzFromBytes, 16 * 2 ** 20);
  });

  /** A cold pull of t/per-version:initial by a fresh node emulating containerd with `emulation`'s rules changed. */
  const coldContainerdPull = async (name: string, emulation: VirtualNodeOptions['emulation']) => {
    const node = new VirtualNode(nodeOptions(name, { runtime: 'containerd', emulation }));
    await node.reset();
    const sample = await deploy(node, 't/per-version', 'initial');
    await node.close();
    assert.equal(sample.error, undefined);
    return sample;
  };

  it("emulates containerd's metadata and content writes: bolt transactions per pull, per blob fetched and per layer applied (two synced pages each), blobs written a full buffer at a time and kept byte for byte", async () => {
    // A buffer of an odd size, so blobs end in a short buffer and cross buffer edges mid-chunk.
    const rules = await coldContainerdPull('bolt-rules', { blobWriteBytes: 7777 });
    const none = await coldContainerdPull('bolt-none', { boltTransactionsPerBlob: 0, boltTransactionsPerPull: 0, blobWriteBytes: 0 });
    const page = 4096;
    const { boltTransactionsPerBlob, boltTransactionsPerPull } = RUNTIME_EMULATIONS.containerd;
    assert.equal(rules.bytesWrittenToDisk - none.bytesWrittenToDisk, 2 * page * (boltTransactionsPerPull + boltTransactionsPerBlob * rules.layers.length));
    for (const layer of rules.layers) {
      const blob = await readFile(join(work, 'nodes', 'bolt-rules', 'content', 'sha256', layer.digest.replace('sha256:', '')));
      assert.equal(`sha256:${createHash('sha256').update(blob).digest('hex')}`, layer.digest);
      assert.equal(blob.length, layer.bytes);
    }
    // A reset node starts with the bolt file a started containerd has (a docker node has none).
    const fresh = new VirtualNode(nodeOptions('bolt-fresh', { runtime: 'containerd' }));
    await fresh.reset();
    assert.equal((await stat(join(work, 'nodes', 'bolt-fresh', 'metadata.db'))).size, 17 * page);
    const dockerNode = new VirtualNode(nodeOptions('bolt-docker', { runtime: 'docker' }));
    await dockerNode.reset();
    await assert.rejects(stat(join(work, 'nodes', 'bolt-docker', 'metadata.db')), { code: 'ENOENT' });
    await Promise.all([fresh.close(), dockerNode.close()]);
    // strace of containerd 1.6.20 while ctr fetches: 5.9 fdatasync per layer blob and 27 per pull; docker syncs no bolt file.
    assert.deepEqual([boltTransactionsPerBlob, boltTransactionsPerPull, RUNTIME_EMULATIONS.containerd.blobWriteBytes], [3, 14, 2 ** 20]);
    assert.deepEqual([RUNTIME_EMULATIONS.docker.boltTransactionsPerBlob, RUNTIME_EMULATIONS.docker.boltTransactionsPerPull, RUNTIME_EMULATIONS.docker.blobWriteBytes], [0, 0, 0]);
  });

  it("emulates ctr's wait for its progress display: containerd unpacks at the first tick after the last blob is fetched", async () => {
    // A tick far longer than the tiny image's downloads, so an unpack that did not wait would start well before it.
    const sample = await coldContainerdPull('tick-containerd', { unpackTickSeconds: 1 });
    const ticked = {
      fetched: Math.max(...sample.layers.map((l) => (l.downloadStartSeconds ?? 0) + l.downloadSeconds)),
      firstUnpack: Math.min(...sample.layers.map((l) => l.unpackStartSeconds ?? Infinity)),
    };
    assert.ok(ticked.firstUnpack >= Math.ceil(ticked.fetched) - 1e-3, `unpack at ${ticked.firstUnpack} s, the last blob fetched at ${ticked.fetched} s`);
  });

  it("ends its node time when the image is ready: the image GC after the pull (kubelet's, apart from pulls) is not in it", async () => {
    const node = new VirtualNode(nodeOptions('gc-time'));
    await node.reset();
    assert.equal((await deploy(node, 't/per-version', 'initial')).error, undefined);
    // A failed deploy's leftover snapshot, which the GC after the next pull deletes: thousands of files, tens of ms or more.
    const leftover = join(work, 'nodes', 'gc-time', 'snapshots', 'f'.repeat(64));
    await mkdir(leftover, { recursive: true });
    for (let i = 0; i < 3000; i++) await writeFile(join(leftover, `f${i}`), 'x');
    const backport = await deploy(node, 't/per-version', 'backport-1');
    await node.close();
    assert.equal(backport.error, undefined);
    assert.equal(await stat(leftover).then(() => true, () => false), false, 'the GC deleted the leftover');
    const last = backport.layers.at(-1)!;
    // Nothing but bookkeeping (no I/O) lies between the last layer's unpack and the end of the node's time.
    assert.ok(Math.abs(backport.totalSeconds - (last.unpackStartSeconds! + last.unpackSeconds)) < 0.01, `node time ${backport.totalSeconds} s, last unpack ended at ${last.unpackStartSeconds! + last.unpackSeconds} s`);
  });

  it('keeps its NIC under node.nic: a limited pull takes at least bytes / rate', async () => {
    // 32 Mbit/s: the 4.4 MB image takes at least 1.05 s through it, five times its unlimited pull here (0.1-0.2 s).
    const node = new VirtualNode(nodeOptions('b', { nicBitsPerSecond: 32e6, unpack: false }));
    await node.reset();
    const t0 = performance.now();
    const sample = await deploy(node, 't/monolithic', 'initial');
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(sample.error, undefined);
    const minimum = (sample.bytesDownloaded - burstBytes(4e6)) / 4e6; // 32 Mbit/s = 4 MB/s
    assert.ok(seconds >= minimum, `${seconds} s for ${sample.bytesDownloaded} bytes`);
    await node.close();
  });

  it('keeps its disk writes under node.disk.write', async () => {
    // 12 MB/s: the 18.6 MB it writes (blobs and files) take at least 1.48 s, over three times its unlimited deploy here (0.4-0.45 s).
    const node = new VirtualNode(nodeOptions('c', { diskWriteBytesPerSecond: 12e6 }));
    await node.reset();
    const t0 = performance.now();
    const sample = await deploy(node, 't/monolithic', 'initial');
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(sample.error, undefined);
    assert.ok(seconds >= (sample.bytesWrittenToDisk - burstBytes(12e6)) / 12e6, `${seconds} s for ${sample.bytesWrittenToDisk} bytes written`);
    await node.close();
  });

  it('fleet.node.disk.own: each node writes to an ext4 file system of its own on a loop device, and teardown leaves no mount, loop device or image', { skip: process.getuid?.() === 0 ? false : 'needs root (loop devices, mount)' }, async () => {
    const scenario = resolveScenario({ name: 'own-disks', fleet: { nodes: 2, node: { disk: { own: true, size: '256MiB' } } } }, 'own-disks.yaml');
    const teardown = new TeardownRegistry();
    const workDir = join(work, 'own');
    const nodeNames = ['own-1', 'own-2'];
    const loopsOf = async () => (await hostCommand('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'])).split('\n').filter((l) => l.includes(workDir));
    try {
      const nodes = await startVirtualBackend({ scenario, nodeNames, workDir, registry: { url: registry.url, auth: undefined, client: () => assert.fail('virtual nodes use their own clients') }, network: undefined, diskBytesPerNode: 0, teardown });
      const devices = new Set<string>();
      for (const node of nodes) {
        await node.reset();
        const sample = await deploy(node, 't/per-version', 'initial');
        assert.equal(sample.error, undefined);
        // The snapshot the node unpacked is on a mount of its own: ext4 over a loop device, not the work dir's file system.
        const snapshots = join(node.dir, 'snapshots');
        const mount = mountOf(snapshots);
        assert.equal(mount.fstype, 'ext4');
        assert.match(mount.source, /^\/dev\/loop\d+$/);
        assert.ok(mount.point.startsWith(workDir) && snapshots.startsWith(`${mount.point}/`));
        assert.notEqual((await stat(snapshots)).dev, (await stat(workDir)).dev);
        devices.add(mount.source);
      }
      assert.equal(devices.size, 2, 'one disk per node');
      assert.equal((await loopsOf()).length, 2);
    } finally {
      assert.deepEqual(await teardown.teardown(), []);
    }
    assert.deepEqual(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(workDir)), [], 'no mount left');
    assert.deepEqual(await loopsOf(), [], 'no loop device left');
    const images = (await readdir(workDir, { recursive: true })).filter((f) => f.endsWith('.img'));
    assert.deepEqual(images, [], 'no disk image left');
  });

  it('fails loudly on a layer whose bytes do not match its digest, and keeps no partial blob: containerd\'s content store checks it at commit, docker\'s download as it arrives', async () => {
    const blobsRoot = join(registry.storageDir, 'docker/registry/v2/blobs/sha256');
    const manifest = JSON.parse(
      await new DistributionClient({ baseUrl: registry.url }).getManifest('t/monolithic', 'config-1').then((m) => m.bytes.toString()),
    ) as { layers: Array<{ digest: string }> };
    const top = (manifest.layers.at(-1)?.digest ?? '').slice(7);
    const data = join(blobsRoot, top.slice(0, 2), top, 'data');
    const bytes = await readFile(data);
    const middle = bytes.length >> 1;
    bytes[middle] = (bytes[middle] as number) ^ 0xff;
    await writeFile(data, bytes);
    for (const runtime of ['containerd', 'docker'] as const) {
      const name = `corrupt-${runtime}`;
      const node = new VirtualNode(nodeOptions(name, { runtime }));
      await node.reset();
      const sample = await deploy(node, 't/monolithic', 'config-1');
      assert.match(sample.error ?? '', new RegExp(`blob t/monolithic@sha256:${top}: expected sha256:${top}, got sha256:[0-9a-f]{64}`), runtime);
      for (const dir of ['content', 'tmp']) {
        const held: string[] = await readdir(join(work, 'nodes', name, dir)).catch(() => []);
        const blobs: string[] = await readdir(join(work, 'nodes', name, dir, 'sha256')).catch(() => []);
        assert.deepEqual([...held.filter((f) => f.startsWith('.partial-')), ...blobs.filter((f) => f === top)], [], `${runtime}: nothing of the corrupt blob in ${dir}`);
      }
      await node.close();
    }
  });
});
