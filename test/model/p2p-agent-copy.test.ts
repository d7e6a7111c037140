import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';

const MB = 1e6;
const FAST = 80_000 * MB;
const disk = 100 * MB;

/**
 * A 100 MB layer in one chunk, its NIC and every source far above the node's 100 MB/s disk (free requests, no
 * spread, no hashing, no unpack): with `fromPeer`, two nodes, one of which held the layer before the deploy
 * (its disk reads free) and serves the other; else one node, which fetches it from the registry. Returns the
 * pulling node's time and the bytes it wrote.
 */
function pull(agentCopy: boolean, dirtyLimit: string, fromPeer = true) {
  const nodes = fromPeer ? 2 : 1;
  const fleet: ModelFleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true }] }, node: { nicBitsPerSecond: FAST * 8, disk: { writeBytesPerSecond: disk }, maxConcurrentDownloads: 1, unpack: false } };
  const model = resolveModel(
    {
      volume: false,
      topologies: ['p2p'],
      rollout: { prePull: fromPeer ? '50%' : '0%' },
      registry: { egress: '640Gbit/s', rtt: '0s', perRequest: '0s' },
      p2p: { rtt: '0s', scheduler: '0s', piece: '100MB', chunks: 1, upload: '640Gbit/s', endgame: 0, agentCopy },
      node: { manifest: '0s', dirtyLimit, diskRead: '80GB/s', cpu: { sha256PerGiB: '0s' }, spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' } },
    },
    { nodes, nicBitsPerSecond: FAST * 8, diskWriteBytesPerSecond: disk },
  );
  const plan: FleetPlan = { strategies: [{ name: 'img', steps: [{ step: 's0', layers: [{ id: 'a', compressedBytes: 100 * MB, uncompressedBytes: 100 * MB, files: 0 }] }] }], volume: [] };
  const out = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: 1 });
  const puller = out.samples.find((s) => s.totalSeconds > 0)!;
  return { seconds: puller.totalSeconds, written: puller.bytesWrittenToDisk };
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${actual} != ${expected}`);

describe('P2P agent\'s copy (p2p.agentCopy): the agent keeps a chunk of its own beside the runtime\'s blob', () => {
  test('without it a chunk is written once: the blob at the disk\'s pace', () => {
    const once = pull(false, '0B');
    close(once.seconds, 1, 'one copy');
    assert.equal(once.written, 100 * MB);
  });

  test('the agent\'s copy is written as well, through the disk with the transfer, dirty room or not', () => {
    // Nobody syncs it, but a pull of gigabytes fills the dirty pages early: the model takes it through the disk.
    for (const dirtyLimit of ['0B', '1GB']) {
      const twice = pull(true, dirtyLimit);
      close(twice.seconds, 2, `two copies (dirty limit ${dirtyLimit})`);
      assert.equal(twice.written, 200 * MB);
    }
  });

  test('a chunk the node fetches from the registry (nobody holds it) is the agent\'s too', () => {
    close(pull(false, '0B', false).seconds, 1, 'one copy from the registry');
    const twice = pull(true, '0B', false);
    close(twice.seconds, 2, 'two copies from the registry');
    assert.equal(twice.written, 200 * MB);
  });
});
