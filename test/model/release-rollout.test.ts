import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FleetPlan } from '../../src/model/fleet-plan.ts';
import type { ModelFleet } from '../../src/model/model-fleet.ts';
import { simulateFleet } from '../../src/model/simulate-fleet.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';
import type { ModelInput } from '../../src/scenario/model-schema.ts';

const MB = 1e6;
const IDENTICAL = { nic: '0%', disk: '0%', decompress: '0%', latency: '0%', startDelay: '0s', interference: '0%' };
const FREE = { rtt: '0s', perRequest: '0s' };
// One layer through a 100 MB/s NIC: 50 MB take 0.5 s.
const plan = (mb: number): FleetPlan => ({ strategies: [{ name: 'img', steps: [{ step: 'initial', layers: [{ id: 'a', compressedBytes: mb * MB, uncompressedBytes: mb * MB, files: 0 }] }] }], volume: [] });

/** Containers run 0.5 s after the image is there; the default warm-up (1 s) and readiness period (10 s). */
function simulate(nodes: number, rollout: NonNullable<ModelInput['rollout']>, o: { stages?: ModelFleet['rollout']['stages']; layerMb?: number; registryEgress?: string } = {}) {
  const stages = o.stages ?? [{ rest: true }];
  const fleet: ModelFleet = { nodes, rollout: { maxConcurrent: nodes, stages }, node: { nicBitsPerSecond: 800 * MB, maxConcurrentDownloads: 3, unpack: false } };
  const model = resolveModel(
    { volume: false, registry: { ...FREE, egress: o.registryEgress ?? '100Gbit/s' }, node: { manifest: '0s', start: '0.5s', spread: IDENTICAL }, rollout },
    { nodes, nicBitsPerSecond: 800 * MB, diskWriteBytesPerSecond: undefined },
  );
  const out = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan: plan(o.layerMb ?? 50), seed: 1 });
  const spans = out.samples.map((s) => [s.startSeconds, s.startSeconds + s.totalSeconds] as const);
  const pullingAtOnce = Math.max(...spans.map(([t]) => spans.filter(([a, b]) => a <= t + 1e-9 && t + 1e-9 < b).length));
  return { step: out.steps[0]!, starts: out.samples.map((s) => s.startSeconds), pullingAtOnce };
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${actual} != ${expected}`);

describe('fleet model: rollouts pod by pod through Kubernetes releases (model.rollout.releases)', () => {
  test('a rolling update: surge + unavailable pods at once, a node pulls for its first pod, each pod ready at a probe after its warm-up', () => {
    // 20 pods on 10 nodes, 2 at once. Five rounds of fresh nodes: a 15 s pull, the containers run at 15.5 s and
    // answer at 16.5 s, and the probe that finds them is the pod's second tick, at 20 s. Then five rounds on nodes
    // that hold the image: they answer at 1.5 s, found by the first tick at 10 s.
    const { step, pullingAtOnce } = simulate(10, { releases: [{ name: 'web', replicas: 20, maxSurge: 1, maxUnavailable: 1 }] }, { layerMb: 1500 });
    close(step.makespanSeconds, 5 * 20 + 5 * 10, 'makespan');
    close(step.model!.timeToStart!.makespanSeconds, 5 * 20 + 5 * 10, 'time-to-start makespan');
    close(step.model!.nodeSeconds!.p50, 15, 'a node\'s pull');
    assert.equal(pullingAtOnce, 2);
    // The release rolled 150 s, within helm's default 5 minutes.
    assert.deepEqual(step.model!.releases, [{ release: 'web', datacentre: 'dc1', seconds: 150, pastTimeout: false }]);
    // Every node is held by its own NIC while pods wait for the update's window.
    assert.equal(step.model!.bottleneck, 'rollout concurrency');
  });

  test('a step whose nodes pulled for less than half its time is paced by the rollout, whatever its short pulls met', () => {
    // 1 MB a node through a 10 MB/s registry: 0.2 s of pulling a window, against 10 s of readiness.
    const { step } = simulate(10, { releases: [{ name: 'web', replicas: 20, maxSurge: 1, maxUnavailable: 1 }] }, { layerMb: 1, registryEgress: '80Mbit/s' });
    close(step.makespanSeconds, 10 * 10, 'makespan');
    assert.equal(step.model!.bottleneck, 'rollout concurrency');
    // Node by node the same pulls are the registry's.
    assert.equal(simulate(10, {}, { layerMb: 1, registryEgress: '80Mbit/s' }).step.model!.bottleneck, 'registry egress');
  });

  test('without a warm-up a pod is ready at the probe kubelet makes as its containers run; without a period, as it answers', () => {
    const releases = [{ name: 'web', replicas: 20, maxSurge: 1, maxUnavailable: 1 }];
    // Fresh nodes: 0.5 s pull, 0.5 s to run; nodes holding the image: 0.5 s to run.
    close(simulate(10, { warmup: '0s', releases }).step.makespanSeconds, 5 * (0.5 + 0.5) + 5 * 0.5, 'no warm-up');
    // Probed all the time: ready 1 s (the warm-up) after the containers run.
    close(simulate(10, { readinessPeriod: '0s', releases }).step.makespanSeconds, 5 * (0.5 + 0.5 + 1) + 5 * (0.5 + 1), 'no period');
  });

  test('concurrentDeployments: releases at once in a data centre; pods of two releases on one node share its pull', () => {
    const releases = [
      { name: 'web', replicas: 10, maxSurge: 10, maxUnavailable: 0 },
      { name: 'api', replicas: 10, maxSurge: 10, maxUnavailable: 0 },
    ];
    // One at a time: web pulls every node, its pods ready at their first tick (10 s), then api's (10 s more).
    const oneAtATime = simulate(10, { concurrentDeployments: 1, timeout: '9s', releases }).step;
    close(oneAtATime.makespanSeconds, 10 + 10, 'one release at a time');
    // Each release rolled 10 s, from when helm started it: past a 9 s timeout.
    assert.deepEqual(oneAtATime.model!.releases!.map((r) => [r.release, r.seconds, r.pastTimeout]), [['web', 10, true], ['api', 10, true]]);
    // Both at once: api's pods land on the nodes web's pods are pulling for, and wait for those pulls.
    const both = simulate(10, { concurrentDeployments: 2, releases });
    close(both.step.makespanSeconds, 10, 'two at once');
    assert.equal(both.pullingAtOnce, 10);
    // A pod on a node that is still pulling waits for that pull: api's first pod runs 0.5 s after the pull web's
    // pods started (0.5 s), each next one 0.5 s after the one before (no warm-up: ready as it runs).
    const oneByOne = [releases[0]!, { name: 'api', replicas: 10, maxSurge: 1, maxUnavailable: 0 }];
    close(simulate(10, { concurrentDeployments: 2, warmup: '0s', releases: oneByOne }).step.makespanSeconds, 1 + 9 * 0.5, 'behind a pull');
  });

  test('canary stages pull their nodes first; once their pods are ready and checked, the releases roll', () => {
    // Canaries pull 0.5 s, their pods run at 1 s and answer at 2 s: ready at their probe's first tick, 10 s. scap's
    // check waits 3 s. The first window's 2 pods land on the canaries, then four windows on fresh nodes: 10 s each.
    const releases = [{ name: 'web', replicas: 10, maxSurge: 1, maxUnavailable: 1 }];
    const { step, starts } = simulate(10, { releases, canaryWait: '3s' }, { stages: [{ canaries: 2 }, { rest: true }] });
    close(step.makespanSeconds, 10 + 3 + 5 * 10, 'makespan');
    assert.equal(starts.filter((t) => t === 0).length, 2);
    // Without a check the releases start as the canaries are ready, not as their pulls end.
    close(simulate(10, { releases, canaryWait: '0s' }, { stages: [{ canaries: 2 }, { rest: true }] }).step.makespanSeconds, 10 + 5 * 10, 'no check');
  });

  test("the deploy's own pre-pull (prePullFirst): its nodes pull a batch at a time, then the rollout, whose pods find the image", () => {
    const releases = [{ name: 'web', replicas: 20, maxSurge: 1, maxUnavailable: 1 }];
    // Every node, 2 at a time: five rounds of 0.5 s. Then ten windows on nodes holding the image, 10 s each.
    const pod = simulate(10, { prePullFirst: { share: '100%', batch: 2 }, releases });
    close(pod.step.makespanSeconds, 5 * 0.5 + 10 * 10, 'pod by pod');
    assert.equal(pod.pullingAtOnce, 2);
    close(pod.step.model!.nodeSeconds!.p50, 0.5, 'a node\'s pull, in the pre-pull');
    // Node by node the rollout then has nothing left to pull; half the nodes pre-pulled leave five to the rollout.
    close(simulate(10, { prePullFirst: { share: '100%', batch: 2 } }).step.makespanSeconds, 5 * 0.5, 'node by node, all');
    close(simulate(10, { prePullFirst: { share: '50%', batch: 2 } }).step.makespanSeconds, 3 * 0.5 + 0.5, 'node by node, half');
    // Nodes that pulled before the deploy (prePull) cost it nothing, and the pre-pull skips them.
    close(simulate(10, { prePull: '50%', prePullFirst: { share: '100%', batch: 2 } }).step.makespanSeconds, 3 * 0.5, 'half ahead, the rest first');
    assert.equal(resolveModel({ rollout: { prePullFirst: { share: '5%' } } }, { nodes: 10, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined }).rollout.prePullFirst?.batch, 80);
  });

  test('surge and unavailable pods as Kubernetes rounds them; replicas as a share of the data centre\'s nodes', () => {
    const resolve = (rollout: NonNullable<ModelInput['rollout']>, nodes = 300) => resolveModel({ rollout }, { nodes, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined }).rollout;
    // Wikimedia's mw-web: 352 pods, maxSurge 3% rounds up to 11, maxUnavailable 6% down to 21.
    assert.deepEqual(resolve({ releases: [{ name: 'web', replicas: '117.3%', maxSurge: '3%', maxUnavailable: '6%' }] }).releases[0], { name: 'web', replicas: [352], surge: [11], unavailable: [21] });
    // Kubernetes' defaults, 25% and 25%: 1 and 0 of 3 pods.
    assert.deepEqual(resolve({ releases: [{ name: 'one', replicas: 3 }] }).releases[0], { name: 'one', replicas: [3], surge: [1], unavailable: [0] });
    // Both rounded to 0: Kubernetes takes one pod down at a time.
    assert.deepEqual(resolve({ releases: [{ name: 'few', replicas: 10, maxSurge: 0, maxUnavailable: '5%' }] }).releases[0], { name: 'few', replicas: [10], surge: [0], unavailable: [1] });
    // Per data centre: shares of each one's nodes.
    const twoDcs = resolveModel({ datacentres: [{ name: 'a', share: '75%' }, { name: 'b', share: '25%' }], rollout: { releases: [{ name: 'web', replicas: '100%', maxSurge: '10%' }] } }, { nodes: 40, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined });
    assert.deepEqual(twoDcs.rollout.releases[0], { name: 'web', replicas: [30, 10], surge: [3, 1], unavailable: [7, 2] });
    assert.equal(resolve({}).readinessPeriodSeconds, 10);
    assert.equal(resolve({}).warmupSeconds, 1);
    assert.equal(resolve({}).timeoutSeconds, 300);
  });
});
