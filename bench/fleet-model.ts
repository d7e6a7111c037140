/**
 * Does the fleet model scale with distinct nodes? 1,000 and 10,000 nodes pulling a 10-layer image at once,
 * direct from the registry and via P2P, with the default per-node spread (every node its own event) and,
 * as the peer, with identical nodes (spread 0%: nodes finish together). Target: 10,000 nodes with spread
 * in under 10 s of CPU per topology on this machine. CPU seconds are printed beside wall time and the load
 * average: on a shared machine wall time also counts other processes' turns. It runs bundled, with the CLI's V8
 * flags (as-bundled.ts): the model's speed as `shipbench simulate` has it. The cases run one after another in
 * one process, as a simulate's strategies and topologies do; the largest fleet's spread case runs once more in
 * a process of its own (`fresh`), as a first simulation of that size does (session 24: a fifth to a half more CPU).
 * Each line gives the CPU per event too, and the smallest fleet's spread case runs again after the largest, warm, for
 * the ratio of the two per event: an event does the same work at any fleet size, and what it costs more at 10,000
 * nodes is memory (session 25).
 *
 *   npx tsx bench/fleet-model.ts [nodes ...]      (default: 1000 10000)
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { CLI_HEAP_FLAGS } from '../src/cli/cli-heap-flags.ts';
import type { ModelTopology } from '../src/scenario/model-resolved.ts';
import { rerunBundled } from './as-bundled.ts';
import { type CaseFigures, runFleetModelCase } from './fleet-model-case.ts';

const bundledExit = await rerunBundled(import.meta.url);
if (bundledExit !== undefined) process.exit(bundledExit);

/** Set in the child that runs one case alone (`topology:nodes`): it prints that case's figures as JSON and ends. */
const FRESH = 'SHIPBENCH_FLEET_MODEL_FRESH';
const freshCase = process.env[FRESH];
if (freshCase !== undefined) {
  const [topology, nodes] = freshCase.split(':');
  console.log(JSON.stringify(runFleetModelCase(Number(nodes), topology as ModelTopology, true)));
  process.exit(0);
}

/** The spread case in a new process of this (bundled) bench, with the CLI's heap flags: nothing ran before it. */
function runFresh(nodes: number, topology: ModelTopology): CaseFigures {
  const child = spawnSync(process.execPath, [...CLI_HEAP_FLAGS, process.argv[1]!], { env: { ...process.env, [FRESH]: `${topology}:${nodes}` }, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`the fresh ${topology} case at ${nodes} nodes failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as CaseFigures;
}

function microsPerEvent(r: CaseFigures): number {
  return (1e6 * r.cpuSeconds) / Math.max(1, r.events);
}

const sizesArg = process.argv.slice(2).map(Number).filter((n) => n > 0);
const fleetSizes = sizesArg.length > 0 ? sizesArg : [1000, 10_000];
const line = (label: string, nodes: number, r: CaseFigures) =>
  console.log(
    `${label.padEnd(14)} ${String(nodes).padStart(6)} nodes x 10 layers: ${r.wallSeconds.toFixed(2)} s wall (${r.cpuSeconds.toFixed(2)} s CPU, load ${loadavg()[0]!.toFixed(1)}), ${r.events} events (${microsPerEvent(r).toFixed(1)} us CPU each), makespan ${r.makespan.toFixed(0)} s, node p50 ${r.p50.toFixed(0)} s p99 ${r.p99.toFixed(0)} s, registry ${r.registryGiB.toFixed(1)} GiB`,
  );
const largest = Math.max(...fleetSizes);
const smallest = Math.min(...fleetSizes);
for (const topology of ['direct', 'p2p'] as const) {
  let warm: CaseFigures | undefined;
  for (const nodes of fleetSizes) {
    const identical = runFleetModelCase(nodes, topology, false);
    line(`${topology} same`, nodes, identical);
    const spread = runFleetModelCase(nodes, topology, true);
    line(`${topology} spread`, nodes, spread);
    if (nodes === largest) warm = spread;
    console.log(`${topology.padEnd(14)} ${String(nodes).padStart(6)} nodes: spread costs ${(spread.cpuSeconds / identical.cpuSeconds).toFixed(1)}x the CPU of identical nodes${nodes >= 10_000 && spread.cpuSeconds >= 10 ? '  [above the 10 s target]' : ''}`);
  }
  // The work an event does is the same at any fleet size (session 25 counted it); its time is not, as the state outgrows
  // the caches. The smallest fleet runs again here, after the largest: its first run paid for the code's warm-up.
  if (largest > smallest) {
    const small = runFleetModelCase(smallest, topology, true);
    line(`${topology} again`, smallest, small);
    console.log(`${topology.padEnd(14)} ${String(largest).padStart(6)} nodes: an event costs ${(microsPerEvent(warm!) / microsPerEvent(small)).toFixed(1)}x its CPU at ${smallest} nodes`);
  }
  const fresh = runFresh(largest, topology);
  line(`${topology} fresh`, largest, fresh);
  console.log(`${topology.padEnd(14)} ${String(largest).padStart(6)} nodes: a fresh process costs ${(fresh.cpuSeconds / warm!.cpuSeconds).toFixed(1)}x the CPU of the case after others${largest >= 10_000 && fresh.cpuSeconds >= 10 ? '  [above the 10 s target]' : ''}`);
}
