import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { harnessBoundCores } from '../../src/model/calibration-cpu.ts';
import { fitLinks } from '../../src/model/calibration-links.ts';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import type { NodeStepSample } from '../../src/metrics/samples.ts';
import { limiterBurstBytes } from '../../src/scenario/limiter-burst.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';

const MB = 1e6;
const KiB = 1024;

/** One node, requests that cost nothing, a 1 MB/s NIC with a burst of `burst`: only the NIC takes time. */
function oneNode(layersKB: number[], burst: string) {
  const fleet: ModelFleet = { nodes: 1, rollout: { maxConcurrent: 1, stages: [{ rest: true }] }, node: { nicBitsPerSecond: 8 * MB, maxConcurrentDownloads: 1, unpack: false } };
  const free = { rtt: '0s', perRequest: '0s' };
  const model = resolveModel(
    { volume: false, registry: { egress: '1000Gbit/s', ...free }, node: { manifest: '0s', nicBurst: burst, spread: { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' } } },
    { nodes: 1, nicBitsPerSecond: 8 * MB, diskWriteBytesPerSecond: 10_000 * MB },
  );
  const plan: FleetPlan = { strategies: [{ name: 'img', steps: [{ step: 's0', layers: layersKB.map((kb, i) => ({ id: `l${i}`, compressedBytes: kb * 1000, uncompressedBytes: kb * 1000, files: 0 })) }] }], volume: [] };
  return simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: 1 }).steps[0]!.makespanSeconds;
}

describe('a rate limiter\'s burst (model.node.nicBurst)', () => {
  test('a node\'s first bytes of a step pass at once; the rest at the limited rate', () => {
    // Within 10 us: a byte the burst lets through still crosses the 10 GB/s disk.
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} != ${b}`);
    close(oneNode([100], '0B'), 0.1, 'no burst');
    close(oneNode([100], '64KiB'), (100_000 - 64 * KiB) / MB, 'burst');
    // The bucket is spent by the first layer: the second pays in full.
    close(oneNode([20, 100], '64KiB'), (120_000 - 64 * KiB) / MB, 'two layers');
    close(oneNode([40], '64KiB'), 0, 'a layer within the burst');
  });

  test('virtual nodes\' bucket: 1/20 s of the limit, at least 64 KiB; a link fit leaves the burst out of the rate', () => {
    assert.equal(limiterBurstBytes(MB), 64 * KiB);
    assert.equal(limiterBurstBytes(100 * MB), 5 * MB);
    const sample: NodeStepSample = {
      node: 'a', step: 's', strategy: 'x', repeat: 0, startSeconds: 0, manifestSeconds: 0, totalSeconds: 2,
      layers: [{ digest: 'sha256:a', bytes: 2 * MB, downloadSeconds: 2 - (64 * KiB) / MB, downloadStartSeconds: 0, unpackSeconds: 0, files: 1 }],
      bytesDownloaded: 2 * MB, bytesWrittenToDisk: 2 * MB, filesWritten: 1,
    };
    assert.ok(Math.abs(fitLinks([sample], 64 * KiB)!.nicBytesPerSecond - MB) < 1e-6);
  });
});

describe('calibration on a harness-bound run', () => {
  test('the model shares the cores other processes left when most steps had the machine saturated, none otherwise', () => {
    const cpu = { harnessCores: 2, otherLoadCores: 0.6, registryBusyCores: 0.1, harnessBusyCores: 1.2, cpuSecondsPerByteWritten: 1e-8, cpuSecondsPerFile: 1e-4 };
    assert.ok(Math.abs(harnessBoundCores({ ...cpu, saturatedStepShare: 0.75 })! - 1.4) < 1e-9);
    assert.equal(harnessBoundCores({ ...cpu, saturatedStepShare: 0 }), undefined);
    assert.equal(harnessBoundCores({ ...cpu, otherLoadCores: 1.9, saturatedStepShare: 1 }), 1);
  });
});
