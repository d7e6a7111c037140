import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFleetPlan } from '../../src/cli/model-plan.ts';
import type { FleetPlan, ModelLayer } from '../../src/model/fleet-plan.ts';
import { smallScenario } from '../support/scenarios.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { empiricalVariation } from '../../src/core/empirical-distribution.ts';
import { logNormalDraws } from '../../src/model/node-spread.ts';
import { Rng } from '../../src/core/rng.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';
import type { ModelInput } from '../../src/scenario/model-schema.ts';
import type { ModelFleet as ResolvedFleet } from '../../src/model/model-fleet.ts';

const MB = 1e6;

function fleet(nodes: number, o: Partial<{ maxConcurrent: number; unpack: boolean; downloads: number; stages: ResolvedFleet['rollout']['stages']; nic: number; disk: number }> = {}): ResolvedFleet {
  return {
    nodes,
    rollout: { maxConcurrent: o.maxConcurrent ?? nodes, stages: o.stages ?? [{ rest: true }] },
    node: { nicBitsPerSecond: o.nic, disk: { writeBytesPerSecond: o.disk }, maxConcurrentDownloads: o.downloads ?? 3, unpack: o.unpack ?? false },
  };
}

const IDENTICAL: NonNullable<NonNullable<ModelInput['node']>['spread']> = { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' };
const FREE_REQUESTS = { rtt: '0s', perRequest: '0s' };

/** Identical nodes, requests and rsync runs that cost nothing of their own and no php-fpm restarts unless the test says otherwise, so closed forms hold exactly. */
function simulate(f: ResolvedFleet, input: ModelInput, plan: FleetPlan, seed: number | string = 1, hybrid?: { strategy: string; through?: string }) {
  const model = resolveModel(
    {
      ...input,
      registry: { ...FREE_REQUESTS, ...input.registry },
      rsync: { perSync: '0s', restart: '0s', ...input.rsync },
      cache: { ...FREE_REQUESTS, ...input.cache },
      p2p: { rtt: '0s', scheduler: '0s', ...input.p2p },
      node: { manifest: '0s', ...input.node, spread: { ...IDENTICAL, ...input.node?.spread } },
    },
    { nodes: f.nodes, nicBitsPerSecond: f.node.nicBitsPerSecond, diskWriteBytesPerSecond: f.node.disk?.writeBytesPerSecond },
  );
  return simulateFleet({ model, fleet: f, volume: { proxies: 1 }, plan, seed, hybrid });
}

const layer = (id: string, mb: number, files = 0, ratio = 1): ModelLayer => ({ id, compressedBytes: mb * MB, uncompressedBytes: mb * MB * ratio, files });
const imagePlan = (layers: ModelLayer[], steps: ModelLayer[][] = [layers]): FleetPlan => ({
  strategies: [{ name: 'img', steps: steps.map((l, i) => ({ step: `s${i}`, layers: l })) }],
  volume: [],
});
const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${actual} != ${expected}`);

describe('fleet model: closed forms', () => {
  test('one node: size over its tightest capacity (here the NIC)', () => {
    const out = simulate(fleet(1, { nic: 800 * MB, disk: 400 * MB }), { volume: false, registry: { egress: '10Gbit/s' } }, imagePlan([layer('a', 300)]));
    // NIC 100 MB/s is below disk 400 MB/s and the registry's 1250 MB/s.
    close(out.steps[0]!.makespanSeconds, 3, 'makespan');
    close(out.samples[0]!.totalSeconds, 3, 'node total');
  });

  test('one node with unpack: download, then per-file cost, then bytes at the slower of decompression and disk', () => {
    const out = simulate(
      fleet(1, { nic: 800 * MB, disk: 400 * MB, unpack: true }),
      { volume: false, node: { decompress: '200MB/s', unpackPerFile: '1ms', diskIops: 1_000_000 } },
      imagePlan([layer('a', 100, 500, 3)]),
    );
    // 100 MB at 100 MB/s, then 500 files x 1 ms, then 300 MB at 200 MB/s.
    close(out.steps[0]!.makespanSeconds, 1 + 0.5 + 1.5, 'makespan');
    assert.equal(out.samples[0]!.bytesWrittenToDisk, 400 * MB);
  });

  test('N nodes sharing a registry of bandwidth B take N*S/B', () => {
    const out = simulate(fleet(40), { volume: false, registry: { egress: '800Mbit/s' } }, imagePlan([layer('a', 30), layer('b', 20)]));
    close(out.steps[0]!.makespanSeconds, (40 * 50 * MB) / (100 * MB), 'makespan');
    close(out.steps[0]!.registryBytesServed, 40 * 50 * MB, 'registry bytes');
  });

  test('a cache tier in front of a slow backend reads each object from the backend once', () => {
    const layers = [layer('a', 40), layer('b', 10), layer('c', 25)];
    const out = simulate(fleet(30), { volume: false, topologies: ['direct', 'cache'], registry: { backendRead: '80Mbit/s' }, cache: { egress: '40Gbit/s' } }, imagePlan(layers));
    const direct = out.steps.find((s) => s.strategy === 'img')!;
    const cached = out.steps.find((s) => s.strategy === 'img@cache')!;
    const backendOf = (s: typeof direct) => s.model!.tiers.find((t) => t.tier === 'backend')!.bytes;
    close(backendOf(cached), 75 * MB, 'backend bytes with the cache: one read per object');
    close(backendOf(direct), 30 * 75 * MB, 'backend bytes without: one per node');
    // Fills of the three objects share the 10 MB/s backend; every node waits for its fill, then 30 nodes
    // x 75 MB leave the cache at 5 GB/s (NICs 1.25 GB/s each are not the limit).
    assert.ok(cached.makespanSeconds < direct.makespanSeconds / 10);
    close(direct.makespanSeconds, (30 * 75 * MB) / (10 * MB), 'direct: every node through the backend');
  });

  test('P2P: the registry serves about one copy of each layer, not one per node', () => {
    const layers = [layer('a', 64), layer('b', 32)];
    const out = simulate(fleet(200), { volume: false, topologies: ['direct', 'p2p'], registry: { egress: '1Gbit/s' }, p2p: { piece: '4MiB', upload: '1Gbit/s' } }, imagePlan(layers));
    const direct = out.steps.find((s) => s.strategy === 'img')!;
    const p2p = out.steps.find((s) => s.strategy === 'img@p2p')!;
    close(p2p.registryBytesServed, 96 * MB, 'p2p registry bytes');
    close(direct.registryBytesServed, 200 * 96 * MB, 'direct registry bytes');
    close(p2p.bytesDownloaded, 200 * 96 * MB, 'every node still gets every byte');
    assert.ok(p2p.makespanSeconds < direct.makespanSeconds / 10, `p2p ${p2p.makespanSeconds} vs direct ${direct.makespanSeconds}`);
  });

  test('at most K at a time: N/K rounds of one node\'s time', () => {
    const out = simulate(fleet(12, { maxConcurrent: 3, nic: 800 * MB }), { volume: false, registry: { egress: '100Gbit/s' } }, imagePlan([layer('a', 50)]));
    close(out.steps[0]!.makespanSeconds, 4 * 0.5, 'makespan');
    const starts = [...new Set(out.samples.map((s) => s.startSeconds.toFixed(6)))];
    assert.equal(starts.length, 4);
  });

  test('stages: the canaries finish and are checked before the rest start; concurrent deployments bound each data centre', () => {
    const staged = (rollout: NonNullable<ModelInput['rollout']>) =>
      simulate(fleet(10, { nic: 800 * MB, stages: [{ canaries: 2 }, { rest: true }] }), { volume: false, registry: { egress: '100Gbit/s' }, datacentres: [{ name: 'a' }, { name: 'b' }], rollout: { concurrentDeployments: 2, ...rollout } }, imagePlan([layer('a', 50)]));
    // Canaries (one per data centre) 0.5 s; scap's check waits 3 s; then 8 nodes, 2 per data centre at a time: 2 rounds.
    const out = staged({ canaryWait: '3s' });
    close(out.steps[0]!.makespanSeconds, 0.5 + 3 + 2 * 0.5, 'makespan');
    assert.deepEqual(out.samples.filter((s) => s.startSeconds === 0).map((s) => s.datacentre).sort(), ['a', 'b']);
    // scap's own wait by default (canary_wait_time, 20 s); none after the last stage.
    close(staged({}).steps[0]!.makespanSeconds, 0.5 + 20 + 2 * 0.5, 'default wait');
  });

  test('pre-pulled nodes fetch nothing during the deploy', () => {
    const out = simulate(fleet(10), { volume: false, rollout: { prePull: '30%' } }, imagePlan([layer('a', 50)]));
    assert.equal(out.samples.filter((s) => s.bytesDownloaded === 0).length, 3);
    close(out.steps[0]!.registryBytesServed, 7 * 50 * MB, 'registry bytes');
    // Spread through each data centre, not through the fleet, whose nodes alternate between them.
    const twoDcs = simulate(fleet(20), { volume: false, datacentres: [{ name: 'a' }, { name: 'b' }], rollout: { prePull: '50%' } }, imagePlan([layer('a', 50)]));
    const held = (dc: string) => twoDcs.samples.filter((s) => s.datacentre === dc && s.bytesDownloaded === 0).length;
    assert.deepEqual([held('a'), held('b')], [5, 5]);
  });

  test('a later step fetches only the layers the previous image lacked', () => {
    const base = layer('base', 100);
    const out = simulate(fleet(4), { volume: false }, imagePlan([], [[base, layer('v1', 10)], [base, layer('v2', 5)]]));
    close(out.steps[1]!.bytesDownloaded, 4 * 5 * MB, 'second step bytes');
  });

  test('deploy parts: the image built (its tree brought up to date, committed, its new layers compressed) and pushed before the rollout; the volume side\'s staging tree prepared before the sync', () => {
    const base = layer('base', 100, 0, 3);
    const plan: FleetPlan = {
      ...imagePlan([], [[base], [base, layer('code', 10, 500, 3)]]),
      volume: [
        { step: 's0', changedFiles: 1000, changedBytes: 100 * MB, deletedPaths: 0, treeFiles: 2000 },
        { step: 's1', changedFiles: 500, changedBytes: 10 * MB, deletedPaths: 0, treeFiles: 2000 },
      ],
    };
    const out = simulate(fleet(2, { nic: 800 * MB, disk: 400 * MB }), { registry: { egress: '800Mbit/s' }, rsync: { masterEgress: '8Gbit/s', perFile: '1ms', scanPerFile: '0.01ms' }, build: { commit: '100MB/s', compress: '30MB/s' } }, plan);
    const stepOf = (strategy: string, step: string) => out.steps.find((s) => s.strategy === strategy && s.step === step)!;
    const image = (step: string) => stepOf('img', step).deploy as { build: number; push: number; rollout: number; total: number };
    // The tree's 2000 files scanned (0.02 s); docker commit's 300 MB of tar at 100 MB/s (3 s); docker push's 300 MB
    // made into blobs at 30 MB/s (10 s); 100 MB through the registry replica's 100 MB/s. Then only the new 10 MB
    // layer: its 500 files written by the build's rsync (0.5 s), its 30 MB of tar committed (0.3 s) and compressed (1 s).
    close(image('s0').build, 0.02 + 3 + 10, 'first build');
    close(image('s0').push, 1, 'first push');
    close(image('s1').build, 0.02 + 0.5 + 0.3 + 1, 'second build');
    close(image('s1').push, 0.1, 'second push');
    close(image('s0').total, 14.02 + stepOf('img', 's0').makespanSeconds, 'total');
    // The master's local rsync: 2000 files scanned (0.02 s), 1000 written (1 s), 100 MB through its disk (0.25 s).
    const volume = stepOf('volume', 's0');
    const prep = volume.deploy as { prep: number; sync: number; total: number };
    close(prep.prep, 0.02 + 1 + 0.25, 'volume prep');
    close(prep.total, 1.27 + volume.makespanSeconds, 'volume total');
  });

  test('volume: proxies sync from the master, then nodes from their proxy, with per-file costs', () => {
    const plan: FleetPlan = { strategies: [], volume: [{ step: 'initial', changedFiles: 1000, changedBytes: 100 * MB, deletedPaths: 0, treeFiles: 1000 }] };
    const out = simulate(fleet(8), { rsync: { masterEgress: '8Gbit/s', proxyEgress: '800Mbit/s', perFile: '1ms', scanPerFile: '0ms' }, node: { diskIops: 1_000_000 } }, plan);
    // proxy: 1 s of per-file cost + 100 MB at 1 GB/s; nodes: 1 s + 8 x 100 MB through the 100 MB/s proxy.
    close(out.steps[0]!.makespanSeconds, 1 + 0.1 + 1 + 8, 'makespan');
    assert.equal(out.steps[0]!.strategy, 'volume');
  });

  test('volume: each rsync run pays its fixed cost, and one transfer moves no faster than rsync.stream', () => {
    const plan: FleetPlan = { strategies: [], volume: [{ step: 'initial', changedFiles: 1000, changedBytes: 100 * MB, deletedPaths: 0, treeFiles: 1000 }] };
    const out = simulate(fleet(1), { rsync: { masterEgress: '8Gbit/s', proxyEgress: '800Mbit/s', perFile: '1ms', scanPerFile: '0ms', perSync: '0.5s', stream: '160Mbit/s' }, node: { diskIops: 1_000_000 } }, plan);
    // proxy, then the one node: each 0.5 s + 1 s of per-file cost + 100 MB at rsync's 20 MB/s (below every link).
    close(out.steps[0]!.makespanSeconds, 2 * (0.5 + 1 + 5), 'makespan');
  });

  test("volume: scap syncs volume.batch targets at once over the fleet; Kubernetes' concurrentDeployments holds the image side only", () => {
    const plan: FleetPlan = { ...imagePlan([layer('a', 50)]), volume: [{ step: 's0', changedFiles: 100, changedBytes: 50 * MB, deletedPaths: 0, treeFiles: 100 }] };
    const mostAtOnce = (batch: number | undefined) => {
      const model = resolveModel({ registry: FREE_REQUESTS, rsync: { perSync: '0.5s' }, node: { manifest: '0s', spread: IDENTICAL }, rollout: { concurrentDeployments: 2 } }, { nodes: 12, nicBitsPerSecond: 800 * MB, diskWriteBytesPerSecond: undefined });
      const out = simulateFleet({ model, fleet: fleet(12, { nic: 800 * MB }), volume: { proxies: 2, batch }, plan, seed: 1 });
      // The most nodes of a side whose deploy windows overlap at one instant.
      const overlap = (strategy: string) => {
        const spans = out.samples.filter((x) => x.strategy === strategy).map((x) => [x.startSeconds, x.startSeconds + x.totalSeconds] as const);
        return Math.max(...spans.map(([t]) => spans.filter(([a, b]) => a <= t + 1e-9 && t + 1e-9 < b).length));
      };
      return { volume: overlap('volume'), image: overlap('img') };
    };
    assert.deepEqual(mostAtOnce(4), { volume: 4, image: 2 });
    assert.deepEqual(mostAtOnce(undefined), { volume: 12, image: 2 });
  });

  test('volume: canaries pull from the master, production from the proxies synced as it opens; after each stage\'s syncs its nodes restart php-fpm, model.rsync.restartBatch of them at once', () => {
    const plan: FleetPlan = { strategies: [], volume: [{ step: 'initial', changedFiles: 100, changedBytes: 100 * MB, deletedPaths: 0, treeFiles: 100 }] };
    const makespan = (rsync: NonNullable<ModelInput['rsync']>) => {
      const out = simulate(fleet(10, { stages: [{ canaries: 2 }, { rest: true }] }), { rsync: { masterEgress: '8Gbit/s', proxyEgress: '800Mbit/s', perFile: '0s', scanPerFile: '0s', ...rsync }, node: { diskIops: 1_000_000 }, rollout: { canaryWait: '3s' } }, plan);
      return out.steps[0]!;
    };
    // The 2 canaries pull from the master (scap's sync_targets names no proxy), sharing its 1 GB/s (0.2 s), then
    // restart one at a time (10% of 2, at least one: 2 x 5 s), and scap checks them (3 s). Production opens with
    // the proxy's sync (0.1 s); the other 8 nodes share its 100 MB/s (8 s); scap checks production (3 s again),
    // then they restart one at a time (10% of 8: 8 x 5 s).
    const restarted = makespan({ restart: '5s' });
    close(restarted.makespanSeconds, 0.2 + 2 * 5 + 3 + 0.1 + 8 + 3 + 8 * 5, 'restarts of 10%');
    assert.equal(restarted.model?.bottleneck, 'php-fpm restarts');
    // Half of a stage at once: the canaries still one at a time, the rest in two rounds of four.
    close(makespan({ restart: '5s', restartBatch: '50%' }).makespanSeconds, 0.2 + 2 * 5 + 3 + 0.1 + 8 + 3 + 2 * 5, 'restarts of 50%');
    // Nothing after production's syncs: its check delays nothing.
    close(makespan({ restart: '0s' }).makespanSeconds, 0.2 + 3 + 0.1 + 8, 'no restarts');
    // As the harness runs it (a one-machine run): the proxy first, every node from it.
    const harness = simulate(fleet(10, { stages: [{ canaries: 2 }, { rest: true }] }), { harness: { cores: 64 }, rsync: { masterEgress: '8Gbit/s', proxyEgress: '800Mbit/s', perFile: '0s', scanPerFile: '0s', restart: '0s' }, node: { diskIops: 1_000_000 }, rollout: { canaryWait: '3s' } }, plan);
    close(harness.steps[0]!.makespanSeconds, 0.1 + 2 + 3 + 8, 'as the harness');
  });

  test('volume on one machine (model.harness.cores): every sync\'s per-file and per-byte work shares its cores, at most one core a sync', () => {
    const plan: FleetPlan = { strategies: [], volume: [{ step: 'initial', changedFiles: 1000, changedBytes: 20 * MB, deletedPaths: 0, treeFiles: 1000 }] };
    const rsync = { masterEgress: '80Gbit/s', proxyEgress: '80Gbit/s', perFile: '1ms', scanPerFile: '0ms', perSync: '0.5s', stream: '160Mbit/s', restart: '0s' };
    const makespan = (harness: ModelInput['harness']) => {
      const f = fleet(4);
      const model = resolveModel({ rsync, harness, node: { diskIops: 1_000_000, spread: IDENTICAL } }, { nodes: 4, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined });
      return simulateFleet({ model, fleet: f, volume: { proxies: 2 }, plan, seed: 1 }).steps[0]!.makespanSeconds;
    };
    // Two proxies on 2 cores keep a lone sync's pace: 0.5 s + 1 s of per-file work + 20 MB at rsync's 20 MB/s.
    // Four nodes on them get half a core each: 0.5 s + 2 s + 20 MB at 10 MB/s.
    close(makespan({ cores: 2 }), 0.5 + 1 + 1 + (0.5 + 2 + 2), 'sharing 2 cores');
    // Hosts of their own: every sync at a lone one's pace.
    close(makespan(undefined), 2 * (0.5 + 1 + 1), 'separate hosts');
  });

  test('hybrid: the master pulls the new layers and unpacks the whole image, then the volume side\'s sync runs', () => {
    const base = layer('base', 100);
    const plan: FleetPlan = {
      strategies: [{ name: 'img', steps: [{ step: 'initial', layers: [base, layer('code', 50, 1000, 2)] }, { step: 'backport', layers: [base, layer('code2', 10, 1000, 2)] }] }],
      volume: [
        { step: 'initial', changedFiles: 1000, changedBytes: 100 * MB, deletedPaths: 0, treeFiles: 1000 },
        { step: 'backport', changedFiles: 10, changedBytes: 1 * MB, deletedPaths: 0, treeFiles: 1000 },
      ],
    };
    const input: ModelInput = {
      registry: { egress: '800Mbit/s' },
      rsync: { masterEgress: '8Gbit/s', proxyEgress: '800Mbit/s', perFile: '1ms', scanPerFile: '0ms' },
      node: { decompress: '200MB/s', unpackPerFile: '1ms', diskIops: 1_000_000 },
    };
    const out = simulate(fleet(8, { disk: 400 * MB }), { ...input, topologies: ['direct'] }, plan, 1, { strategy: 'img' });
    const hybrid = out.steps.filter((s) => s.strategy === 'hybrid');
    const volume = out.steps.filter((s) => s.strategy === 'volume');
    assert.deepEqual(hybrid.map((s) => s.step), ['initial', 'backport']);
    // initial: 150 MB at the registry's 100 MB/s, then 200 MB unpacked at 200 MB/s and 1000 files x 1 ms.
    // backport: only the 10 MB code layer is new, but the whole 120 MB image is unpacked again.
    for (const [i, prep] of [1.5 + 1 + 1, 0.1 + 0.6 + 1].entries()) {
      const deploy = hybrid[i]!.deploy as { prep: number; sync: number; total: number };
      close(deploy.prep, prep, `${hybrid[i]!.step} prep`);
      // The sync is the volume side's step, unchanged: the staging tree is the same code tree.
      close(deploy.sync, volume[i]!.makespanSeconds, `${hybrid[i]!.step} sync`);
      close(hybrid[i]!.makespanSeconds, deploy.total, 'makespan is prep + sync');
      close(deploy.total, prep + volume[i]!.makespanSeconds, 'total');
    }
    close(hybrid[0]!.registryBytesServed, 150 * MB, 'initial pull');
    close(hybrid[1]!.registryBytesServed, 10 * MB, 'backport pull');
    // Calibrated on one machine where each node's unpack had a quarter of a core: the master unpacks alone.
    const resolved = resolveModel(
      { ...input, topologies: ['direct'], registry: { ...FREE_REQUESTS, ...input.registry }, rsync: { perSync: '0s', restart: '0s', ...input.rsync }, node: { manifest: '0s', ...input.node, spread: IDENTICAL } },
      { nodes: 8, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: 400 * MB },
    );
    const model = { ...resolved, harness: { ...resolved.harness, unpackShare: 0.25 } };
    const calibrated = simulateFleet({ model, fleet: fleet(8, { disk: 400 * MB }), volume: { proxies: 1 }, plan, seed: 1, hybrid: { strategy: 'img' } }).steps.filter((s) => s.strategy === 'hybrid');
    for (const [i, prep] of [1.5 + (1 + 1) * 0.25, 0.1 + (0.6 + 1) * 0.25].entries()) close((calibrated[i]!.deploy as { prep: number }).prep, prep, `${calibrated[i]!.step} prep, unpacking alone`);
    // hybrid.through: the deploy sequence is walked up to that step only.
    const through = simulate(fleet(8, { disk: 400 * MB }), input, plan, 1, { strategy: 'img', through: 'initial' });
    assert.deepEqual(through.steps.filter((s) => s.strategy === 'hybrid').map((s) => s.step), ['initial']);
    // Without hybrid: in the scenario, simulate leaves it out.
    assert.ok(simulate(fleet(8, { disk: 400 * MB }), input, plan).steps.every((s) => s.strategy !== 'hybrid'));
  });

  test('volume with the l10n cache rebuilt on the nodes (scap): after the syncs and production\'s check, scap\'s cdb-rebuild job builds the changed CDBs on each node\'s cores less two, its ssh batch at a time, then writes them', () => {
    const l10nRebuild = { languages: 10, jsonBytes: 400 * MB, cdbBytes: 450 * MB };
    const plan: FleetPlan = { strategies: [], volume: [{ step: 'l10n', changedFiles: 1000, changedBytes: 100 * MB, deletedPaths: 0, treeFiles: 1000, l10nRebuild }] };
    const rsync = { masterEgress: '8Gbit/s', proxyEgress: '800Mbit/s', perFile: '1ms', scanPerFile: '0ms', l10nRebuild: '100MB/s' };
    const node = { diskIops: 1_000_000, dirtyLimit: '0B', cpu: { cores: 4 } };
    const out = simulate(fleet(8, { disk: 450 * MB, maxConcurrent: 4 }), { rsync, node, rollout: { canaryWait: '2s' } }, plan);
    // The proxy 1.1 s; the nodes four at a time, each round 1 s of per-file cost and 4 x 100 MB through the proxy's
    // 100 MB/s (5 s). Production's check (2 s), then the job four at a time: each node 4 s parsing 400 MB of JSON
    // and 10 ms per CDB on 2 of its 4 cores (2.005 s), then 1 s writing 450 MB of CDB at 450 MB/s.
    close(out.steps[0]!.makespanSeconds, 1.1 + 2 * 5 + 2 + 2 * (4.01 / 2 + 1), 'makespan');
    assert.equal(out.steps[0]!.model?.bottleneck, 'rsync proxy egress');
    assert.ok(out.samples.every((s) => s.bytesWrittenToDisk === 100 * MB + 450 * MB && s.filesWritten === 1010 && s.bytesDownloaded === 100 * MB));
    // A node's time is its sync, as scap's per-host sync duration is.
    close(out.steps[0]!.model!.nodeSeconds!.p50, 5, 'node time');
    // On one machine (model.harness.cores) every node's rebuild shares shipbench's one thread: the eight nodes
    // reach it together, so each takes eight times its 4.01 s; its cores are left to the syncs' work.
    // As the harness does it, right after each node's sync (no job, no check to wait for).
    const oneMachine = simulate(fleet(8, { disk: 450 * MB }), { harness: { cores: 8 }, rsync, node: { diskIops: 1_000_000, dirtyLimit: '0B' } }, plan);
    close(oneMachine.steps[0]!.makespanSeconds, 1 + 0.1 + 1 + 8 + 8 * 4.01 + 1, 'makespan on one machine');
  });

  test('the plan of an l10n step: rsync moves the changed JSON (CDBs excluded, as scap), nodes rebuild each changed language; ship moves both', () => {
    const branch = 'srv/mediawiki/php-{version}';
    const scenario = (l10n: 'rebuild' | 'ship') =>
      smallScenario({
        content: {
          preset: 'empty',
          versions: 1,
          components: [
            { name: 'core', files: 20, size: '100KB', kind: 'php', perVersion: true, dir: `${branch}/includes` },
            { name: 'l10n-cache', files: 3, size: '600KB', kind: 'cdb', perVersion: true, dir: `${branch}/cache/l10n` },
          ],
        },
        image: { strategies: ['monolithic'] },
        deploy: ['initial', 'l10n'],
        volume: { l10n },
      });
    const rebuild = buildFleetPlan(scenario('rebuild')).volume[1]!;
    const ship = buildFleetPlan(scenario('ship')).volume[1]!;
    assert.equal(ship.changedFiles, 6);
    assert.equal(ship.l10nRebuild, undefined);
    assert.equal(rebuild.changedFiles, 3);
    assert.equal(rebuild.treeFiles, ship.treeFiles - 3);
    assert.equal(rebuild.l10nRebuild?.languages, 3);
    assert.equal(rebuild.changedBytes, rebuild.l10nRebuild?.jsonBytes);
    assert.equal(rebuild.changedBytes + (rebuild.l10nRebuild?.cdbBytes ?? 0), ship.changedBytes);
    // Either way a node ends up holding the whole code tree, CDBs included: its disk held in the model.
    assert.equal(rebuild.treeBytes, ship.treeBytes);
    assert.ok((rebuild.treeBytes ?? 0) > 20 * 100_000 * 0.5, 'the tree holds the 2 MB of PHP and the l10n cache');
    const out = simulate(fleet(2), {}, buildFleetPlan(scenario('rebuild')));
    const volumeDisks = out.samples.filter((s) => s.strategy === 'volume' && s.step === rebuild.step).map((s) => s.nodeDisk);
    assert.deepEqual(volumeDisks, [0, 1].map(() => ({ heldBytes: rebuild.treeBytes, imagesHeld: 0, gcFreedBytes: 0, gcImagesRemoved: 0 })));
  });
});

describe('fleet model: node spread', () => {
  test('log-normal draws have the asked mean and coefficient of variation', () => {
    const draws = logNormalDraws(Rng.derive(7, 'test'), 200_000, 2, 0.25);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
    assert.ok(Math.abs(mean - 2) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(sd / mean - 0.25) < 0.01, `cv ${sd / mean}`);
    assert.ok(logNormalDraws(Rng.derive(7, 'test'), 5, 3, 0).every((v) => v === 3));
  });

  test('NIC-bound nodes with a NIC spread: p99 above p50, mean node time near size over mean NIC, same seed same fleet', () => {
    const f = fleet(400, { nic: 800 * MB });
    const input: ModelInput = { volume: false, registry: { egress: '1000Gbit/s' }, node: { spread: { nic: '20%' } } };
    const out = simulate(f, input, imagePlan([layer('a', 100)]));
    const t = out.steps[0]!.model!.nodeSeconds!;
    assert.equal(t.nodes, 400);
    assert.ok(t.p99 > t.p50 * 1.2, `p99 ${t.p99} vs p50 ${t.p50}`);
    assert.ok(t.p50 <= t.p90 && t.p90 <= t.p99 && t.p99 <= t.p999 && t.p999 <= t.max);
    // Each node takes 1 s / its NIC draw; E[1/X] for a log-normal of mean 1 is 1 + cv^2.
    const mean = out.samples.reduce((a, s) => a + s.totalSeconds, 0) / out.samples.length;
    assert.ok(Math.abs(mean - 1.04) < 0.03, `mean node time ${mean}`);
    assert.equal(t.ecdf[t.ecdf.length - 1]!.share, 1);
    const again = simulate(f, input, imagePlan([layer('a', 100)]));
    assert.deepEqual(again.samples.map((s) => s.totalSeconds), out.samples.map((s) => s.totalSeconds));
    const other = simulate(f, input, imagePlan([layer('a', 100)]), 2);
    assert.notDeepEqual(other.samples.map((s) => s.totalSeconds), out.samples.map((s) => s.totalSeconds));
  });

  test('measured NIC rates shape the fleet (spread.nic: { empirical }): a slow tenth stays a slow tenth, the mean stays fleet.node.nic', () => {
    // Nine nodes measured at 10 Gbit/s and one at 5. Drawn by linear interpolation between neighbours, a ninth of the
    // fleet falls between 5 and 10 and the rest at 10; the distribution's mean, (7.5 + 8 x 10) / 9 = 9.72, is the NIC's.
    const rates = ['10Gbit/s', '10Gbit/s', '10Gbit/s', '10Gbit/s', '5Gbit/s', '10Gbit/s', '10Gbit/s', '10Gbit/s', '10Gbit/s', '10Gbit/s'];
    const nodes = 2000;
    const times = (nic: string | { empirical: string[] }) =>
      simulate(fleet(nodes, { nic: 800 * MB }), { volume: false, registry: { egress: '100000Gbit/s' }, node: { spread: { nic } } }, imagePlan([layer('a', 100)])).samples.map((s) => s.totalSeconds);
    const sorted = times({ empirical: rates }).sort((a, b) => a - b);
    const fastMultiplier = 10 / ((7.5 + 8 * 10) / 9);
    close(sorted[0]!, 1 / fastMultiplier, 'a 10 Gbit/s node: 100 MB over 100 MB/s times 10 / 9.72');
    const slow = sorted.filter((t) => t > sorted[0]! * 1.001).length / nodes;
    assert.ok(Math.abs(slow - 1 / 9) < 0.025, `share of slower nodes ${slow}: a ninth of the distribution`);
    assert.ok(sorted[nodes - 1]! <= 2 * sorted[0]! * (1 + 1e-9), `the slowest node ${sorted[nodes - 1]} s: no slower than the measured 5 Gbit/s`);
    // A log-normal of the same coefficient of variation has no such plateau: hardly a node shares the fastest time.
    const cv = empiricalVariation(rates.map((r) => Number.parseFloat(r)));
    const logNormal = times(`${(100 * cv).toFixed(1)}%`).sort((a, b) => a - b);
    assert.ok(logNormal.filter((t) => t <= logNormal[0]! * 1.001).length < nodes / 100, 'a log-normal spreads every node');
  });

  test('measured start delays are drawn as they are (spread.startDelay: { empirical })', () => {
    const nodes = 2000;
    const out = simulate(fleet(nodes, { nic: 800 * MB }), { volume: false, registry: { egress: '10000Gbit/s' }, node: { spread: { startDelay: { empirical: ['0s', '0s', '0s', '4s'] } } } }, imagePlan([layer('a', 100)]));
    const delays = out.samples.map((s) => s.totalSeconds - 1);
    // A third of the interpolated distribution lies between 0 and 4 s (mean 2 s), the rest at 0: mean 2/3 s.
    const mean = delays.reduce((a, b) => a + b, 0) / nodes;
    assert.ok(Math.abs(mean - 2 / 3) < 0.08, `mean start delay ${mean}`);
    assert.ok(delays.every((d) => d >= -1e-9 && d <= 4 + 1e-9), 'every delay inside the measured range');
    const late = delays.filter((d) => d > 1e-6).length / nodes;
    assert.ok(Math.abs(late - 1 / 3) < 0.03, `share of nodes that started late ${late}`);
  });

  test('a start delay adds its mean to the mean node time', () => {
    const out = simulate(fleet(2000, { nic: 800 * MB }), { volume: false, registry: { egress: '10000Gbit/s' }, node: { spread: { startDelay: '2s' } } }, imagePlan([layer('a', 100)]));
    const mean = out.samples.reduce((a, s) => a + s.totalSeconds, 0) / out.samples.length;
    assert.ok(Math.abs(mean - 3) < 0.15, `mean node time ${mean}`);
  });
});

describe('fleet model: requests', () => {
  test("a node's own work before its requests (model.node.manifest) varies as its round trips do (spread.latency)", () => {
    const nodes = 400;
    const manifests = (latency: string) =>
      simulate(fleet(nodes, { nic: 800 * MB }), { volume: false, registry: { egress: '10000Gbit/s', rtt: '0s', perRequest: '0s' }, node: { manifest: '1s', spread: { latency, startDelay: '0s' } } }, imagePlan([layer('a', 1)])).samples.map((s) => s.manifestSeconds);
    assert.deepEqual(new Set(manifests('0%').map((m) => m.toFixed(9))), new Set([(1).toFixed(9)]));
    const spread = manifests('40%');
    const mean = spread.reduce((a, b) => a + b, 0) / nodes;
    const cv = Math.sqrt(spread.reduce((a, b) => a + (b - mean) ** 2, 0) / nodes) / mean;
    assert.ok(Math.abs(mean - 1) < 0.08 && Math.abs(cv - 0.4) < 0.08, `mean ${mean} s, cv ${cv}`);
  });

  test('a far registry: the nodes share its path, their latency draws vary only their own part of each round trip (spread.localRtt)', () => {
    const nodes = 400;
    // Time to manifest without a handshake: 3 round trips, each the path's and the node's part of it.
    const manifests = (rtt: string, localRtt?: string) =>
      simulate(
        fleet(nodes, { nic: 800 * MB }),
        { volume: false, registry: { egress: '10000Gbit/s', rtt, perRequest: '0s', handshake: 0 }, node: { spread: { latency: '40%', startDelay: '0s', ...(localRtt === undefined ? {} : { localRtt }) } } },
        imagePlan([layer('a', 1)]),
      ).samples.map((s) => s.manifestSeconds);
    const stats = (xs: number[]) => {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return { mean, sd: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
    };
    // Within a data centre (1 ms, the default local part) every round trip varies as a whole: CV 40%.
    const near = stats(manifests('1ms'));
    assert.ok(Math.abs(near.mean - 0.003) < 0.0003 && Math.abs(near.sd / near.mean - 0.4) < 0.08, `near: mean ${near.mean} s, sd ${near.sd} s`);
    // 90 ms away, the same draws vary 1 ms of each round trip: the same spread in seconds, not 40% of the ocean.
    const far = manifests('90ms');
    const farStats = stats(far);
    assert.ok(Math.abs(farStats.mean - 0.27) < 0.0003, `far: mean ${farStats.mean} s`);
    close(farStats.sd, near.sd, 'far: the spread of the node-side part alone');
    for (const [i, m] of far.entries()) assert.ok(m > 0.267, `node ${i}: ${m} s, below the path's 0.27 s less all three local parts`);
    // localRtt as long as the path: the draw multiplies all of it, as a measured run's dispersion does.
    const whole = stats(manifests('90ms', '90ms'));
    assert.ok(Math.abs(whole.sd / whole.mean - 0.4) < 0.08, `whole: mean ${whole.mean} s, sd ${whole.sd} s`);
  });

  test('a tiny image takes a round trip per request: manifest (HEAD, GET), config, one GET per blob, after its connection\'s handshake', () => {
    const layers = [layer('a', 0.001), layer('b', 0.001), layer('c', 0.001)];
    const out = simulate(fleet(1, { downloads: 1 }), { volume: false, registry: { rtt: '50ms', perRequest: '0s' } }, imagePlan(layers));
    // TCP and TLS 1.3 (2 round trips), 3 requests before the layers, then 3 blob GETs one at a time on the same
    // connection: 8 round trips; 1 kB needs no second round of slow start, and each blob's write takes 2 us
    // of the default 500 MB/s disk.
    close(out.steps[0]!.makespanSeconds, 8 * 0.05 + 3 * (0.001 * MB) / (500 * MB), 'makespan');
    close(out.samples[0]!.manifestSeconds, 5 * 0.05, 'time to manifest');
  });

  test('token auth, a redirect to a blob store and slow start on a far registry', () => {
    const far = { rtt: '100ms', perRequest: '0s', egress: '1000Gbit/s' } as const;
    const one = (registry: NonNullable<ModelInput['registry']>, layers = [layer('a', 10)]) =>
      simulate(fleet(1, { downloads: 1, nic: 8000 * MB, disk: 1e6 * MB }), { volume: false, registry }, imagePlan(layers));
    const rtt = 0.1;
    // A NIC of 8 Gbit/s, 1 GB/s. 10 MB within one round trip's worth at 1 GB/s (100 MB): slow start takes log2(10 MB / 14480 B + 1) round
    // trips from the initial window, the first of them the GET's own.
    const rounds = Math.log2((10 * MB) / 14480 + 1);
    const ramp = (rounds - 1) * rtt - (10 * MB) / (1000 * MB);
    const plain = one({ ...far, auth: 'none' });
    close(plain.samples[0]!.manifestSeconds, (2 + 3) * rtt, 'open reads: handshake, HEAD, GET, config');
    close(plain.steps[0]!.makespanSeconds, (2 + 3 + 1) * rtt + ramp + (10 * MB) / (1000 * MB), 'one blob on the same, still cold, connection');
    // Token auth: the first HEAD gets a 401, then the token, then the HEAD again: two more round trips.
    const token = one({ ...far, auth: 'token' });
    close(token.samples[0]!.manifestSeconds, (2 + 5) * rtt, 'token auth');
    // A redirect: every blob GET (the config's too) is answered by the registry, then asked of the store 1 ms
    // away, on a connection of its own (its handshake once): the slow start is the store's, 1 ms a round.
    const store = 0.001;
    const redirected = one({ ...far, auth: 'none', redirect: { rtt: '1ms' } });
    const storeRamp = (Math.log2((1000 * MB * store) / 14480 + 1) - 1) * store - store;
    close(redirected.samples[0]!.manifestSeconds, (2 + 3) * rtt + (2 + 1) * store, 'the config from the store');
    close(redirected.steps[0]!.makespanSeconds, (2 + 3 + 1) * rtt + (2 + 1 + 1) * store + storeRamp + (10 * MB) / (1000 * MB), 'the blob from the store');
    // A connection that carried a blob is warm: a second blob on it starts at speed; 0B turns slow start off.
    const two = one({ ...far, auth: 'none' }, [layer('a', 10), layer('b', 10)]);
    close(two.steps[0]!.makespanSeconds, (2 + 3 + 2) * rtt + ramp + (20 * MB) / (1000 * MB), 'the second blob without a ramp');
    const open = one({ ...far, auth: 'none', initialWindow: '0B', handshake: 0 });
    close(open.steps[0]!.makespanSeconds, (3 + 1) * rtt + (10 * MB) / (1000 * MB), 'no handshake, no slow start');
  });

  test('a cache tier fills over its own kept connections: the registry\'s and the redirect\'s round trips, no handshake, no slow start', () => {
    const out = simulate(
      fleet(1, { downloads: 1, nic: 8000 * MB, disk: 1e6 * MB }),
      { volume: false, topologies: ['cache'], registry: { rtt: '100ms', perRequest: '0s', egress: '1000Gbit/s', redirect: { rtt: '1ms' } }, cache: { rtt: '0s', perRequest: '0s', egress: '1000Gbit/s' } },
      imagePlan([layer('a', 10)]),
    );
    // The node resolves at the registry itself (handshake, 3 requests, the config's redirect on a new store
    // connection), then asks the cache, which fills from the registry and the store: 100 ms + 1 ms.
    close(out.samples[0]!.manifestSeconds, (2 + 3) * 0.1 + (2 + 1) * 0.001, 'time to manifest');
    close(out.steps[0]!.makespanSeconds, (2 + 3) * 0.1 + (2 + 1) * 0.001 + 0.1 + 0.001 + (10 * MB) / (1000 * MB), 'makespan');
  });

  test('concurrent downloads open connections of their own, each paying the handshake and its own slow start', () => {
    const layers = [layer('a', 0.001), layer('b', 0.001), layer('c', 0.001)];
    const out = simulate(fleet(1, { downloads: 3 }), { volume: false, registry: { rtt: '50ms', perRequest: '0s' } }, imagePlan(layers));
    // The first blob reuses the resolve's connection (1 round trip); the other two open new ones (3 each). The
    // two writes that land together share the 500 MB/s disk: 4 us.
    close(out.steps[0]!.makespanSeconds, (2 + 3 + 3) * 0.05 + 2 * (0.001 * MB) / (500 * MB), 'makespan');
  });

  test('a storm of small blobs saturates the registry\'s requests per second before its bytes per second', () => {
    const blobs = Array.from({ length: 20 }, (_, i) => layer(`b${i}`, 0.01));
    // 200 nodes x (3 + 20) requests at 2 cores / 1 ms = 2000 requests/s: 2.3 s; the bytes (40 MB) take 0.04 s at 1 GB/s.
    const out = simulate(fleet(200), { volume: false, registry: { egress: '8Gbit/s', rtt: '0s', perRequest: '1ms', cores: 2 } }, imagePlan(blobs));
    // Identical nodes move in lockstep: each round of blob GETs leaves the cores idle while its bytes move,
    // so the makespan is the requests' 2.3 s plus at most the bytes' 0.04 s, never the bytes' time alone.
    const makespan = out.steps[0]!.makespanSeconds;
    assert.ok(makespan >= (200 * 23) / 2000 - 1e-9 && makespan <= (200 * 23) / 2000 + 0.04 + 1e-6, `makespan ${makespan}`);
  });
});

