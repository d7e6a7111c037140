import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetPlan, ModelLayer } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { FluidNetwork } from '../../src/model/fluid-network.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { WriteBack } from '../../src/model/write-back.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';
import type { ModelInput } from '../../src/scenario/model-schema.ts';

const MB = 1e6;
const GiB = 1024 ** 3;

/** Identical nodes; NIC 100 MB/s, disk write 400 MB/s unless the test says otherwise. */
function fleet(nodes: number, o: Partial<{ unpack: boolean; downloads: number; nic: number; disk: number }> = {}): ModelFleet {
  return {
    nodes,
    rollout: { maxConcurrent: nodes, stages: [{ rest: true }] },
    node: { nicBitsPerSecond: o.nic ?? 800 * MB, disk: { writeBytesPerSecond: o.disk ?? 400 * MB }, maxConcurrentDownloads: o.downloads ?? 3, unpack: o.unpack ?? true },
  };
}

/**
 * Closed forms: identical nodes, requests and rsync runs that cost nothing of their own, no php-fpm restarts, no container start, and
 * CPU that is never the limit (no hashing, unpack CPU 0, decompression 10 GB/s) unless the test says otherwise.
 */
function simulate(f: ModelFleet, input: ModelInput, plan: FleetPlan) {
  const free = { rtt: '0s', perRequest: '0s' };
  const model = resolveModel(
    {
      volume: false,
      ...input,
      registry: { ...free, ...input.registry },
      rsync: { perSync: '0s', restart: '0s', ...input.rsync },
      node: {
        manifest: '0s',
        start: '0s',
        diskIops: 1_000_000,
        unpackPerFile: '0s',
        ...input.node,
        cpu: { sha256PerGiB: '0s', unpackPerGiB: '0s', ...(input.node?.decompress === undefined ? { decompressPerGiB: '0.1s' } : {}), ...input.node?.cpu },
        spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%', ...input.node?.spread },
      },
    },
    { nodes: f.nodes, nicBitsPerSecond: f.node.nicBitsPerSecond, diskWriteBytesPerSecond: f.node.disk?.writeBytesPerSecond },
  );
  return simulateFleet({ model, fleet: f, volume: { proxies: 1 }, plan, seed: 1 });
}

