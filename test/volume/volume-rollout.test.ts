import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diffTrees } from '../../src/image/tree-diff.ts';
import type { NodeStepSample } from '../../src/metrics/samples.ts';
import type { StepResult } from '../../src/metrics/step-result.ts';
import type { ResolvedScenario } from '../../src/scenario/resolved.ts';
import { runVolumeRollouts } from '../../src/harness/volume-mechanism.ts';
import type { VolumeRolloutEvent } from '../../src/volume/volume-rollout.ts';
import { smallScenario } from '../support/scenarios.ts';
import { writeStagingTrees } from '../support/staging-trees.ts';
import { treeDigest } from '../support/tree-digest.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rollout(scenario: ResolvedScenario, workDir: string, trees: Array<{ step: string; dir: string }>, onEvent: (e: VolumeRolloutEvent) => void = () => undefined) {
  const steps: Array<{ result: StepResult; samples: NodeStepSample[]; nodeTrees: Map<string, string[]> }> = [];
  const pids: number[] = [];
  const outcome = await runVolumeRollouts({
    scenario,
    trees,
    workDir,
    diskDevice: undefined,
    runStartMs: performance.now(),
    signal: undefined,
    onEvent: (e) => {
      if (e.type === 'daemons-started') pids.push(e.master.pid, ...e.proxies.map((p) => p.pid));
      onEvent(e);
    },
    onStep: async (result, samples) => {
      // Judge each node's tree as the step leaves it, before the next step changes it.
      const nodeTrees = new Map<string, string[]>();
      for (const s of samples) if (s.error === undefined) nodeTrees.set(s.node, await treeDigest(join(workDir, 'nodes', s.node)));
      steps.push({ result, samples, nodeTrees });
    },
  });
  return { outcome, steps, pids };
}

