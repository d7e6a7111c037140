/**
 * Fidelity of virtual nodes to the runtimes they emulate, when unpacking bounds the node: the same image
 * pulled by a real dockerd, a real containerd (driven by ctr), and virtual nodes emulating each
 * (fleet.node.runtime), one node each, no NIC limit, every node on an ext4 disk of its own (a loop device)
 * so bytes written are counted the same way for all: the device's diskstats after a sync. Steps: the
 * image's initial pull (cold) and its backport. Backends take turns within each repeat (rotated) so a busy
 * machine slows all alike; ratios are taken within the run.
 *
 *   sudo npx tsx bench/runtime-fidelity.ts [repeats=3] [scenario.yaml ...]
 *   (defaults: bench/scenarios/fidelity-mediawiki.yaml bench/scenarios/fidelity-large-files.yaml)
 *   SHIPBENCH_STRACE=1 also writes `strace -c -f` of each backend's pull to the work dir (slows it; =full: every call, timed);
 *   SHIPBENCH_PERF=1 instead records `perf record -a -g` of the machine during each first-repeat pull (work dir kept);
 *   Then bench/fleet-harness-cpu.ts measures the largest fleet under 70% harness CPU (SHIPBENCH_FLEET=0 skips it).
 *   SHIPBENCH_LAYERS=1 prints each pull's layer times; SHIPBENCH_ONLY=dockerd,virtual(docker) picks backends
 *   (virtual(docker-untar-child), the docker emulation untarring in a re-executed child per layer, runs only when named).
 *
 * CPU: a daemon's utime+stime (+ its reaped children's, e.g. dockerd's unpigz and docker-untar) from
 * /proc/PID/stat, plus for containerd the ctr processes this bench ran; a virtual node's is this process's
 * (+ its reaped unpigz and untar children's). The ratio's CPU is a virtual node's CPU seconds over its runtime's
 * for the same image and step, i.e. per GiB pulled and unpacked (the same GiB for both); the CPU per GiB column
 * divides by each backend's own device bytes, which differ by the metadata each runtime writes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseYaml } from 'yaml';
import { TeardownRegistry } from '../src/core/teardown-registry.ts';
import { diskstatsFor, SECTOR_BYTES } from '../src/metrics/diskstats.ts';
import type { NodeStepSample } from '../src/metrics/samples.ts';
import { startEngineFleet } from '../src/nodes/engines/engine-fleet.ts';
import { createFleetNetwork } from '../src/nodes/isolation/fleet-network.ts';
import { createNodeDisk, NO_DISK_LIMITS, type NodeDisk, syncDisk } from '../src/nodes/isolation/node-disk.ts';
import type { NodeBackend } from '../src/nodes/node-backend.ts';
import type { RuntimeEmulation } from '../src/nodes/runtime-emulation.ts';
import { VirtualNode } from '../src/nodes/virtual-node.ts';
import { largestFleetUnder70 } from './fleet-harness-cpu.ts';
import { rerunBundled } from './as-bundled.ts';
import { DistributionClient } from '../src/registry/distribution-client.ts';
import { startEmbeddedRegistry } from '../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../src/registry/push-layout.ts';
import { resolveScenario } from '../src/scenario/resolve.ts';
import type { ContainerRuntime } from '../src/scenario/runtime-pull-rules.ts';
import { buildCliBundle } from './cli-bundle.ts';

const REPOSITORY = 'shipbench/fidelity';
const UNTAR_CHILD_LABEL = 'virtual(docker-untar-child)';
const STEPS = ['initial', 'backport-1'] as const;
const GIB = 2 ** 30;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** One backend under test: how to deploy on it, and how much CPU its side has spent so far. */
interface Contender {
  readonly label: string;
  /** The runtime a virtual contender emulates, or the real one. */
  readonly runtime: ContainerRuntime;
  readonly node: NodeBackend;
  readonly disk: NodeDisk;
  readonly cpuSeconds: () => number;
}

interface Measured {
  /** The node's own time for the pull (its sample's totalSeconds, what the run summary's node time is). */
  seconds: number;
  /** deploy() as a whole: for an engine node also the harness's own calls around the pull (manifest read, ctr events/content ls/images ls, GC). */
  wallSeconds: number;
  downloaded: number;
  /** Device bytes written (diskstats after a sync). */
  written: number;
  /** What the node itself reports it wrote (virtual nodes count logical bytes). */
  reported: number;
  cpu: number;
}

