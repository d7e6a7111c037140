/**
 * How many virtual nodes one machine can emulate before the harness is the bottleneck: the quick start's
 * image (scenarios/quickstart.yaml's content, its per-component image) pulled cold by N virtual nodes at
 * once, N = 1, 2, 3, ..., each N twice; the harness CPU share is this process's CPU seconds (user + system,
 * unpigz children included once reaped) over wall seconds times cores, and its event loop's utilisation
 * (performance.eventLoopUtilization: every virtual node's JavaScript runs on that one thread, so it saturates
 * while the machine's share is still below 70% of 2 cores). The largest N whose median share and loop
 * utilisation both stay under 70% is measured, not estimated; on a machine other processes also load, the harness gets
 * fewer cores than it could use, so the load average is printed beside it. As root each node writes to an
 * ext4 disk of its own (fleet.node.disk.own, as t264209.yaml runs), made before the timed pull: every storm
 * deletes the last one's trees, and on a host file system that churns, creating files then costs more.
 *
 *   npx tsx bench/fleet-harness-cpu.ts [maxNodes=8] [runtime=containerd]
 * (bench/runtime-fidelity.ts calls it too, after its own table.) Run bundled, with the CLI's V8 flags (as-bundled.ts):
 * virtual nodes as `shipbench run` runs them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TeardownRegistry } from '../src/core/teardown-registry.ts';
import { createNodeDisk, NO_DISK_LIMITS } from '../src/nodes/isolation/node-disk.ts';
import { VirtualNode } from '../src/nodes/virtual-node.ts';
import { DistributionClient } from '../src/registry/distribution-client.ts';
import { startEmbeddedRegistry } from '../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../src/registry/push-layout.ts';
import type { ContainerRuntime } from '../src/scenario/runtime-pull-rules.ts';
import { rerunBundled } from './as-bundled.ts';

const REPOSITORY = 'shipbench/quickstart';
const LIMIT = 0.7;
const GIB = 2 ** 30;
const OWN_DISKS = process.getuid?.() === 0;

/** The quick start's content, one strategy, one step: what a quick-start node pulls cold. */
const QUICKSTART_IMAGE = `name: quickstart-image
seed: 42
content: { preset: mediawiki-multiversion, scale: 0.005, versions: 2 }
image: { strategies: [per-component], compression: gzip }
deploy: [initial]
`;

/** Children this process has waited for count too (unpigz of a docker emulation). */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
function cpuSeconds(): number {
  const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0) / CLOCK_TICKS;
}

export interface FleetPoint {
  nodes: number;
  share: number;
  /** Share of the wall time the event loop was busy. */
  loop: number;
  seconds: number;
  cpuPerGiB: number;
}

