import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';
import type { ModelInput } from '../../src/scenario/model-schema.ts';

const MB = 1e6;
/** Node NIC and disk far above every link in these tests, so only the links under test bind. */
const FAST = 80_000 * MB;

function fleet(nodes: number): ModelFleet {
  return { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true }] }, node: { nicBitsPerSecond: FAST * 8, disk: { writeBytesPerSecond: FAST }, maxConcurrentDownloads: 3, unpack: false } };
}

/** Identical nodes, free requests and no scheduler delay, so the relay's closed forms hold exactly. */
function simulate(nodes: number, input: ModelInput, layerBytes: number) {
  const free = { rtt: '0s', perRequest: '0s' };
  const model = resolveModel(
    {
      volume: false,
      ...input,
      registry: { ...free, ...input.registry },
      p2p: { rtt: '0s', scheduler: '0s', ...input.p2p },
      node: { manifest: '0s', diskRead: '80GB/s', spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' }, ...input.node },
    },
    { nodes, nicBitsPerSecond: FAST * 8, diskWriteBytesPerSecond: FAST },
  );
  const plan: FleetPlan = { strategies: [{ name: 'img', steps: [{ step: 's0', layers: [{ id: 'a', compressedBytes: layerBytes, uncompressedBytes: layerBytes, files: 0 }] }] }], volume: [] };
  return simulateFleet({ model, fleet: fleet(nodes), volume: { proxies: 1 }, plan, seed: 1 });
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${actual} != ${expected}`);
const bitRate = (bytesPerSecond: number) => `${(bytesPerSecond * 8) / 1e6}Mbit/s`;

describe('P2P relay: a node serves a chunk from its first piece on', () => {
  const layerBytes = 100 * MB;
  const piece = 10 * MB;
  const link = 100 * MB;

  test('a 2-hop relay takes one chunk time plus one piece time, not two chunk times', () => {
    // A chain (tree of fanout 1), the layer in one chunk of 10 pieces: the root gets it from the registry in
    // S/B; its child starts once the root has the first piece and trails it by that piece.
    const out = simulate(2, { topologies: ['tree'], tree: { fanout: 1 }, registry: { egress: bitRate(link) }, p2p: { piece: '10MB', upload: bitRate(link), chunks: 1 } }, layerBytes);
    close(out.steps[0]!.makespanSeconds, layerBytes / link + piece / link, 'makespan');
    assert.ok(out.steps[0]!.makespanSeconds < (2 * layerBytes) / link, 'faster than store and forward');
  });

  test('a relay faster than its upstream cannot overtake it: it ends a piece (at its own rate) after the upstream', () => {
    // The registry gives the root half the link's rate; the child could go twice as fast but holds the chunk
    // only once the root does, plus the last piece at its own rate.
    const slow = link / 2;
    const out = simulate(2, { topologies: ['tree'], tree: { fanout: 1 }, registry: { egress: bitRate(slow) }, p2p: { piece: '10MB', upload: bitRate(link), chunks: 1 } }, layerBytes);
    close(out.steps[0]!.makespanSeconds, layerBytes / slow + piece / link, 'makespan');
  });

  test('serving costs the uploader its upload link: two children of one parent share it', () => {
    // One piece per chunk, so the children wait for the whole chunk (S/B), then share the parent's upload U.
    const out = simulate(3, { topologies: ['tree'], tree: { fanout: 2 }, registry: { egress: bitRate(link) }, p2p: { piece: '100MB', upload: bitRate(link), chunks: 1 } }, layerBytes);
    close(out.steps[0]!.makespanSeconds, layerBytes / link + (2 * layerBytes) / link, 'makespan');
  });

  test('the least-loaded holder is chosen: downloaders spread over idle holders instead of doubling up', () => {
    // 4 nodes hold the layer before the deploy, 4 fetch it, each holder may serve 2 at once: least-loaded
    // choice gives each downloader its own holder (S/U); two on one holder would take 2 S/U. No end game: with
    // one piece left from the start, each would also ask a second holder (p2p-endgame.test.ts).
    const out = simulate(8, { topologies: ['p2p'], rollout: { prePull: '50%' }, registry: { egress: bitRate(link) }, p2p: { piece: '100MB', upload: bitRate(link), chunks: 1, peers: 2, endgame: 0 } }, layerBytes);
    close(out.steps[0]!.makespanSeconds, layerBytes / link, 'makespan');
    close(out.steps[0]!.registryBytesServed, 0, 'registry bytes');
  });
});