describe('volume rollout: real rsync daemons (master, proxies) and rsync clients', { timeout: 120_000 }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-volume-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('leaves every node byte-identical to each step\'s plain tree, moves a backport\'s bytes (not the tree\'s), and stops every daemon', async () => {
    const scenario = smallScenario({
      deploy: ['initial', { backport: { files: 1 } }, { backport: { files: 2, removes: 1 } }],
      fleet: { nodes: 3, rollout: { stages: [{ canaries: 1 }, { rest: true }] } },
      volume: { proxies: 2, assign: 'round-robin' },
      measure: { repeat: 1, warmup: 0 },
      // About 5 MiB: byte-identical trees and a backport that moves about its file, not the tree, show at any
      // size (a smaller tree only makes the backport's share of it larger).
      content: { preset: 'mediawiki-multiversion', scale: 0.0005, versions: 2 },
    });
    const trees = await writeStagingTrees(scenario, join(work, 'a', 'trees'));
    const { outcome, steps, pids } = await rollout(scenario, join(work, 'a', 'volume'), trees);
    assert.equal(outcome.stoppedBecause, undefined);
    assert.equal(steps.length, 3);
    for (const [i, { result, samples, nodeTrees }] of steps.entries()) {
      assert.equal(result.strategy, 'volume');
      assert.equal(result.failedNodes, 0, samples.map((s) => s.error).join('\n'));
      const expected = await treeDigest((trees[i] as { dir: string }).dir);
      assert.equal(nodeTrees.size, 3);
      for (const [node, digest] of nodeTrees) assert.deepEqual(digest, expected, `${node} after ${result.step}`);
      // Round robin over two proxies: node-1 and node-3 on proxy-1, node-2 on proxy-2; egress adds up.
      assert.deepEqual(samples.map((s) => [s.node, s.volume?.proxy]).sort(), [['node-1', 'proxy-1'], ['node-2', 'proxy-2'], ['node-3', 'proxy-1']]);
      const volume = result.volume;
      assert.ok(volume !== undefined);
      assert.equal(volume.proxies.reduce((n, p) => n + p.egressBytes, 0), result.bytesDownloaded);
      assert.ok(volume.masterEgressBytes > 0);
      assert.equal(result.versionSkew?.atomicPerNode, false);
      // The mixed-version window is measured after the nodes (no node's time), and lands in each sample too.
      const windows = samples.map((s) => s.volume?.mixedVersionSeconds ?? Number.NaN).sort((a, b) => a - b);
      assert.equal(result.versionSkew?.perNodeMixedSeconds?.max, windows[windows.length - 1], result.step);
      if (i === 0) assert.ok(windows.every((w) => w > 0), `the initial sync writes many files over time: ${windows}`);
    }
    // The initial sync ships the whole tree; the one-file backport ships about that file.
    const treeBytes = trees[0]?.files.reduce((n, f) => n + f.bytes, 0) ?? 0;
    const changed = diffTrees(trees[0]?.files ?? [], trees[1]?.files ?? []);
    const changedBytes = changed.written.reduce((n, f) => n + f.bytes, 0);
    assert.ok(changedBytes > 0 && changedBytes < treeBytes / 20, `${changedBytes} of ${treeBytes}`);
    // As scap, rsync leaves the l10n CDB files out (each node builds them from the shipped JSON).
    const cdbBytes = trees[0]?.files.filter((f) => f.kind === 'cdb').reduce((n, f) => n + f.bytes, 0) ?? 0;
    assert.ok(cdbBytes > 0);
    for (const s of steps[0]?.samples ?? []) {
      assert.equal(s.volume?.rsync?.literalBytes, treeBytes - cdbBytes, `${s.node} initial`);
      assert.equal(s.volume?.l10n?.cdbBytesWritten, cdbBytes, `${s.node} initial`);
    }
    for (const s of steps[1]?.samples ?? []) assert.equal(s.volume?.l10n?.languages, 0, `${s.node}: a backport leaves the l10n cache alone`);
    for (const s of steps[1]?.samples ?? []) {
      assert.equal(s.filesWritten, 1, `${s.node}: ${JSON.stringify(s.volume?.rsync)}`);
      assert.equal(s.bytesWrittenToDisk, changedBytes);
      // Literal data plus the file list and checksums: of the order of the file, far below the tree.
      assert.ok(s.bytesDownloaded <= changedBytes + 64 * 1024, `${s.node} backport received ${s.bytesDownloaded}, the file is ${changedBytes}`);
      assert.ok(s.bytesDownloaded * 50 < treeBytes, `${s.node} backport received ${s.bytesDownloaded} of a ${treeBytes}-byte tree`);
    }
    // The second backport removed a file: --delete took it off the nodes (checked by the identical trees above).
    assert.ok(steps[2]?.samples.every((s) => (s.volume?.rsync?.filesDeleted ?? 0) >= 1));
    assert.equal(pids.length, 3);
    assert.deepEqual(pids.filter(alive), [], 'every rsync daemon was stopped');
  });

  it('a proxy killed mid-sync: its nodes fail over to the other proxy and still end byte-identical', async () => {
    const scenario = smallScenario({
      deploy: ['initial', { backport: { files: 1 } }],
      fleet: { nodes: 4, node: { nic: '80Mbit/s' } },
      // Uncompressed, so the link limit keeps the initial sync in flight long enough to kill the proxy under it.
      volume: { proxies: 2, assign: 'round-robin', compress: false },
      measure: { repeat: 1, warmup: 0 },
      content: { preset: 'mediawiki-multiversion', scale: 0.002, versions: 2 },
    });
    const trees = await writeStagingTrees(scenario, join(work, 'b', 'trees'));
    let proxy1Pid: number | undefined;
    let killed = false;
    const { outcome, steps, pids } = await rollout(scenario, join(work, 'b', 'volume'), trees, (e) => {
      if (e.type === 'daemons-started') proxy1Pid ??= e.proxies[0]?.pid;
      if (e.type === 'node-start' && e.proxy === 'proxy-1' && e.step === 'initial' && !killed && proxy1Pid !== undefined) {
        killed = true;
        const pid = proxy1Pid;
        // The daemon and the children serving its connections: the whole proxy goes down.
        setTimeout(() => process.kill(-pid, 'SIGKILL'), 300);
      }
    });
    assert.ok(killed);
    assert.equal(outcome.stoppedBecause, undefined);
    const [initial, backport] = steps;
    assert.ok(initial !== undefined && backport !== undefined);
    assert.equal(initial.result.failedNodes, 0, initial.samples.map((s) => s.error).join('\n'));
    assert.ok(initial.result.retries >= 1 && (initial.result.volume?.failovers ?? 0) >= 1);
    assert.ok(initial.samples.some((s) => (s.volume?.failovers ?? 0) >= 1 && s.volume?.proxy === 'proxy-2'));
    assert.equal(initial.result.volume?.proxies.find((p) => p.proxy === 'proxy-1')?.failed, true);
    // The next step runs on the surviving proxy alone.
    assert.equal(backport.result.failedNodes, 0);
    assert.ok(backport.samples.every((s) => s.volume?.proxy === 'proxy-2'));
    for (const [i, { nodeTrees }] of steps.entries()) {
      const expected = await treeDigest((trees[i] as { dir: string }).dir);
      for (const [node, digest] of nodeTrees) assert.deepEqual(digest, expected, `${node} after step ${i}`);
    }
    assert.deepEqual(pids.filter(alive), [], 'every rsync daemon was stopped');
  });

  it('with its only proxy dead, a node fails loudly and the measured step is still reported', async () => {
    const scenario = smallScenario({
      deploy: ['initial'],
      fleet: { nodes: 2, node: { nic: '80Mbit/s' }, rollout: { maxConcurrent: 1 } },
      volume: { proxies: 1, compress: false },
      measure: { repeat: 1, warmup: 0 },
      content: { preset: 'mediawiki-multiversion', scale: 0.002, versions: 2 },
    });
    const trees = await writeStagingTrees(scenario, join(work, 'c', 'trees'));
    let killed = false;
    const { outcome, steps, pids } = await rollout(scenario, join(work, 'c', 'volume'), trees, (e) => {
      if (e.type === 'daemons-started' && !killed) {
        killed = true;
        const pid = e.proxies[0]?.pid as number;
        // Down after the proxy tier synced, while the first node syncs from it.
        setTimeout(() => process.kill(-pid, 'SIGKILL'), 1_500);
      }
    });
    assert.equal(steps.length, 1);
    const { result, samples } = steps[0] as (typeof steps)[number];
    assert.equal(result.nodes, 2);
    assert.equal(result.failedNodes, 2);
    assert.ok(samples.every((s) => /no proxy left/.test(s.error ?? '')), samples.map((s) => s.error).join('\n'));
    assert.match(outcome.stoppedBecause ?? '', /every node failed volume initial/);
    assert.deepEqual(pids.filter(alive), []);
    // Nothing was written outside the work dir: the volume side's directories (the master's staging tree among them) are all it made there.
    assert.deepEqual((await readdir(join(work, 'c', 'volume'))).sort(), ['daemons', 'nodes', 'proxies', 'staging']);
  });
});