function procCpuSeconds(pid: number): number {
  // Fields after the `(comm)`: utime stime cutime cstime are the 12th..15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((n, i) => n + Number(f[i]), 0) / CLOCK_TICKS;
}

/** This process's CPU, and that of the children it has waited for (ctr, nsenter). */
const selfCpu = () => procCpuSeconds(process.pid);

function daemonPid(node: NodeBackend): number {
  const match = /pid (\d+)/.exec(node.endpoint);
  if (match === null) throw new Error(`no daemon pid in ${node.endpoint}`);
  return Number(match[1]);
}

function deviceWritten(disk: NodeDisk): number {
  return diskstatsFor(disk.device).sectorsWritten * SECTOR_BYTES;
}

async function measureDeploy(c: Contender, tag: string, repeat: number, traceFile: string | undefined): Promise<Measured> {
  await syncDisk(c.disk);
  const written0 = deviceWritten(c.disk);
  const cpu0 = c.cpuSeconds();
  const tracer = traceFile === undefined ? undefined : process.env.SHIPBENCH_PERF === '1' ? await startPerf(traceFile) : await startStrace(c, traceFile);
  const t0 = performance.now();
  const sample: NodeStepSample = await c.node.deploy({ repository: REPOSITORY, tag, step: tag, strategy: 'per-component', repeat, runStartMs: t0 });
  const wallSeconds = (performance.now() - t0) / 1000;
  await tracer?.stop();
  if (sample.error !== undefined) throw new Error(`${c.label} ${tag}: ${sample.error}`);
  if (process.env.SHIPBENCH_LAYERS === '1') console.error(`    layers (download/unpack s): ${sample.layers.map((l) => `${l.downloadSeconds.toFixed(2)}/${l.unpackSeconds.toFixed(2)}`).join(' ')}`);
  const cpu = c.cpuSeconds() - cpu0;
  await syncDisk(c.disk);
  return { seconds: sample.totalSeconds, wallSeconds, downloaded: sample.bytesDownloaded, written: deviceWritten(c.disk) - written0, reported: sample.bytesWrittenToDisk, cpu };
}

/** SHIPBENCH_STRACE (1 or full) or SHIPBENCH_PERF asks for a trace of each backend's first pulls. */
const tracing = (): boolean => ['1', 'full'].includes(process.env.SHIPBENCH_STRACE ?? '') || process.env.SHIPBENCH_PERF === '1';

/**
 * `strace -c -f` attached to the contender's daemon (or to this process for a virtual node), ended by its pid;
 * SHIPBENCH_STRACE=full logs every call with its time instead (-tt -T), to split the counts per layer.
 */