/** Runs the sweep and prints its table and the largest fleet under 70%; returns the points. */
export async function largestFleetUnder70(maxNodes = 8, runtime: ContainerRuntime = 'containerd'): Promise<FleetPoint[]> {
  const work = await mkdtemp(join(tmpdir(), 'shipbench-fleet-cpu-'));
  const registry = await startEmbeddedRegistry();
  const client = new DistributionClient({ baseUrl: registry.url, auth: undefined });
  const cores = cpus().length;
  const points: FleetPoint[] = [];
  try {
    await writeFile(join(work, 'quickstart-image.yaml'), QUICKSTART_IMAGE);
    execFileSync('node', ['bin/shipbench.js', 'generate', join(work, 'quickstart-image.yaml'), '--out', join(work, 'gen')], { stdio: 'ignore' });
    await pushLayoutImage(client, join(work, 'gen', 'per-component'), 'initial', REPOSITORY);
    console.log(`\n## harness CPU: N virtual nodes (${runtime} emulation${OWN_DISKS ? ', each on a disk of its own' : ''}) pulling the quick start's image at once, ${cores} cores\n`);
    console.log('| nodes | wall s (median of 2) | harness CPU share | event loop busy | CPU s / GiB | load average |');
    console.log('|---|---|---|---|---|---|');
    for (let n = 1; n <= maxNodes; n++) {
      const runs: Array<{ share: number; loop: number; seconds: number; cpuPerGiB: number }> = [];
      for (let r = 0; r < 2; r++) runs.push(await storm(work, registry.url, n, runtime, cores));
      const mean = (key: 'share' | 'loop' | 'seconds' | 'cpuPerGiB') => (runs[0]![key] + runs[1]![key]) / 2;
      const mid = { share: mean('share'), loop: mean('loop'), seconds: mean('seconds'), cpuPerGiB: mean('cpuPerGiB') };
      points.push({ nodes: n, ...mid });
      console.log(`| ${n} | ${mid.seconds.toFixed(2)} | ${(mid.share * 100).toFixed(0)}% | ${(mid.loop * 100).toFixed(0)}% | ${mid.cpuPerGiB.toFixed(1)} | ${loadavg()[0]!.toFixed(1)} |`);
      // Two points over the limit in a row: the curve has crossed it.
      if (points.length >= 2 && points.slice(-2).every((p) => bound(p) >= LIMIT)) break;
    }
    const under = points.filter((p) => bound(p) < LIMIT);
    const largest = under.length === 0 ? 0 : Math.max(...under.map((p) => p.nodes));
    console.log(`\nlargest fleet under ${LIMIT * 100}% harness CPU (machine share and event loop) for the quick start's image (measured): ${largest} node(s) pulling at once${largest === maxNodes ? ` (the sweep stopped at ${maxNodes})` : ''}`);
    // Derived from the one-node point: a pull costs C CPU-seconds and took T seconds, so N nodes at that
    // pace need N*C/T cores; other load stretches T (and lowers the measured share) the same way.
    const one = points[0];
    if (one !== undefined) {
      const coresPerNode = one.share * cores;
      console.log(`derived from 1 node (${(coresPerNode * one.seconds).toFixed(2)} CPU s in ${one.seconds.toFixed(2)} s = ${coresPerNode.toFixed(2)} cores while it pulls): ${Math.floor((LIMIT * cores) / coresPerNode)} node(s) at that pace under ${LIMIT * 100}% of ${cores} cores`);
    }
  } finally {
    await client.close();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
  return points;
}

/** Whichever binds first: the machine's cores or the one thread every virtual node's JavaScript runs on. */
const bound = (p: { share: number; loop: number }): number => Math.max(p.share, p.loop);

/** N nodes pull the image cold at once: the harness's share of the machine, and of its event loop, over that time. */
async function storm(work: string, registryUrl: string, n: number, runtime: ContainerRuntime, cores: number): Promise<{ share: number; loop: number; seconds: number; cpuPerGiB: number }> {
  const teardown = new TeardownRegistry();
  await mkdir(join(work, 'nodes'), { recursive: true });
  const dirs: string[] = [];
  for (let i = 0; i < n; i++) {
    const dir = join(work, 'nodes', `n${i}`);
    if (!OWN_DISKS) dirs.push(dir);
    else {
      const disk = await createNodeDisk({ imageFile: `${dir}.img`, mountpoint: dir, sizeBytes: GIB, limits: NO_DISK_LIMITS, cgroupName: `shipbench-fleet-cpu/n${i}`, teardown });
      dirs.push(join(disk.mountpoint, 'node'));
    }
  }
  const nodes = dirs.map((dir, i) => new VirtualNode({ name: `n${i}`, dir, registryUrl, auth: undefined, maxConcurrentDownloads: 3, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined, unpack: true, runtime }));
  try {
    await Promise.all(nodes.map((node) => node.reset()));
    const cpu0 = cpuSeconds();
    const loop0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const samples = await Promise.all(nodes.map((node) => node.deploy({ repository: REPOSITORY, tag: 'initial', step: 'initial', strategy: 'per-component', repeat: 0, runStartMs: t0 })));
    const seconds = (performance.now() - t0) / 1000;
    const loop = performance.eventLoopUtilization(loop0).utilization;
    const cpu = cpuSeconds() - cpu0;
    const failed = samples.find((s) => s.error !== undefined);
    if (failed !== undefined) throw new Error(`${failed.node}: ${failed.error}`);
    const gib = samples.reduce((b, s) => b + s.bytesDownloaded + s.bytesWrittenToDisk, 0) / GIB;
    return { share: cpu / (seconds * cores), loop, seconds, cpuPerGiB: cpu / gib };
  } finally {
    await Promise.all(nodes.map((node) => node.close()));
    await teardown.teardown();
    await rm(join(work, 'nodes'), { recursive: true, force: true });
  }
}

// Run as a script (as itself or as its bundle), not imported: bundled into runtime-fidelity's bundle, this module's
// import.meta.url is that bundle's, so the file name decides.
if (/[\\/]fleet-harness-cpu\.(ts|mjs)$/.test(process.argv[1] ?? '')) {
  const bundledExit = await rerunBundled(import.meta.url);
  if (bundledExit !== undefined) process.exit(bundledExit);
  await largestFleetUnder70(Number(process.argv[2] ?? 8), (process.argv[3] ?? 'containerd') as ContainerRuntime);
}