describe('fleet model: P2P swarms and trees', () => {
  const fast = { volume: false, registry: { egress: '100Gbit/s' } } as const;

  test('a node serves only what it holds: with one upload at a time, holders double each round (S/U per round)', () => {
    // 8 nodes, one 100 MB layer in one chunk, uploads of 100 MB/s: the first node fetches it from the registry
    // (0.2 s through its 500 MB/s disk), then 1 -> 2 -> 4 -> 8 holders in three rounds of 1 s.
    const out = simulate(fleet(8, { nic: 80_000 * MB, disk: 500 * MB }), { ...fast, topologies: ['p2p'], p2p: { piece: '100MB', upload: '800Mbit/s', peers: 1, agentCopy: 'none' } }, imagePlan([layer('a', 100)]));
    close(out.steps[0]!.makespanSeconds, 0.2 + 3, 'makespan');
    close(out.steps[0]!.registryBytesServed, 100 * MB, 'registry bytes');
  });

  test('serving peers from disk costs the uploader disk time its own download needed; from page cache it does not', () => {
    // Two nodes, disk-bound (100 MB/s for writes and reads): the second fetches every chunk from the first,
    // which reads it back from its disk when its page cache is too small to hold it.
    const run = (pageCache: string) =>
      simulate(fleet(2, { nic: 80_000 * MB, disk: 100 * MB }), { ...fast, topologies: ['p2p'], p2p: { piece: '12.5MB', upload: '80Gbit/s', agentCopy: 'none' }, node: { pageCache, diskRead: '100MB/s' } }, imagePlan([layer('a', 100)]));
    const hot = run('4GiB').samples.find((s) => s.node === 'node-1')!.totalSeconds;
    const cold = run('0B').samples.find((s) => s.node === 'node-1')!.totalSeconds;
    close(hot, 1, 'uploader from page cache: its own 100 MB at 100 MB/s');
    // Its reads for the peer trail its writes by a chunk or more, so part of them land after its own download.
    assert.ok(cold > 1.3 * hot, `uploader reading for its peer: ${cold} s`);
  });

  test('a chain (tree of fanout 1) pipelines chunks: depth x chunk time, not depth x layer time', () => {
    // 4 nodes in a chain, an 80 MB layer in 8 chunks at 100 MB/s, one chunk at a time: the root has chunk j
    // at 0.1 (j + 1) s and each hop adds one chunk time: 0.8 + 3 x 0.1 s.
    const out = simulate(
      fleet(4, { nic: 80_000 * MB, disk: 80_000 * MB }),
      { volume: false, topologies: ['tree'], registry: { egress: '800Mbit/s' }, tree: { fanout: 1 }, p2p: { piece: '10MB', upload: '800Mbit/s', peers: 1 }, node: { diskRead: '80GB/s' } },
      imagePlan([layer('a', 80)]),
    );
    assert.equal(out.steps[0]!.strategy, 'img@tree');
    close(out.steps[0]!.makespanSeconds, 0.8 + 3 * 0.1, 'makespan');
    close(out.steps[0]!.registryBytesServed, 80 * MB, 'registry bytes');
  });

  test('an agent\'s download limit (p2p.download) bounds its node\'s transfers together, from peers and back to source', () => {
    // 100 MB in 4 chunks, up to 4 at once, every link far above the agents' 400 Mbit/s (50 MB/s): 2 s, whether a
    // node fetches it back to source (alone) or from a peer that pulled it before the deploy.
    const pull = (nodes: number, download?: string) => {
      const out = simulate(
        fleet(nodes, { nic: 80_000 * MB, disk: 80_000 * MB }),
        { ...fast, topologies: ['p2p'], rollout: { prePull: nodes === 2 ? '50%' : '0%' }, p2p: { piece: '25MB', upload: '80Gbit/s', peers: 4, agentCopy: 'none', ...(download === undefined ? {} : { download }) }, node: { diskRead: '80GB/s' } },
        imagePlan([layer('a', 100)]),
      );
      return out.samples.find((s) => s.totalSeconds > 0)!.totalSeconds;
    };
    for (const nodes of [1, 2]) {
      close(pull(nodes, '400Mbit/s'), 2, `${nodes === 1 ? 'back to source' : 'from a peer'} at the agent's limit`);
      assert.ok(pull(nodes) < 0.1, `without a limit: ${pull(nodes)} s`);
    }
  });

  test('a seed tier fetches each chunk from the registry once per data centre and serves the nodes', () => {
    const out = simulate(fleet(20), { ...fast, topologies: ['p2p'], datacentres: [{ name: 'a' }, { name: 'b' }], p2p: { piece: '4MiB', seeds: 2 } }, imagePlan([layer('a', 64)]));
    close(out.steps[0]!.registryBytesServed, 2 * 64 * MB, 'registry bytes: one copy per data centre');
    close(out.steps[0]!.bytesDownloaded, 20 * 64 * MB, 'every node gets every byte');
  });
});

