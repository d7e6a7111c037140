import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { drawInterference, NORMAL_Z99 } from '../../src/model/node-interference.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';
import type { ModelInput } from '../../src/scenario/model-schema.ts';

const MB = 1e6;
const quantile = (sorted: Float64Array | number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const AGENT_UPLOAD = 100 * MB;
const LAYER_BYTES = 100 * MB;

/**
 * A P2P fleet whose only limit is the agents' upload U (NICs, disks, requests and hashing all far faster), the
 * first `prePull` of its nodes holding a layer of S = 100 MB from before the deploy: S / U from a full-speed holder.
 */
function agentLimitedSwarm(nodes: number, prePull: string, p2p: NonNullable<ModelInput['p2p']> = {}) {
  const fast = 80_000 * MB;
  const fleet: ModelFleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true }] }, node: { nicBitsPerSecond: fast * 8, disk: { writeBytesPerSecond: fast }, maxConcurrentDownloads: 1, unpack: false } };
  const input: ModelInput = {
    topologies: ['p2p'],
    volume: false,
    registry: { egress: '100000Gbit/s', rtt: '0s', perRequest: '0s' },
    rollout: { prePull },
    p2p: { rtt: '0s', scheduler: '0s', upload: `${(AGENT_UPLOAD * 8) / 1e6}Mbit/s`, chunks: 1, agentCopy: 'none', ...p2p },
    node: { manifest: '0s', diskRead: '80GB/s', cpu: { sha256PerGiB: '0s' }, spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '25%' } },
  };
  const model = resolveModel(input, { nodes, nicBitsPerSecond: fast * 8, diskWriteBytesPerSecond: fast });
  const plan: FleetPlan = { strategies: [{ name: 'img', steps: [{ step: 's0', layers: [{ id: 'a', compressedBytes: LAYER_BYTES, uncompressedBytes: LAYER_BYTES, files: 0 }] }] }], volume: [] };
  return (seed: number) => simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed });
}

describe('node interference: a busy host is slower at everything, never faster', () => {
  test('half the hosts run at full speed; the slowest 1% at exp(2.33 sigma)', () => {
    const d = drawInterference('t', 40_000, 0.25).sort();
    const atFull = d.filter((x) => x === 1).length / d.length;
    assert.ok(Math.abs(atFull - 0.5) < 0.01, `share at full speed ${atFull}`);
    const p99 = quantile(d, 0.99);
    assert.ok(Math.abs(Math.log(p99) - NORMAL_Z99 * 0.25) < 0.02, `p99 slowdown ${p99}, expected ${Math.exp(NORMAL_Z99 * 0.25)}`);
    assert.ok(drawInterference('t', 5, 0).every((x) => x === 1));
  });

  test('a NIC-bound fleet: each node takes its slowdown times S/B, on direct pulls too', () => {
    const nodes = 300;
    const fleet: ModelFleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true }] }, node: { nicBitsPerSecond: 800 * MB, maxConcurrentDownloads: 1, unpack: false } };
    const free = { rtt: '0s', perRequest: '0s' };
    const input: ModelInput = {
      volume: false,
      registry: { egress: '100000Gbit/s', ...free },
      node: { manifest: '0s', diskRead: '80GB/s', spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '25%' } },
    };
    const model = resolveModel(input, { nodes, nicBitsPerSecond: 800 * MB, diskWriteBytesPerSecond: 10_000 * MB });
    const plan: FleetPlan = { strategies: [{ name: 'img', steps: [{ step: 's0', layers: [{ id: 'a', compressedBytes: 100 * MB, uncompressedBytes: 100 * MB, files: 0 }] }] }], volume: [] };
    const out = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: 5 });
    const d = drawInterference(5, nodes, 0.25);
    // 100 MB over a 100 MB/s NIC: 1 s for a host at full speed, d s for one slowed by d.
    out.samples.forEach((s, i) => assert.ok(Math.abs(s.totalSeconds - d[i]!) < 1e-6, `node ${i}: ${s.totalSeconds} s, slowdown ${d[i]}`));
    const t = out.steps[0]!.model!.nodeSeconds!;
    assert.ok(Math.abs(t.p50 - 1) < 0.02, `p50 ${t.p50}`);
    assert.ok(t.p99 > 1.5 && t.p99 < 2.2, `p99 ${t.p99}`);
  });

  test("a busy host's P2P agent serves its peers at 1/d of p2p.upload, as it does everything else", () => {
    // Two nodes: node 1 pulled the image before the deploy and serves it to node 0 through its agent's upload
    // limit U (far below both NICs and disks): S / (U / d1) for the holder's slowdown d1. A seed whose d1 is well
    // above 1, so that a model which left the limit alone (S / U) fails here.
    const nodes = 2;
    const seed = [...Array(50).keys()].find((k) => drawInterference(k, nodes, 0.25)[1]! > 1.2)!;
    const d = drawInterference(seed, nodes, 0.25);
    const out = agentLimitedSwarm(nodes, '50%')(seed);
    assert.equal(out.steps[0]!.model!.prePulledNodes, 1);
    const expected = LAYER_BYTES / (AGENT_UPLOAD / d[1]!);
    assert.ok(Math.abs(out.samples[0]!.totalSeconds - expected) < 1e-6 * expected, `node 0: ${out.samples[0]!.totalSeconds} s, expected ${expected} (holder's slowdown ${d[1]})`);
  });

  test("a downloader picks the holder a transfer gets most from: a busy host's slow upload slows mostly itself", () => {
    // Three nodes: nodes 1 and 2 pulled the image before the deploy, one of them a busy host (d > 1.2), the other
    // at full speed; node 0 fetches the layer's one chunk from one of them. Both are idle, so a pick by uploads
    // alone takes whichever its random start meets first (the busy one in about half the seeds); a pick by what
    // the transfer would get takes the full-speed holder every time: S / U.
    const nodes = 3;
    const seeds = [...Array(400).keys()].filter((k) => {
      const d = drawInterference(k, nodes, 0.25);
      return Math.min(d[1]!, d[2]!) === 1 && Math.max(d[1]!, d[2]!) > 1.2;
    }).slice(0, 8);
    assert.equal(seeds.length, 8);
    // No end game: its second copy from the other holder would hide a first pick of the busy one.
    const pull = agentLimitedSwarm(nodes, '66.67%', { endgame: 0 });
    for (const seed of seeds) {
      const out = pull(seed);
      assert.equal(out.steps[0]!.model!.prePulledNodes, 2);
      const expected = LAYER_BYTES / AGENT_UPLOAD;
      assert.ok(Math.abs(out.samples[0]!.totalSeconds - expected) < 1e-6 * expected, `seed ${seed}: node 0 took ${out.samples[0]!.totalSeconds} s, ${expected} s from the full-speed holder`);
    }
  });
});
