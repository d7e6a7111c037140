import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';

const MB = 1e6;

describe('lazy pulls through a cache, peers or a tree (lazy-cache, lazy-p2p, lazy-tree)', () => {
  test('a node starts after its working set wherever it fetches from; the registry serves each byte once per data centre', () => {
    const nodes = 20;
    const fleet: ModelFleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true }] }, node: { nicBitsPerSecond: 800 * MB, maxConcurrentDownloads: 1, unpack: false } };
    const free = { rtt: '0s', perRequest: '0s' };
    const model = resolveModel(
      {
        volume: false,
        topologies: ['lazy', 'lazy-cache', 'lazy-p2p', 'lazy-tree'],
        registry: { egress: '800Mbit/s', ...free },
        cache: { egress: '100Gbit/s', ...free },
        // One copy of what a node fetches, whatever the topology (an agent's copy beside it: p2p-agent-copy.test.ts).
        p2p: { rtt: '0s', scheduler: '0s', upload: '800Mbit/s', chunks: 4, agentCopy: 'none' },
        lazy: { workingSet: '10%' },
        node: { manifest: '0s', start: '0s', diskRead: '80GB/s', spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' } },
      },
      { nodes, nicBitsPerSecond: 800 * MB, diskWriteBytesPerSecond: 10_000 * MB },
    );
    const plan: FleetPlan = { strategies: [{ name: 'img', steps: [{ step: 's0', layers: [{ id: 'a', compressedBytes: 100 * MB, uncompressedBytes: 100 * MB, files: 0 }] }] }], volume: [] };
    const out = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: 3 });
    const step = (name: string) => out.steps.find((s) => s.strategy === name)!;
    const direct = step('img@lazy');
    // Straight from a registry of 100 MB/s: 20 nodes x 100 MB, every byte from the registry, 20 s in all.
    assert.ok(Math.abs(direct.registryBytesServed - nodes * 100 * MB) < 1);
    assert.ok(Math.abs(direct.makespanSeconds - 20) < 1e-6, `lazy makespan ${direct.makespanSeconds}`);
    // Working sets first (20 x 10 MB at 100 MB/s): the last container starts at 2 s.
    assert.ok(Math.abs(direct.model!.timeToStart!.makespanSeconds - 2) < 1e-6, `lazy time to start ${direct.model!.timeToStart!.makespanSeconds}`);
    for (const name of ['img@lazy-cache', 'img@lazy-p2p', 'img@lazy-tree']) {
      const s = step(name);
      assert.ok(Math.abs(s.registryBytesServed - 100 * MB) < 1, `${name}: registry served ${s.registryBytesServed}`);
      assert.ok(s.model!.timeToStart!.makespanSeconds < direct.model!.timeToStart!.makespanSeconds, `${name} starts sooner than from the registry`);
      assert.ok(s.model!.timeToStart!.makespanSeconds < s.makespanSeconds);
    }
    // Lazy pulls write what they fetch: a layer's bytes per node, through any topology.
    for (const sample of out.samples) assert.equal(sample.bytesWrittenToDisk, 100 * MB);
  });
});
