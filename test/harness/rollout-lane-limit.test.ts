import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import type { Lane } from '../../src/harness/mechanism.ts';
import { runRollouts } from '../../src/harness/rollout-skeleton.ts';
import type { NodeStepSample } from '../../src/metrics/samples.ts';
import { fleetNodeNames } from '../../src/scenario/fleet-node-names.ts';
import { smallScenario } from '../support/scenarios.ts';

/** Runs one step of a lane over six nodes, four at a time by fleet.rollout; returns the most nodes deploying at once. */
async function mostAtOnce(laneLimit: number | undefined): Promise<number> {
  const scenario = smallScenario({ fleet: { nodes: 6, rollout: { maxConcurrent: 4 } }, deploy: ['initial'] });
  let running = 0;
  let most = 0;
  const lane: Lane = {
    label: 'volume',
    steps: ['initial'],
    ...(laneLimit === undefined ? {} : { maxConcurrent: laneLimit }),
    reset: async () => undefined,
    deployStep: (_, id) => ({
      begin: async () => undefined,
      // Each node's deploy holds its slot for 50 ms: what the skeleton lets overlap is what is counted.
      deployNode: async (node): Promise<NodeStepSample> => {
        most = Math.max(most, ++running);
        await sleep(50);
        running--;
        return { node: node.name, step: id.step, strategy: id.strategy, repeat: id.repeat, startSeconds: 0, manifestSeconds: 0, totalSeconds: 0.05, layers: [], bytesDownloaded: 0, bytesWrittenToDisk: 0, filesWritten: 0 };
      },
      end: () => ({ makespanSeconds: 0, registryBytesServed: 0, retries: 0, throughput: { name: 'aggregate download', unit: 'bytes/s', points: [] } }),
    }),
  };
  await runRollouts([lane], { scenario, nodeNames: fleetNodeNames(6), diskDevice: undefined, runStartMs: performance.now(), signal: undefined, onEvent: () => undefined, onStep: async () => undefined });
  return most;
}

describe('rollout skeleton: how many nodes of a lane deploy at once', () => {
  test("a lane's own limit (scap's batch for rsync lanes) holds within fleet.rollout.maxConcurrent", async () => {
    assert.equal(await mostAtOnce(undefined), 4);
    assert.equal(await mostAtOnce(2), 2);
    assert.equal(await mostAtOnce(80), 4, 'a batch above fleet.rollout.maxConcurrent changes nothing');
  });
});
