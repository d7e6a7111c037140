import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { layerChunks } from '../../src/model/topologies/layer-chunks.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';

const MiB = 2 ** 20;
const DEFAULTS = { chunks: 32, stepChunks: 64 };

describe('P2P chunks: a step is cut into p2p.stepChunks, shared among its layers by size', () => {
  test('an image of one layer, or of two about equal, keeps p2p.chunks per layer', () => {
    assert.equal(layerChunks(500 * MiB, 500 * MiB, DEFAULTS), 32);
    assert.deepEqual([250, 250].map((m) => layerChunks(m * MiB, 500 * MiB, DEFAULTS)), [32, 32]);
    // Two unequal: the smaller one gets its share (64 x 2/5).
    assert.deepEqual([300, 200].map((m) => layerChunks(m * MiB, 500 * MiB, DEFAULTS)), [32, 26]);
  });

  test('ten layers: chunks by each layer\'s share of the step, at least one, at most p2p.chunks', () => {
    const sizes = [1200, 900, 800, 700, 650, 600, 500, 400, 300, 5].map((m) => m * MiB);
    const step = sizes.reduce((a, b) => a + b, 0);
    const chunks = sizes.map((b) => layerChunks(b, step, DEFAULTS));
    assert.deepEqual(chunks, [13, 10, 8, 7, 7, 6, 5, 4, 3, 1]);
    // A larger budget than ten layers can use: each stops at p2p.chunks.
    assert.ok(sizes.every((b) => layerChunks(b, step, { chunks: 32, stepChunks: 100_000 }) === 32));
    // A step that downloads nothing (every layer held) keeps the per-layer cap.
    assert.equal(layerChunks(5 * MiB, 0, DEFAULTS), 32);
  });

  test('a ten-layer P2P pull at the step\'s resolution comes out as at p2p.chunks per layer, on average over seeds, in a fraction of the events', () => {
    const nodes = 200;
    const sizes = [240, 180, 160, 140, 130, 120, 100, 80, 60, 20].map((m) => m * MiB);
    const plan: FleetPlan = { strategies: [{ name: 'ten', steps: [{ step: 'initial', layers: sizes.map((b, i) => ({ id: `l${i}`, compressedBytes: b, uncompressedBytes: b * 3, files: 100 })) }] }], volume: [] };
    const fleet: ModelFleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true }] }, node: { nicBitsPerSecond: 10e9, disk: { writeBytesPerSecond: 1e9 }, maxConcurrentDownloads: 3, unpack: true } };
    const run = (stepChunks: number, seed: number) => {
      const model = resolveModel({ topologies: ['p2p'], volume: false, registry: { egress: '2Gbit/s' }, p2p: { piece: '4MiB', upload: '2Gbit/s', stepChunks } }, { nodes, nicBitsPerSecond: 10e9, diskWriteBytesPerSecond: 1e9 });
      const step = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed }).steps[0]!;
      const figures = step.model!;
      return { makespan: step.makespanSeconds, p50: figures.nodeSeconds!.p50, p99: figures.nodeSeconds!.p99, events: figures.events };
    };
    // A swarm's figures scatter from seed to seed by a few percent either way between resolutions (which node
    // gets which holder's slot first), around a bias of 2-3%: coarse chunks land a node's first layers a little
    // sooner (README, "How many chunks a layer moves in"). So the resolutions are compared summed over seeds.
    const seeds = [7, 8, 9, 10];
    const sum = (runs: Array<ReturnType<typeof run>>, key: 'makespan' | 'p50' | 'p99' | 'events') => runs.reduce((total, r) => total + r[key], 0);
    const fine = seeds.map((seed) => run(320, seed));
    const step = seeds.map((seed) => run(64, seed));
    for (const key of ['makespan', 'p50', 'p99'] as const) {
      assert.ok(Math.abs(sum(step, key) / sum(fine, key) - 1) <= 0.05, `${key}: ${sum(step, key).toFixed(1)} s summed over seeds at 64 chunks a step, ${sum(fine, key).toFixed(1)} s at 32 a layer`);
    }
    assert.ok(sum(step, 'events') < sum(fine, 'events') / 2, `${sum(step, 'events')} events against ${sum(fine, 'events')}`);
  });
});
