import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';
import type { ModelInput } from '../../src/scenario/model-schema.ts';

const MB = 1e6;
/** Node NIC and disk writes far above every link here, so only the holders' uploads and disk reads bind. */
const FAST = 80_000 * MB;
const layerBytes = 100 * MB;
const upload = 100 * MB;
/** A pre-pulled holder serves from its disk (the layer is no longer in its page cache): the slow holder. */
const diskRead = 10 * MB;

/**
 * One 100 MB layer pulled over P2P by four identical nodes (free requests, no spread, no hashing), some of which
 * held it before the deploy; `o` sets the rollout, the pre-pulled share, the disk and the swarm's knobs.
 */
function simulateLayer(o: { endgame: number; concurrent: number; prePull: string; disk: number; p2p: NonNullable<ModelInput['p2p']>; node: NonNullable<ModelInput['node']> }) {
  const fleet: ModelFleet = { nodes: 4, rollout: { maxConcurrent: o.concurrent, stages: [{ rest: true }] }, node: { nicBitsPerSecond: FAST * 8, disk: { writeBytesPerSecond: o.disk }, maxConcurrentDownloads: 1, unpack: false } };
  const model = resolveModel(
    {
      volume: false,
      topologies: ['p2p'],
      rollout: { prePull: o.prePull },
      registry: { rtt: '0s', perRequest: '0s' },
      // One copy of each chunk (no agent's copy beside it: p2p-agent-copy.test.ts), as the closed forms count.
      p2p: { rtt: '0s', scheduler: '0s', agentCopy: 'none', ...o.p2p, endgame: o.endgame },
      node: { manifest: '0s', cpu: { sha256PerGiB: '0s' }, spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' }, ...o.node },
    },
    { nodes: 4, nicBitsPerSecond: FAST * 8, diskWriteBytesPerSecond: o.disk },
  );
  const plan: FleetPlan = { strategies: [{ name: 'img', steps: [{ step: 's0', layers: [{ id: 'a', compressedBytes: layerBytes, uncompressedBytes: layerBytes, files: 0 }] }] }], volume: [] };
  return simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: 1 }).steps[0]!;
}

/**
 * Four nodes deploying one at a time: one held the layer before the deploy, on disk; the layer is one chunk of
 * one piece. The first node to deploy can only fetch it from that slow holder; each later one finds it there and
 * on the nodes before it (in page cache: fast holders).
 */
function simulate(endgame: number) {
  const p2p = { piece: '100MB', chunks: 1, peers: 2, upload: `${(upload * 8) / 1e6}Mbit/s` };
  const step = simulateLayer({ endgame, concurrent: 1, prePull: '25%', disk: FAST, p2p, node: { diskRead: `${diskRead / MB}MB/s` } });
  return { makespan: step.makespanSeconds, peerBytes: step.model!.tiers.find((t) => t.tier === 'peers')!.bytes };
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${actual} != ${expected}`);

describe('P2P end game: the last chunks from one more holder, the slower copy cancelled', () => {
  const slow = layerBytes / diskRead;
  const fast = layerBytes / upload;

  const off = simulate(0);
  const on = simulate(3);

  test('without it, a node whose holder is slow waits for it even when a fast holder is idle', () => {
    // The swarm's holder choice (seeded) sends every later node to the slow holder too.
    close(off.makespan, 3 * slow, 'makespan');
    close(off.peerBytes, 3 * layerBytes, 'peer bytes');
  });

  test('with it, the later nodes also ask a fast holder and are done at its rate; cancelled copies cost their bytes', () => {
    // The second node's fast copy crossed the network only (a second copy is kept in memory): once it wins, the
    // bytes the slow copy had not written go to the disk from memory before the chunk counts as whole.
    const flush = (layerBytes - diskRead * fast) / FAST;
    close(on.makespan, slow + 2 * fast + flush, 'makespan');
    // The second node's slow copy moved diskRead * fast bytes before it was cancelled; each later node moved at
    // most one extra copy. Peer bytes count them all.
    assert.ok(on.peerBytes >= off.peerBytes + diskRead * fast * (1 - 1e-9), `peer bytes ${on.peerBytes}`);
    assert.ok(on.peerBytes <= off.peerBytes + 2 * layerBytes, `peer bytes ${on.peerBytes}`);
  });
});

describe('P2P end game on a node its disk bounds: a second copy is written once, not twice', () => {
  // Three nodes held the layer before (in page cache, fast uploads); one node pulls it, its disk (50 MB/s) the
  // limit: 100 MB in 10 chunks, the end game from 3 pieces left (3 chunks) asks a second holder for each.
  const run = (endgame: number) =>
    simulateLayer({ endgame, concurrent: 4, prePull: '75%', disk: 50 * MB, p2p: { piece: '10MB', chunks: 10, peers: 4, upload: '80000Mbit/s' }, node: { pageCache: '1TB' } });

  test('the pull takes the layer at the disk\'s rate with the end game as without it, and writes the layer once', () => {
    const off = run(0);
    const on = run(30);
    close(off.makespanSeconds, layerBytes / (50 * MB), 'without the end game');
    // Second copies cross the network only: the disk sees each chunk once, so the end game costs no disk time.
    close(on.makespanSeconds, off.makespanSeconds, 'with it');
    assert.ok(on.model!.tiers.find((t) => t.tier === 'peers')!.bytes > layerBytes, 'the end game moved second copies');
    assert.equal(on.bytesWrittenToDisk, layerBytes);
  });
});
