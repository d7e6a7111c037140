/**
 * What bounding a re-share's widening (src/model/reshare-reach.ts) saves, and what it moves. A saturated swarm
 * on the fluid network alone: every node's upload and download limit full, each node keeping `slots` chunk
 * transfers from random uploaders in flight until it has moved its chunks (a P2P step's regime where a change
 * couples every flow to every other). The peer is the same swarm re-shared exactly (reach Infinity) in the same
 * run: the bench prints both CPU times and their ratio, and how far the bounded run's transfer ends and last end
 * are from the exact run's. Bundled as the CLI runs (as-bundled.ts). An exact re-share costs about the swarm's size a
 * change, a bounded one about the reach, so the ratio falls as the swarm grows (session 31, load 1.1 to 1.3: 0.57 at
 * 200 nodes, 0.70 at 400, 0.32 at 1,000, where the exact run takes 36 CPU-s; transfer ends within 0.1% on average).
 *
 *   npx tsx bench/reshare-reach.ts [nodes] [slots]      (default 1,000 nodes, 10 slots)
 */
import { loadavg } from 'node:os';
import { max, mean } from 'simple-statistics';
import { Rng } from '../src/core/rng.ts';
import { FluidNetwork } from '../src/model/fluid-network.ts';
import { RESHARE_REACH } from '../src/model/reshare-reach.ts';
import { rerunBundled } from './as-bundled.ts';

const bundledExit = await rerunBundled(import.meta.url);
if (bundledExit !== undefined) process.exit(bundledExit);

const nodes = Number(process.argv[2] ?? 1000) || 1000;
const slots = Number(process.argv[3] ?? 10) || 10;
const CHUNKS_PER_NODE = 40;

interface Run { cpuSeconds: number; events: number; ends: number[] }

function swarm(reach: number): Run {
  const rng = Rng.derive(1, 'bench-reshare-reach');
  const net = new FluidNetwork(reach);
  // Limits of 250 to 350 MB/s each way, as agents' rate limits: what makes both ends saturated.
  const up = Array.from({ length: nodes }, () => net.addResource((250 + rng.next() * 100) * 1e6));
  const down = Array.from({ length: nodes }, () => net.addResource((250 + rng.next() * 100) * 1e6));
  const ends: number[] = [];
  const next = (d: number, left: number): void => {
    if (left === 0) return;
    let u = rng.int(0, nodes - 1);
    if (u === d) u = (u + 1) % nodes;
    net.startFlow({ bytes: (24 + rng.next() * 48) * 1e6, resources: [up[u]!, down[d]!], onDone: () => (ends.push(net.now), next(d, left - 1)) });
  };
  for (let d = 0; d < nodes; d++) for (let s = 0; s < slots; s++) net.at(rng.next() * 2, () => next(d, CHUNKS_PER_NODE / slots));
  const cpu0 = process.cpuUsage();
  net.run();
  const used = process.cpuUsage(cpu0);
  return { cpuSeconds: (used.user + used.system) / 1e6, events: net.events, ends };
}

const exact = swarm(Number.POSITIVE_INFINITY);
const bounded = swarm(RESHARE_REACH);
const line = (label: string, r: Run) => console.log(`${label.padEnd(22)} ${r.cpuSeconds.toFixed(2)} CPU-s, ${r.events} events, mean transfer end ${mean(r.ends).toFixed(2)} s, last ${max(r.ends).toFixed(2)} s`);
console.log(`saturated swarm: ${nodes} nodes, ${slots} transfers in flight each, ${CHUNKS_PER_NODE} chunks a node (load ${loadavg()[0]!.toFixed(1)})`);
line('exact max-min', exact);
line(`reach ${RESHARE_REACH}`, bounded);
const shift = (a: number, b: number) => `${((100 * (b - a)) / a).toFixed(2)}%`;
console.log(`bounded / exact CPU: ${(bounded.cpuSeconds / exact.cpuSeconds).toFixed(2)}; mean end ${shift(mean(exact.ends), mean(bounded.ends))}, last end ${shift(max(exact.ends), max(bounded.ends))}`);
