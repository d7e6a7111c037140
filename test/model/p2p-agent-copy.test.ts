import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';
import type { AgentCopyMode } from '../../src/scenario/model-resolved.ts';

const MB = 1e6;
const FAST = 80_000 * MB;
const DISK = 100 * MB;

/**
 * A 100 MB layer in one chunk, every source far above the node's NIC (`nic` bytes per second) and its disk
 * (`disk`; free requests, no spread, no hashing, no unpack): with `fromPeer`, two nodes, one of which held the
 * layer before the deploy (its disk reads free) and serves the other; else one node, which fetches it from the
 * registry. Returns the pulling node's time and the bytes it wrote.
 */
function pull(agentCopy: AgentCopyMode, o: { dirtyLimit?: string; fromPeer?: boolean; nic?: number; disk?: number; diskRead?: string; pageCache?: string } = {}) {
  const { dirtyLimit = '0B', fromPeer = true, nic = FAST, disk = DISK, diskRead = '80GB/s', pageCache = '4GiB' } = o;
  const nodes = fromPeer ? 2 : 1;
  const fleet: ModelFleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true }] }, node: { nicBitsPerSecond: nic * 8, disk: { writeBytesPerSecond: disk }, maxConcurrentDownloads: 1, unpack: false } };
  const model = resolveModel(
    {
      volume: false,
      topologies: ['p2p'],
      rollout: { prePull: fromPeer ? '50%' : '0%' },
      registry: { egress: '640Gbit/s', rtt: '0s', perRequest: '0s' },
      p2p: { rtt: '0s', scheduler: '0s', piece: '100MB', chunks: 1, upload: '640Gbit/s', endgame: 0, agentCopy },
      node: { manifest: '0s', dirtyLimit, diskRead, pageCache, cpu: { sha256PerGiB: '0s' }, spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' } },
    },
    { nodes, nicBitsPerSecond: nic * 8, diskWriteBytesPerSecond: disk },
  );
  const plan: FleetPlan = { strategies: [{ name: 'img', steps: [{ step: 's0', layers: [{ id: 'a', compressedBytes: 100 * MB, uncompressedBytes: 100 * MB, files: 0 }] }] }], volume: [] };
  const out = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: 1 });
  const puller = out.samples.find((s) => s.totalSeconds > 0)!;
  return { seconds: puller.totalSeconds, written: puller.bytesWrittenToDisk };
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${actual} != ${expected}`);

describe('P2P agent\'s copy (p2p.agentCopy): the agent keeps the chunks of its own beside the runtime\'s blob', () => {
  test('none: a chunk is written once, the blob at the disk\'s pace', () => {
    const once = pull('none');
    close(once.seconds, 1, 'one copy');
    assert.equal(once.written, 100 * MB);
  });

  test('alongside: the agent\'s copy is written as the chunk arrives, through the disk with it, dirty room or not', () => {
    // Nobody syncs it, but a pull of gigabytes fills the dirty pages early: the model takes it through the disk.
    for (const dirtyLimit of ['0B', '1GB']) {
      const twice = pull('alongside', { dirtyLimit });
      close(twice.seconds, 2, `two copies (dirty limit ${dirtyLimit})`);
      assert.equal(twice.written, 200 * MB);
    }
  });

  test('alongside: a chunk the node fetches from the registry (nobody holds it) is the agent\'s too', () => {
    close(pull('none', { fromPeer: false }).seconds, 1, 'one copy from the registry');
    const twice = pull('alongside', { fromPeer: false });
    close(twice.seconds, 2, 'two copies from the registry');
    assert.equal(twice.written, 200 * MB);
  });

  test('first: the runtime copies the layer from the agent once it is whole, after the swarm, not beside it', () => {
    // NIC 50 MB/s, disk 1000 MB/s: the download takes 2 s whichever way; alongside its second write hides
    // under it, first adds the local copy after it (100 MB at 1000 MB/s, in page cache: no read).
    const fast = { nic: 50 * MB, disk: 1000 * MB };
    close(pull('alongside', fast).seconds, 2, 'alongside');
    const first = pull('first', fast);
    close(first.seconds, 2 + 0.1, 'first');
    assert.equal(first.written, 200 * MB);
    // A layer larger than the page cache is read back from the agent's copy on disk too (1000 MB/s): 0.2 s.
    close(pull('first', { ...fast, diskRead: '1000MB/s', pageCache: '50MB' }).seconds, 2 + 0.2, 'first, read back');
  });
});
