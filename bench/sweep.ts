/**
 * How long does a planner wait for a sweep? 20 points of scenarios/wikimedia-fleet.yaml (fleet.nodes x
 * model.registry.replicas), run by `shipbench simulate --sweep` (a worker process per core running points in turn),
 * against its peer in the same run: the same 20 points simulated one after another by hand (`simulate --set`),
 * which is what a planner did before. Target: under a minute on this 2-core machine; the ratio shows what the
 * parallel points buy.
 *
 *   npx tsx bench/sweep.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCliBundle } from './cli-bundle.ts';

const CLI = new URL('../bin/shipbench.js', import.meta.url).pathname;
const SCENARIO = new URL('../scenarios/wikimedia-fleet.yaml', import.meta.url).pathname;
const NODES = [150, 300, 600, 1200, 2400];
const REPLICAS = [1, 2, 4, 8];
const work = mkdtempSync(join(tmpdir(), 'shipbench-bench-sweep-'));
buildCliBundle();

function timed(args: string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  return (performance.now() - t0) / 1000;
}

try {
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const sweep = timed(['simulate', SCENARIO, '--sweep', `fleet.nodes=${NODES.join(',')}`, '--sweep', `model.registry.replicas=${REPLICAS.join(',')}`, '--out', join(work, 'sweep')]);
  let byHand = 0;
  for (const n of NODES) for (const r of REPLICAS) byHand += timed(['simulate', SCENARIO, '--set', `fleet.nodes=${n}`, '--set', `model.registry.replicas=${r}`, '--out', join(work, `hand-${n}-${r}`)]);
  const points = NODES.length * REPLICAS.length;
  console.log(`sweep of ${points} points: ${sweep.toFixed(1)} s${sweep < 60 ? '' : '  [above the 60 s target]'}`);
  console.log(`the same ${points} points one by one: ${byHand.toFixed(1)} s; ratio by hand / sweep: ${(byHand / sweep).toFixed(2)}`);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