async function startStrace(c: Contender, file: string): Promise<{ stop(): Promise<void> }> {
  const pid = c.node.kind === 'virtual' ? process.pid : daemonPid(c.node);
  const mode = process.env.SHIPBENCH_STRACE === 'full' ? ['-tt', '-T'] : ['-c'];
  const child = spawn('strace', [...mode, '-f', '-o', file, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  // strace says "Process N attached" once it is in place.
  await new Promise<void>((resolve) => child.stderr.once('data', () => resolve()));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

/** `perf record -a -g` of the whole machine while the pull runs (report it with --sort comm,dso,sym), ended by its pid. */
async function startPerf(file: string): Promise<{ stop(): Promise<void> }> {
  const child = spawn('perf', ['record', '-a', '-g', '-F', '499', '-o', file.replace(/\.txt$/, '.perf')], { stdio: ['ignore', 'ignore', 'ignore'] });
  // perf has no ready line on stderr when quiet; give it its start (a trace aid, not a measurement).
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

async function generate(scenarioFile: string, out: string): Promise<string> {
  execFileSync('node', ['bin/shipbench.js', 'generate', scenarioFile, '--out', out], { stdio: 'ignore' });
  return join(out, 'per-component');
}

async function contenders(work: string, teardown: TeardownRegistry, registryUrl: string, hostForNodes: string, client: DistributionClient, network: Awaited<ReturnType<typeof createFleetNetwork>>): Promise<Contender[]> {
  const scenario = resolveScenario({ name: 'fidelity', content: { preset: 'empty' }, image: { strategies: ['per-component'], repository: REPOSITORY }, deploy: ['initial'], fleet: { nodes: 1, isolation: 'netns' } }, 'bench.yaml');
  const registry = { client, hostForNodes, plainHttp: true, auth: undefined };
  const common = { scenario, network, registry, diskBytesPerNode: 4 * GIB, teardown };
  const [docker] = await startEngineFleet({ ...common, backend: 'docker', nodeNames: ['docker'], workDir: join(work, 'docker') });
  const [containerd] = await startEngineFleet({ ...common, backend: 'containerd', nodeNames: ['containerd'], workDir: join(work, 'containerd') });
  const engineDisk = (name: string) => ({ device: findLoopDevice(join(work, name)), mountpoint: '', cgroupDir: undefined });
  const out: Contender[] = [];
  // The third runs docker's untar in a re-executed child per layer, as dockerd does (not the docker emulation's
  // default: see runtime-emulation.ts `untar`); only when SHIPBENCH_ONLY names it.
  const virtuals: Array<{ label: string; runtime: ContainerRuntime; emulation: Partial<RuntimeEmulation> }> = [
    { label: 'virtual(containerd)', runtime: 'containerd', emulation: {} },
    { label: 'virtual(docker)', runtime: 'docker', emulation: {} },
  ];
  if (process.env.SHIPBENCH_ONLY?.split(',').includes(UNTAR_CHILD_LABEL) === true) virtuals.push({ label: UNTAR_CHILD_LABEL, runtime: 'docker', emulation: { untar: 'child-per-layer' } });
  for (const [i, { label, runtime, emulation }] of virtuals.entries()) {
    const disk = await createNodeDisk({ imageFile: join(work, `virtual-${i}.img`), mountpoint: join(work, `virtual-${i}`), sizeBytes: 4 * GIB, limits: NO_DISK_LIMITS, cgroupName: `shipbench-fidelity/virtual-${i}`, teardown });
    const node = new VirtualNode({ name: `virtual-${i}`, dir: join(disk.mountpoint, 'node'), registryUrl, auth: undefined, maxConcurrentDownloads: 3, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined, unpack: true, runtime, emulation });
    teardown.add(`virtual-${i}`, () => node.close());
    // Its unpigz and untar children are reaped by this process: our cutime/cstime hold them.
    out.push({ label, runtime, node, disk, cpuSeconds: selfCpu });
  }
  const dockerPid = daemonPid(docker as NodeBackend);
  const containerdPid = daemonPid(containerd as NodeBackend);
  out.push({ label: 'dockerd', runtime: 'docker', node: docker as NodeBackend, disk: { ...engineDisk('docker'), mountpoint: mountpointOf(join(work, 'docker')) }, cpuSeconds: () => procCpuSeconds(dockerPid) });
  // ctr runs as this process's child: its CPU shows in our cutime/cstime once it is reaped.
  const ownCpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  out.push({ label: 'containerd', runtime: 'containerd', node: containerd as NodeBackend, disk: { ...engineDisk('containerd'), mountpoint: mountpointOf(join(work, 'containerd')) }, cpuSeconds: () => procCpuSeconds(containerdPid) + selfCpu() - ownCpu() });
  return out;
}

/** The mount (from /proc/self/mounts) of the engine node disk under `dir`: device name and mountpoint. */
function mountOf(dir: string): [string, string] {
  const line = readFileSync('/proc/self/mounts', 'utf8').split('\n').find((l) => l.split(' ')[1]?.startsWith(dir) && l.startsWith('/dev/loop'));
  if (line === undefined) throw new Error(`no loop disk mounted under ${dir}`);
  const [dev, mnt] = line.split(' ') as [string, string];
  return [dev.replace('/dev/', ''), mnt];
}
const findLoopDevice = (dir: string) => mountOf(dir)[0];
const mountpointOf = (dir: string) => mountOf(dir)[1];

async function runImage(scenarioFile: string, repeats: number, work: string): Promise<Map<string, Measured[]>> {
  const teardown = new TeardownRegistry();
  const results = new Map<string, Measured[]>();
  try {
    const layout = await generate(scenarioFile, join(work, 'gen'));
    const network = await createFleetNetwork({ nodeNames: ['docker', 'containerd'], nicBitsPerSecond: undefined, registryEgressBitsPerSecond: undefined, teardown });
    const registry = await startEmbeddedRegistry({ netns: { path: network.registry.netnsPath, address: network.registry.address, port: 5000 } });
    teardown.add('registry', () => registry.stop());
    const client = new DistributionClient({ baseUrl: registry.url, auth: undefined });
    teardown.add('client', () => client.close());
    for (const tag of STEPS) await pushLayoutImage(client, layout, tag, REPOSITORY);
    const only = process.env.SHIPBENCH_ONLY?.split(',');
    const all = (await contenders(work, teardown, registry.url, `${network.registry.address}:5000`, client, network)).filter((c) => only === undefined || only.includes(c.label));
    const trace = tracing();
    for (let r = 0; r < repeats; r++) {
      // Rotated each repeat: no backend always runs first (or last) on a machine whose load drifts.
      const order = [...all.slice(r % all.length), ...all.slice(0, r % all.length)];
      for (const c of order) {
        await c.node.reset();
        for (const step of STEPS) {
          const m = await measureDeploy(c, step, r, trace && r === 0 ? join(work, `strace-${c.label}-${step}.txt`) : undefined);
          const key = `${c.label}\0${step}`;
          results.set(key, [...(results.get(key) ?? []), m]);
          console.error(`  ${c.label} ${step} repeat ${r}: ${m.seconds.toFixed(2)} s (deploy() ${m.wallSeconds.toFixed(2)} s), ${mib(m.downloaded)} down, ${mib(m.written)} written (${mib(m.reported)} reported), cpu ${m.cpu.toFixed(2)} s`);
        }
      }
    }
  } finally {
    const failures = await teardown.teardown();
    if (failures.length > 0) console.error('teardown failures:', failures);
  }
  return results;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

function report(image: string, results: Map<string, Measured[]>): void {
  const get = (label: string, step: string) => results.get(`${label}\0${step}`) ?? [];
  console.log(`\n## ${image}\n`);
  console.log('| step | backend | node time p50 | deploy() p50 | downloaded | written (device) | virtual reports | CPU s | CPU s / GiB | vs runtime: time, down, written, CPU |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const step of STEPS) {
    for (const [virtual, real] of [['virtual(containerd)', 'containerd'], ['virtual(docker)', 'dockerd'], [UNTAR_CHILD_LABEL, 'dockerd']] as const) {
      for (const label of virtual === UNTAR_CHILD_LABEL ? [virtual] : [real, virtual]) {
        const ms = get(label, step);
        // A backend SHIPBENCH_ONLY left out has no row.
        if (ms.length === 0) continue;
        const p = (f: (m: Measured) => number) => median(ms.map(f));
        const gib = (p((m) => m.downloaded) + p((m) => m.written)) / GIB;
        let ratio = '';
        if (label === virtual) {
          const rs = get(real, step);
          const q = (f: (m: Measured) => number) => p(f) / median(rs.map(f));
          ratio = `${q((m) => m.seconds).toFixed(2)}, ${q((m) => m.downloaded).toFixed(2)}, ${q((m) => m.written).toFixed(2)}, ${q((m) => m.cpu).toFixed(2)}`;
        }
        console.log(`| ${step} | ${label} | ${p((m) => m.seconds).toFixed(2)} s | ${p((m) => m.wallSeconds).toFixed(2)} s | ${mib(p((m) => m.downloaded))} | ${mib(p((m) => m.written))} | ${label.startsWith('virtual') ? mib(p((m) => m.reported)) : '-'} | ${p((m) => m.cpu).toFixed(2)} | ${(p((m) => m.cpu) / gib).toFixed(2)} | ${ratio} |`);
      }
    }
  }
}

const cores = () => Number(execFileSync('nproc').toString().trim());

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 3);
  const scenarios = process.argv.length > 3 ? process.argv.slice(3) : ['bench/scenarios/fidelity-mediawiki.yaml', 'bench/scenarios/fidelity-large-files.yaml'];
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${cores()} cores)`);
  // The docker emulation's per-layer untar children are the CLI re-executed: its bundle, as set-up builds it.
  buildCliBundle();
  for (const file of scenarios) {
    const work = await mkdtemp(join(tmpdir(), 'shipbench-fidelity-'));
    try {
      const name = (parseYaml(await readFile(file, 'utf8')) as { name: string }).name;
      await mkdir(work, { recursive: true });
      report(name, await runImage(file, repeats, work));
    } finally {
      if (!tracing()) await rm(work, { recursive: true, force: true });
      else console.log(`strace summaries kept in ${work}`);
    }
  }
  // The largest fleet under 70% harness CPU for the quick start's image: measured by a sweep of N nodes.
  if (process.env.SHIPBENCH_FLEET !== '0') await largestFleetUnder70();
  console.log(`\nload average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

// Virtual nodes as `shipbench run` runs them: bundled, with the CLI's V8 flags (as-bundled.ts).
const bundledExit = await rerunBundled(import.meta.url);
if (bundledExit === undefined) await main();
else process.exit(bundledExit);
