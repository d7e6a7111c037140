/**
 * How long does `simulate` plan before it simulates? The fleet plan builds every deploy step's content tree
 * (300,000 files per tree for scenarios/wikimedia-fleet.yaml), keys its layers and counts rsync's view, and a
 * sweep plans once before any point starts. Each run is a fresh `shipbench simulate` (the plan runs once per
 * process, JIT cold, as for a user); its results.json times the two phases, so the peer is the simulation of
 * the same scenario in the same process: the ratio plan / simulate is what the plan adds to every run.
 * Target: the plan under 1 s on this 2-core machine. Medians of the runs; the load average is printed
 * beside them, as wall time on a shared machine also counts other processes' turns.
 *
 *   npx tsx bench/fleet-plan.ts [runs]      (default 3; it builds the CLI bundle first, which bin/shipbench.js runs)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCliBundle } from './cli-bundle.ts';

const CLI = new URL('../bin/shipbench.js', import.meta.url).pathname;
const SCENARIO = new URL('../scenarios/wikimedia-fleet.yaml', import.meta.url).pathname;
const runs = Math.max(1, Number(process.argv[2] ?? 3) || 3);
const work = mkdtempSync(join(tmpdir(), 'shipbench-bench-plan-'));
buildCliBundle();

interface Run {
  plan: number;
  simulate: number;
  wall: number;
}

function simulateOnce(i: number): Run {
  const out = join(work, `run-${i}`);
  const t0 = performance.now();
  // simulate's per-step lines go to stderr: kept from the bench's output (a failure still shows them).
  // With the plan cache off: every run plans (a cached plan would time the cache, not the plan).
  execFileSync(process.execPath, [CLI, 'simulate', SCENARIO, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SHIPBENCH_PLAN_CACHE: 'off' } });
  const wall = (performance.now() - t0) / 1000;
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { phases: Array<{ name: string; seconds: number }> };
  const phase = (name: string) => results.phases.find((p) => p.name === name)?.seconds ?? Number.NaN;
  return { plan: phase('plan'), simulate: phase('simulate'), wall };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

try {
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const all: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const run = simulateOnce(i);
    all.push(run);
    console.log(`run ${i + 1}: plan ${run.plan.toFixed(2)} s, simulate ${run.simulate.toFixed(2)} s, whole command ${run.wall.toFixed(2)} s (load ${loadavg()[0]!.toFixed(1)})`);
  }
  const plan = median(all.map((r) => r.plan));
  const simulate = median(all.map((r) => r.simulate));
  console.log(`wikimedia-fleet plan: ${plan.toFixed(2)} s median of ${runs}${plan < 1 ? '' : '  [above the 1 s target]'}`);
  console.log(`peer, simulating the same scenario: ${simulate.toFixed(2)} s; ratio plan / simulate: ${(plan / simulate).toFixed(2)}`);
  console.log(`whole command: ${median(all.map((r) => r.wall)).toFixed(2)} s median`);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