const layer = (id: string, mb: number, ratio = 1): ModelLayer => ({ id, compressedBytes: mb * MB, uncompressedBytes: mb * MB * ratio, files: 0 });
const plan = (steps: ModelLayer[][]): FleetPlan => ({ strategies: [{ name: 'img', steps: steps.map((layers, i) => ({ step: `s${i}`, layers })) }], volume: [] });
const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${actual} != ${expected}`);

/** A backport below the top: the second layer of four changes, the two above it do not. */
const base = layer('base', 40);
const backport = plan([
  [base, layer('code-1', 20), layer('l10n', 30), layer('top', 10)],
  [base, layer('code-2', 20), layer('l10n', 30), layer('top', 10)],
]);

describe('fleet model: runtime-exact pulls', () => {
  test('containerd: a change below two layers downloads 1 blob and re-unpacks 3 layers (held blobs, read from disk)', () => {
    // No write-back: every unpacked byte through the disk, as the closed form below counts it.
    const out = simulate(fleet(2), { node: { runtime: 'containerd', dirtyLimit: '0B' } }, backport);
    const second = out.samples.filter((s) => s.step === 's1');
    for (const s of second) {
      assert.equal(s.bytesDownloaded, 20 * MB);
      // The downloaded blob, then the unpacked code, l10n and top layers.
      assert.equal(s.bytesWrittenToDisk, 20 * MB + (20 + 30 + 10) * MB);
      assert.equal(s.layers.length, 3);
    }
    // code-2: 20 MB at the NIC's 100 MB/s, then written at 400 MB/s from page cache; l10n and top: their held
    // blobs read back at diskRead's default 1 GB/s and written at 400 MB/s, on the one disk.
    close(out.steps[1]!.makespanSeconds, 0.2 + 20 / 400 + (30 / 400 + 30 / 1000) + (10 / 400 + 10 / 1000), 'makespan');
  });

  test('docker: the same change downloads all 3 layers again (no blobs kept) and unpacks them', () => {
    const out = simulate(fleet(2), { node: { runtime: 'docker' } }, backport);
    const second = out.samples.filter((s) => s.step === 's1');
    for (const s of second) {
      assert.equal(s.bytesDownloaded, (20 + 30 + 10) * MB);
      assert.equal(s.bytesWrittenToDisk, 2 * (20 + 30 + 10) * MB);
    }
    assert.equal(out.steps[1]!.registryBytesServed, 2 * (20 + 30 + 10) * MB);
  });

  test('the model\'s default runtime is containerd', () => {
    const out = simulate(fleet(1), {}, backport);
    assert.equal(out.samples[1]!.bytesDownloaded, 20 * MB);
  });

  test('layers unpack while later ones download: 2 layers take download + download + last unpack, not the sum', () => {
    // NIC 100 MB/s, one download at a time; decompression 100 MB/s; disk 400 MB/s never binds.
    const out = simulate(fleet(1, { downloads: 1 }), { node: { decompress: '100MB/s' } }, plan([[layer('a', 100), layer('b', 100)]]));
    // a: download [0,1], unpack [1,2] while b downloads [1,2], b unpacks [2,3].
    close(out.steps[0]!.makespanSeconds, 3, 'makespan');
  });

  test('unpackStarts after-downloads (ctr images pull): the same 2 layers take both downloads, then both unpacks', () => {
    const out = simulate(fleet(1, { downloads: 1 }), { node: { decompress: '100MB/s', unpackStarts: 'after-downloads', unpackTick: '0s' } }, plan([[layer('a', 100), layer('b', 100)]]));
    // a and b download [0,2]; a unpacks [2,3], b [3,4].
    close(out.steps[0]!.makespanSeconds, 4, 'makespan');
    // With ctr's own tick (100 ms, the default), 96 MB layers land at 1.92 s and unpack from 2.0 s: 3.92 s, not 3.84.
    const ctr = simulate(fleet(1, { downloads: 1 }), { node: { decompress: '100MB/s', unpackStarts: 'after-downloads' } }, plan([[layer('a', 96), layer('b', 96)]]));
    close(ctr.steps[0]!.makespanSeconds, 3.92, 'makespan with the default tick');
  });

  test('unpackTick (ctr waits for its progress display): after-downloads unpacks at the first tick after the last blob; a pipelined pull has no tick', () => {
    const twoLayers = plan([[layer('a', 100), layer('b', 100)]]);
    // Downloads end at 2 s; ticks of 0.75 s from the pull's start fall at 1.5 and 2.25 s: a unpacks [2.25, 3.25], b [3.25, 4.25].
    const ticked = simulate(fleet(1, { downloads: 1 }), { node: { decompress: '100MB/s', unpackStarts: 'after-downloads', unpackTick: '750ms' } }, twoLayers);
    close(ticked.steps[0]!.makespanSeconds, 4.25, 'after-downloads, ticked');
    const pipelined = simulate(fleet(1, { downloads: 1 }), { node: { decompress: '100MB/s', unpackTick: '750ms' } }, twoLayers);
    close(pipelined.steps[0]!.makespanSeconds, 3, 'pipelined');
  });

  test('blobCommit: each blob holds its download slot a commit longer, so one slot pays it once per layer', () => {
    const f = fleet(1, { downloads: 1, unpack: false });
    const twoLayers = plan([[layer('a', 100), layer('b', 100)]]);
    const without = simulate(f, {}, twoLayers);
    const withCommit = simulate(f, { node: { blobCommit: '50ms' } }, twoLayers);
    close(withCommit.steps[0]!.makespanSeconds - without.steps[0]!.makespanSeconds, 0.1, 'two commits, one after the other');
  });

  test('page cache: a blob written moments ago unpacks without a disk read; with no page cache it is read back', () => {
    // One 100 MB layer; disk writes and reads at 200 MB/s, one device; NIC 100 MB/s.
    const run = (pageCache: string) =>
      simulate(fleet(1, { disk: 200 * MB }), { node: { pageCache, dirtyLimit: '0B', diskRead: '200MB/s' } }, plan([[layer('a', 100)]])).steps[0]!.makespanSeconds;
    // Download 1 s, then 100 MB written at 200 MB/s (0.5 s), or written and its blob read (1 s).
    close(run('1GiB'), 1.5, 'warm');
    close(run('1B'), 2, 'cold');
  });
});

describe('fleet model: write-back of unpacked files (page cache, then the disk)', () => {
  // One 100 MB layer; NIC 100 MB/s; disk 50 MB/s: the blob's own write (synced at commit) takes 2 s.
  const one = plan([[layer('a', 100)]]);
  const run = (dirtyLimit: string, decompress = '1000MB/s') =>
    simulate(fleet(1, { disk: 50 * MB }), { node: { dirtyLimit, decompress, pageCache: '1GiB' } }, one).steps[0]!;

  test('files that fit under the dirty limit unpack at the CPU\'s pace; with no dirty room they wait for the disk', () => {
    // Blob 2 s (disk-bound), then 100 MB at 1000 MB/s into page cache (0.1 s), or at the disk's 50 MB/s (2 s).
    close(run('200MB').makespanSeconds, 2 + 0.1, 'absorbed');
    close(run('0B').makespanSeconds, 2 + 2, 'through the disk');
    // Every byte reaches the disk either way: the bytes written do not change.
    assert.equal(run('200MB').bytesWrittenToDisk, run('0B').bytesWrittenToDisk);
  });

  test('the step\'s bottleneck is what held the pull, not the write-back behind it', () => {
    // The blob's 2 s on the disk held the node; the write-back (2.2 s at 90% of the disk) ran after it was done.
    assert.equal(run('200MB').model!.bottleneck, 'node disk');
  });

  test('the default limit is vm.dirty_ratio (20%) of the page cache', () => {
    // pageCache 1 GiB: 215 MB of dirty room, the whole layer.
    const def = simulate(fleet(1, { disk: 50 * MB }), { node: { decompress: '1000MB/s', pageCache: '1GiB' } }, one).steps[0]!;
    close(def.makespanSeconds, 2.1, 'default');
    // pageCache 250 MB: 50 MB of room (0.05 s); the other 50 MB at the disk's pace (1 s), the write-back of
    // the first 50 MB waiting meanwhile (the throttled writer gets what the disk cleans).
    const small = simulate(fleet(1, { disk: 50 * MB }), { node: { decompress: '1000MB/s', pageCache: '250MB' } }, one).steps[0]!;
    close(small.makespanSeconds, 2 + 0.05 + 1, 'past the limit');
  });

  test('written-back bytes take the disk from the next blob: a second layer downloads slower behind the first one\'s files', () => {
    // Two 100 MB layers, one download at a time, NIC 1000 MB/s: downloads are disk-bound (50 MB/s).
    const two = plan([[layer('a', 100), layer('b', 100)]]);
    const f = fleet(1, { disk: 50 * MB, downloads: 1, nic: 8000 * MB });
    const layers = (dirtyLimit: string) => simulate(f, { node: { dirtyLimit, decompress: '1000MB/s', pageCache: '1GiB' } }, two).samples[0]!.layers;
    // Layer a's files (in page cache after 0.1 s) are written back while b's blob is written: b takes longer than a.
    const [a, b] = layers('1GiB');
    assert.ok(b!.downloadSeconds > a!.downloadSeconds + 1, `b ${b!.downloadSeconds} s against a ${a!.downloadSeconds} s`);
  });

  test('an unpack that costs no CPU lands in page cache at once', () => {
    // Decompression and file writes free (no CPU resource on the flow): only the blob's 2 s on the disk.
    const free = simulate(fleet(1, { disk: 50 * MB }), { node: { dirtyLimit: '200MB', pageCache: '1GiB', cpu: { decompressPerGiB: '0s', unpackPerGiB: '0s' } } }, one).steps[0]!;
    close(free.makespanSeconds, 2, 'makespan');
  });

  test('room frees as the disk cleans: write-back drains at 90% of the disk (blk-wbt leaves the node\'s own I/O room)', () => {
    // One node syncs 100 MB of files (NIC 100 MB/s: 1 s), all of it dirty (limit 100 MB), then rebuilds l10n
    // for 1 s while 0.9 x 50 MB/s = 45 MB are written back; its 100 MB of CDB files find 45 MB of room, and the
    // other 55 MB go through the disk (50 MB/s, the write-back waiting meanwhile): 1.1 s.
    const l10n: FleetPlan = { strategies: [], volume: [{ step: 'l10n', changedFiles: 10, changedBytes: 100 * MB, deletedPaths: 0, treeFiles: 10, l10nRebuild: { languages: 1, jsonBytes: 100 * MB, cdbBytes: 100 * MB } }] };
    // scap's job straight after the sync (no check to wait for), its pool one core (three less two).
    const out = simulate(fleet(1, { disk: 50 * MB }), { volume: true, rsync: { perFile: '0s', scanPerFile: '0s', l10nRebuild: '100MB/s' }, node: { dirtyLimit: '100MB', cpu: { cores: 3 } }, rollout: { canaryWait: '0s' } }, l10n);
    close(out.steps[0]!.makespanSeconds, 0.08 + 1 + 1 + 55 / 50, 'makespan');
  });

  test('a node has one flusher: writes behind at the same pace join it, and together they take 90% of the disk', () => {
    // Two 100 MB writes absorbed at once on a 50 MB/s disk: one write-back of 200 MB at 45 MB/s (4.44 s), not
    // two flows each capped at 45 MB/s that together would take the whole disk (4 s).
    const net = new FluidNetwork();
    const disk = net.addResource(1, 'node disk');
    const writeBack = new WriteBack(net, 1, 1e9, () => ({ resource: disk, weight: 1 / (50 * MB), bytesPerSecond: 50 * MB }));
    const ways = { inPageCache: (_bytes: number, then: () => void) => then(), throughDisk: () => assert.fail('no write should wait for the disk') };
    writeBack.write(0, 100 * MB, ways, () => {});
    writeBack.write(0, 100 * MB, ways, () => {});
    net.run();
    close(net.now, (200 * MB) / (0.9 * 50 * MB), 'write-back done');
  });

  test('the volume side too: rsync\'s files land in page cache up to the limit', () => {
    const volume: FleetPlan = { strategies: [], volume: [{ step: 'sync', changedFiles: 10, changedBytes: 100 * MB, deletedPaths: 0, treeFiles: 10 }] };
    const sync = (dirtyLimit: string) =>
      simulate(fleet(1, { disk: 50 * MB }), { volume: true, rsync: { perFile: '0s', scanPerFile: '0s' }, node: { dirtyLimit } }, volume).steps[0]!.makespanSeconds;
    // Master to proxy at 10 Gbit/s, then 100 MB over the node's 100 MB/s NIC (1 s), or held to the disk's 50 MB/s (2 s).
    close(sync('1GiB'), 0.08 + 1, 'absorbed');
    close(sync('0B'), 0.08 + 2, 'through the disk');
  });
});

describe('fleet model: CPU as a resource', () => {
  const big = plan([[layer('a', 500)]]);
  const fast = { nic: 100e9, disk: 10e9, unpack: false };

  test('with a fast NIC, sha256 on the node\'s cores bounds the pull and the bottleneck says cpu', () => {
    const out = simulate(fleet(1, fast), { registry: { egress: '100Gbit/s' }, node: { cpu: { cores: 1, sha256PerGiB: '1s' } } }, big);
    close(out.steps[0]!.makespanSeconds, (500 * MB) / GiB, 'makespan: bytes x CPU-seconds per byte / cores');
    assert.match(out.steps[0]!.model!.bottleneck ?? '', /cpu/);
  });

  test('harness cores: N virtual nodes share one machine\'s cores', () => {
    const out = simulate(fleet(4, fast), { registry: { egress: '1000Gbit/s' }, harness: { cores: 1 }, node: { cpu: { cores: 8, sha256PerGiB: '1s' } } }, big);
    close(out.steps[0]!.makespanSeconds, (4 * 500 * MB) / GiB, 'makespan: 4 nodes x bytes over 1 shared core');
    assert.equal(out.steps[0]!.model!.bottleneck, 'harness cpu');
  });

  test('harness cores: the registry\'s per-request work shares them too (a one-machine run)', () => {
    const tiny = { ...layer('a', 0), compressedBytes: 1, uncompressedBytes: 1 };
    const out = simulate(fleet(10, { unpack: false }), { registry: { perRequest: '10ms', cores: 100 }, harness: { cores: 1 } }, plan([[tiny]]));
    // 10 nodes x (token, manifest, config, one blob) x 10 ms of CPU on the one shared core.
    close(out.steps[0]!.makespanSeconds, 10 * 4 * 0.01, 'makespan');
    assert.equal(out.steps[0]!.model!.bottleneck, 'harness cpu');
  });

  test('unpack decompresses a layer on one core, whatever the node\'s cores', () => {
    const out = simulate(fleet(1, { nic: 100e9, disk: 10e9 }), { registry: { egress: '100Gbit/s' }, node: { cpu: { cores: 16, decompressPerGiB: '2s' } } }, plan([[layer('a', 100, 4)]]));
    // Download 100 MB at the disk's 10 GB/s, then 400 MB of tar at 1 GiB / 2 s on one core.
    close(out.steps[0]!.makespanSeconds, (100 * MB) / 10e9 + (400 * MB * 2) / GiB, 'makespan');
  });
});

describe('fleet model: lazy pulls and container start', () => {
  test('lazy time-to-start = request round trips + working-set bytes / rate + start; the rest streams in after', () => {
    const rtt = 0.01;
    const out = simulate(
      fleet(1),
      { topologies: ['lazy'], registry: { rtt: '10ms' }, lazy: { workingSet: '10%' }, node: { start: '0.5s' } },
      plan([[layer('a', 100, 3)]]),
    );
    const m = out.steps[0]!.model!;
    // The connection's handshake (2 round trips), manifest (HEAD, GET), config, then one range request, whose
    // 10 MB ramp up through slow start (from 14480 B to a round trip's worth at 100 MB/s: 1 MB) and then run at
    // 100 MB/s; then the container's start.
    const ramp = (Math.log2(1e6 / 14480 + 1) - 1) * rtt - 1e6 / (100 * MB);
    close(m.timeToStart!.nodeSeconds!.p50, 2 * rtt + 4 * rtt + ramp + 0.1 + 0.5, 'time-to-start');
    // The rest: one more range request on the now warm connection, 90 MB at 100 MB/s. Nothing is unpacked: only fetched bytes are written.
    close(m.nodeSeconds!.p50, 2 * rtt + 4 * rtt + ramp + 0.1 + rtt + 0.9, 'time-to-complete');
    assert.equal(out.samples[0]!.bytesDownloaded, 100 * MB);
    assert.equal(out.samples[0]!.bytesWrittenToDisk, 100 * MB);
    assert.equal(out.steps[0]!.strategy, 'img@lazy');
  });

  test('the working set defaults to Slacker\'s 6.4%', () => {
    const out = simulate(fleet(1), { topologies: ['lazy'] }, plan([[layer('a', 100)]]));
    close(out.steps[0]!.model!.timeToStart!.nodeSeconds!.p50, 6.4 / 100, 'time-to-start');
  });

  test('eager pulls: the container runs model.node.start after the pull', () => {
    const out = simulate(fleet(3, { unpack: false }), { node: { start: '0.57s' } }, plan([[layer('a', 100)]]));
    const m = out.steps[0]!.model!;
    close(m.timeToStart!.makespanSeconds, out.steps[0]!.makespanSeconds + 0.57, 'running after the pull');
  });
});
