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
 * Two nodes: one held the 100 MB layer before the deploy (its disk reads free), the other pulls it over P2P in
 * one chunk, its NIC and the upload far above its 100 MB/s disk (free requests, no spread, no hashing, no
 * unpack). Returns the puller's time and the bytes it wrote.
 */
function pull(agentCopy: boolean, dirtyLimit: string) {
  const fleet: ModelFleet = { nodes: 2, rollout: { maxConcurrent: 2, stages: [{ rest: true }] }, node: { nicBitsPerSecond: FAST * 8, disk: { writeBytesPerSecond: disk }, maxConcurrentDownloads: 1, unpack: false } };
  const model = resolveModel(
    {
      volume: false,
      topologies: ['p2p'],
      rollout: { prePull: '50%' },
      registry: { rtt: '0s', perRequest: '0s' },
      p2p: { rtt: '0s', scheduler: '0s', piece: '100MB', chunks: 1, upload: '640Gbit/s', endgame: 0, agentCopy },
      node: { manifest: '0s', dirtyLimit, diskRead: '80GB/s', cpu: { sha256PerGiB: '0s' }, spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' } },
    },
    { nodes: 2, nicBitsPerSecond: FAST * 8, diskWriteBytesPerSecond: disk },
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

  test('the agent\'s copy is written as well: through the disk with the transfer when no dirty room is left', () => {
    const twice = pull(true, '0B');
    close(twice.seconds, 2, 'two copies through the disk');
    assert.equal(twice.written, 200 * MB);
  });

  test('where it fits under the dirty limit it goes to page cache and costs the pull nothing; the rest crosses the disk', () => {
    // The whole copy fits: the pull takes the blob's 1 s, the copy is written back after it.
    close(pull(true, '1GB').seconds, 1, 'copy in page cache');
    assert.equal(pull(true, '1GB').written, 200 * MB);
    // Half of it fits: each byte of the chunk costs the disk 1.5 bytes' time.
    close(pull(true, '50MB').seconds, 1.5, 'half the copy through the disk');
  });
});