describe('fleet model: the bottleneck each step names', () => {
  test('many nodes on one slow registry replica are bound by registry egress', () => {
    const out = simulate(fleet(20, { nic: 8000 * MB, disk: 4000 * MB }), { volume: false, registry: { replicas: 1, egress: '100Mbit/s' } }, imagePlan([layer('a', 10)]));
    assert.equal(out.steps[0]!.model?.bottleneck, 'registry egress');
  });

  test('a fast registry and slow NICs are bound by the node NIC', () => {
    const out = simulate(fleet(4, { nic: 80 * MB, disk: 4000 * MB }), { volume: false, registry: { replicas: 4, egress: '100Gbit/s' } }, imagePlan([layer('a', 10)]));
    assert.equal(out.steps[0]!.model?.bottleneck, 'node nic');
  });

  test('nodes each bound by their own NIC that wait for a rollout slot are bound by the rollout concurrency', () => {
    const model = { volume: false, registry: { replicas: 4, egress: '100Gbit/s' } };
    const held = simulate(fleet(8, { nic: 80 * MB, disk: 4000 * MB, maxConcurrent: 2 }), model, imagePlan([layer('a', 10)]));
    assert.equal(held.steps[0]!.model?.bottleneck, 'rollout concurrency');
    close(held.steps[0]!.makespanSeconds, 4 * 1, 'four waves of 10 MB at 80 Mbit/s');
    // A shared capacity stays the answer: more nodes at once would not go faster through one slow replica.
    const shared = simulate(fleet(8, { nic: 8000 * MB, disk: 4000 * MB, maxConcurrent: 2 }), { volume: false, registry: { replicas: 1, egress: '100Mbit/s' } }, imagePlan([layer('a', 10)]));
    assert.equal(shared.steps[0]!.model?.bottleneck, 'registry egress');
  });

  test('a slow storage backend behind fast replicas is bound by the backend read', () => {
    const out = simulate(fleet(20, { nic: 8000 * MB, disk: 4000 * MB }), { volume: false, registry: { replicas: 4, egress: '100Gbit/s', backendRead: '200Mbit/s' } }, imagePlan([layer('a', 10)]));
    assert.equal(out.steps[0]!.model?.bottleneck, 'registry backend read');
  });
});
