import { mkdir, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { CpuSampler } from '../metrics/cpu-sampler.ts';
import { DiskstatsSampler } from '../metrics/diskstats-sampler.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import type { AroundStep } from '../metrics/step-hook.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { ratesFromCounters } from '../metrics/time-series.ts';
import { type ProxyStep, type RsyncStats, versionSkewOf } from '../metrics/volume-sample.ts';
import { RESERVED_STRATEGY_NAME, type ResolvedScenario } from '../scenario/resolved.ts';
import { containedPath } from './contained-path.ts';
import { mixedVersionSeconds } from './mixed-window.ts';
import { chooseProxy } from './proxy-assignment.ts';
import { type RsyncDaemon, startRsyncDaemon } from './rsync-daemon.ts';
import { rsyncSync } from './rsync-sync.ts';
import { volumeWaves } from './volume-waves.ts';

/** The strategy name the volume side's samples carry; layer strategies may not take it. */
export const VOLUME_STRATEGY = RESERVED_STRATEGY_NAME;

/** A deploy step's plain code tree, as `generate --tree` wrote it: what the deployment master serves. */
export interface StagingTree {
  readonly step: string;
  readonly dir: string;
}

export type VolumeRolloutEvent =
  | { readonly type: 'daemons-started'; readonly master: DaemonInfo; readonly proxies: readonly DaemonInfo[] }
  | { readonly type: 'step-start'; readonly strategy: string; readonly step: string; readonly repeat: number; readonly warmup: boolean; readonly nodes: number }
  | { readonly type: 'node-start'; readonly node: string; readonly proxy: string; readonly step: string; readonly repeat: number }
  | { readonly type: 'failover'; readonly node: string; readonly from: string; readonly to: string | undefined; readonly reason: string }
  | { readonly type: 'node-done'; readonly sample: NodeStepSample }
  | { readonly type: 'step-done'; readonly result: StepResult };

export interface DaemonInfo {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
}

export interface VolumeRolloutInput {
  readonly scenario: ResolvedScenario;
  /** One per deploy step, in deploy order. */
  readonly trees: readonly StagingTree[];
  /** Proxy copies, node trees and daemon state go under here, and nothing outside it is written. */
  readonly workDir: string;
  readonly diskDevice: string | undefined;
  readonly runStartMs: number;
  readonly onEvent: (event: VolumeRolloutEvent) => void;
  /** Called after each step with its results; the caller persists them (a crash keeps what was measured). */
  readonly onStep: (result: StepResult, samples: NodeStepSample[]) => Promise<void>;
  readonly signal: AbortSignal | undefined;
  /** Wrapped around each step's rollout (e.g. neighbour baseline before it and recovery after it). */
  readonly aroundStep?: AroundStep;
}

const SAMPLE_INTERVAL_MS = 250;

interface Proxy {
  readonly index: number;
  readonly name: string;
  readonly dir: string;
  daemon: RsyncDaemon;
  active: number;
}

/**
 * The volume side of `run`, shaped like the image side (same events, same onStep, same samples with
 * strategy `volume`): a master rsync daemon serves each step's staging tree, one daemon per proxy serves the
 * proxy's copy, and for every repeat (warmups first) cold nodes walk the deploy sequence. Each step: the
 * proxies sync from the master, then the nodes sync from their proxy in rollout waves, each into its own
 * directory, incrementally from the previous step. A proxy whose daemon died is failed over from. Every
 * daemon is stopped by PID when this returns or throws.
 */
export async function runVolumeRollouts(input: VolumeRolloutInput): Promise<{ stoppedBecause: string | undefined }> {
  const { scenario, workDir } = input;
  const names = Array.from({ length: scenario.fleet.nodes }, (_, i) => `node-${String(i + 1).padStart(String(scenario.fleet.nodes).length, '0')}`);
  const moduleOf = (i: number) => `step-${i}`;
  const daemons: RsyncDaemon[] = [];
  await mkdir(workDir, { recursive: true });
  try {
    const master = await startRsyncDaemon({
      name: 'master',
      modules: input.trees.map((t, i) => ({ name: moduleOf(i), path: t.dir })),
      stateDir: containedPath(workDir, 'daemons', 'master'),
    });
    daemons.push(master);
    const proxies: Proxy[] = [];
    for (let p = 0; p < scenario.volume.proxies; p++) {
      const name = `proxy-${p + 1}`;
      const dir = containedPath(workDir, 'proxies', name);
      await mkdir(dir, { recursive: true });
      const daemon = await startProxyDaemon(workDir, name, dir);
      daemons.push(daemon);
      proxies.push({ index: p, name, dir, daemon, active: 0 });
    }
    const info = (d: RsyncDaemon): DaemonInfo => ({ name: d.name, pid: d.pid, port: d.port });
    input.onEvent({ type: 'daemons-started', master: info(master), proxies: proxies.map((p) => info(p.daemon)) });

    const repeats = scenario.measure.warmup + scenario.measure.repeat;
    for (let repeat = 0; repeat < repeats; repeat++) {
      const warmup = repeat < scenario.measure.warmup;
      // Every repeat starts cold, with the whole proxy tier up again.
      for (const proxy of proxies) {
        if (!proxy.daemon.alive()) {
          await proxy.daemon.stop();
          proxy.daemon = await startProxyDaemon(workDir, proxy.name, proxy.dir);
          daemons.push(proxy.daemon);
          input.onEvent({ type: 'daemons-started', master: info(master), proxies: proxies.map((p) => info(p.daemon)) });
        }
        await rm(proxy.dir, { recursive: true, force: true });
        await mkdir(proxy.dir, { recursive: true });
      }
      await rm(containedPath(workDir, 'nodes'), { recursive: true, force: true });
      for (const [i, tree] of input.trees.entries()) {
        if (input.signal?.aborted === true) return { stoppedBecause: 'interrupted' };
        const around = input.aroundStep ?? ((_, rollout) => rollout());
        const { result, samples } = await around({ strategy: VOLUME_STRATEGY, step: tree.step, repeat, warmup }, () =>
          syncStep(input, { master, module: moduleOf(i), proxies, names, step: tree.step, repeat, warmup }),
        );
        await input.onStep(result, samples);
        if (result.failedNodes === result.nodes) {
          return { stoppedBecause: `every node failed volume ${tree.step}: ${samples.find((x) => x.error !== undefined)?.error ?? ''}` };
        }
      }
    }
    return { stoppedBecause: undefined };
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
  }
}

function startProxyDaemon(workDir: string, name: string, dir: string): Promise<RsyncDaemon> {
  return startRsyncDaemon({ name, modules: [{ name: 'code', path: dir }], stateDir: containedPath(workDir, 'daemons', name) });
}

interface StepContext {
  readonly master: RsyncDaemon;
  readonly module: string;
  readonly proxies: Proxy[];
  readonly names: readonly string[];
  readonly step: string;
  readonly repeat: number;
  readonly warmup: boolean;
}

async function syncStep(input: VolumeRolloutInput, ctx: StepContext): Promise<{ result: StepResult; samples: NodeStepSample[] }> {
  const { scenario, runStartMs, workDir } = input;
  const now = () => (performance.now() - runStartMs) / 1000;
  input.onEvent({ type: 'step-start', strategy: VOLUME_STRATEGY, step: ctx.step, repeat: ctx.repeat, warmup: ctx.warmup, nodes: ctx.names.length });
  const cpu = new CpuSampler(SAMPLE_INTERVAL_MS, { originMs: runStartMs });
  const disk = input.diskDevice === undefined ? undefined : new DiskstatsSampler(input.diskDevice, SAMPLE_INTERVAL_MS, { originMs: runStartMs });
  cpu.start();
  disk?.start();
  const stepStart = now();
  let received = 0;
  const counter: Array<{ tSeconds: number; value: number }> = [{ tSeconds: stepStart, value: 0 }];

  // The proxy tier first, all at once, as scap's sync-proxies does before the targets sync.
  const proxySteps = new Map<string, ProxyStep>();
  await Promise.all(
    ctx.proxies.map(async (proxy) => {
      const t0 = performance.now();
      const outcome = proxy.daemon.alive() ? await rsyncSync({ source: ctx.master.url(ctx.module), dest: proxy.dir, compress: scenario.volume.compress, delayUpdates: scenario.volume.delayUpdates, signal: input.signal }) : undefined;
      const fromMaster = outcome?.ok === true ? outcome.stats.bytesReceived : 0;
      received += fromMaster;
      proxySteps.set(proxy.name, {
        proxy: proxy.name,
        bytesFromMaster: fromMaster,
        syncSeconds: (performance.now() - t0) / 1000,
        egressBytes: 0,
        nodesServed: 0,
        // A proxy that cannot get the new tree must not serve the old one as if it were new.
        failed: outcome?.ok !== true || !proxy.daemon.alive(),
      });
    }),
  );
  const upToDate = new Set(ctx.proxies.filter((p) => proxySteps.get(p.name)?.failed === false).map((p) => p.index));
  const proxySyncSeconds = now() - stepStart;
  counter.push({ tSeconds: now(), value: received });

  const samples: NodeStepSample[] = [];
  const mixed: number[] = [];
  let failovers = 0;
  const bandwidth = nodeBandwidth(scenario);
  const limit = pLimit(scenario.fleet.rollout.maxConcurrent);
  for (const wave of volumeWaves(ctx.names, scenario.fleet.rollout.stages)) {
    await Promise.all(
      wave.map(({ name, index }) =>
        limit(async () => {
          const dest = containedPath(workDir, 'nodes', name);
          await mkdir(dest, { recursive: true });
          const started = performance.now();
          const sinceMs = Date.now();
          const tried = new Set<number>();
          let nodeFailovers = 0;
          let stats: RsyncStats | undefined;
          let servedBy: Proxy | undefined;
          let error: string | undefined;
          for (;;) {
            const loads = ctx.proxies.map((p) => ({ index: p.index, alive: upToDate.has(p.index) && p.daemon.alive(), active: p.active }));
            const chosen = chooseProxy(scenario.volume.assign, index, loads, tried);
            if (chosen === undefined) {
              error = `no proxy left to sync from${error === undefined ? '' : ` (last: ${error})`}`;
              break;
            }
            const proxy = ctx.proxies[chosen] as Proxy;
            if (tried.size === 0) input.onEvent({ type: 'node-start', node: name, proxy: proxy.name, step: ctx.step, repeat: ctx.repeat });
            tried.add(chosen);
            proxy.active++;
            const outcome = await rsyncSync({ source: proxy.daemon.url('code'), dest, bandwidthBytesPerSecond: bandwidth, compress: scenario.volume.compress, delayUpdates: scenario.volume.delayUpdates, signal: input.signal }).finally(() => proxy.active--);
            if (outcome.ok) {
              stats = outcome.stats;
              servedBy = proxy;
              error = undefined;
              break;
            }
            error = outcome.message;
            // Only a dead proxy is failed over from; any other failure is the node's, and recorded as such.
            if (input.signal?.aborted === true || (await proxy.daemon.serving())) break;
            upToDate.delete(chosen);
            const next = chooseProxy(scenario.volume.assign, index, ctx.proxies.map((p) => ({ index: p.index, alive: upToDate.has(p.index) && p.daemon.alive(), active: p.active })), tried);
            input.onEvent({ type: 'failover', node: name, from: proxy.name, to: next === undefined ? undefined : ctx.proxies[next]?.name, reason: outcome.message });
            nodeFailovers++;
          }
          failovers += nodeFailovers;
          const mixedSeconds = stats === undefined ? 0 : await mixedVersionSeconds(dest, sinceMs);
          if (stats !== undefined) mixed.push(mixedSeconds);
          if (stats !== undefined && servedBy !== undefined) {
            const p = proxySteps.get(servedBy.name) as ProxyStep;
            proxySteps.set(servedBy.name, { ...p, egressBytes: p.egressBytes + stats.bytesReceived, nodesServed: p.nodesServed + 1 });
            received += stats.bytesReceived;
          }
          const sample: NodeStepSample = {
            node: name,
            step: ctx.step,
            strategy: VOLUME_STRATEGY,
            repeat: ctx.repeat,
            startSeconds: (started - runStartMs) / 1000,
            manifestSeconds: 0,
            totalSeconds: (performance.now() - started) / 1000,
            layers: [],
            bytesDownloaded: stats?.bytesReceived ?? 0,
            bytesWrittenToDisk: stats?.transferredFileBytes ?? 0,
            filesWritten: stats?.filesTransferred ?? 0,
            ...(error === undefined ? {} : { error }),
            volume: { proxy: servedBy?.name ?? '', failovers: nodeFailovers, ...(stats === undefined ? {} : { rsync: stats }), mixedVersionSeconds: mixedSeconds },
          };
          counter.push({ tSeconds: now(), value: received });
          samples.push(sample);
          input.onEvent({ type: 'node-done', sample });
        }),
      ),
    );
  }
  const cpuWindow = cpu.stop();
  const diskWindow = disk?.stop();
  const ok = samples.filter((s) => s.error === undefined);
  const ends = samples.map((s) => s.startSeconds + s.totalSeconds);
  const skew = versionSkewOf(ok.map((s) => s.startSeconds + s.totalSeconds), false, mixed);
  const proxies = ctx.proxies.map((p) => proxySteps.get(p.name) as ProxyStep).map((p) => ({ ...p, failed: p.failed || !ctx.proxies.some((x) => x.name === p.proxy && x.daemon.alive()) }));
  const result: StepResult = {
    strategy: VOLUME_STRATEGY,
    step: ctx.step,
    repeat: ctx.repeat,
    warmup: ctx.warmup,
    nodes: samples.length,
    failedNodes: samples.length - ok.length,
    // From the proxy tier's start: the step is not out until the proxies have it and every node synced.
    makespanSeconds: samples.length === 0 ? 0 : Math.max(...ends) - stepStart,
    bytesDownloaded: samples.reduce((n, s) => n + s.bytesDownloaded, 0),
    bytesWrittenToDisk: samples.reduce((n, s) => n + s.bytesWrittenToDisk, 0),
    filesWritten: samples.reduce((n, s) => n + s.filesWritten, 0),
    registryBytesServed: 0,
    retries: failovers,
    // rsync reports bytes when a sync ends, so the series steps at each proxy and node completion.
    throughput: ratesFromCounters('aggregate rsync receive', 'bytes/s', counter),
    cpu: cpuWindow,
    ...(diskWindow === undefined ? {} : { disk: diskWindow }),
    ...(skew === undefined ? {} : { versionSkew: skew }),
    volume: {
      masterEgressBytes: proxies.reduce((n, p) => n + p.bytesFromMaster, 0),
      proxySyncSeconds,
      proxies,
      failovers,
    },
  };
  input.onEvent({ type: 'step-done', result });
  return { result, samples };
}

/** rsync has one limit per transfer: the tighter of the node's NIC and disk write limits (what arrives is written). */
function nodeBandwidth(scenario: ResolvedScenario): number | undefined {
  const nic = scenario.fleet.node.nicBitsPerSecond === undefined ? undefined : scenario.fleet.node.nicBitsPerSecond / 8;
  const disk = scenario.fleet.node.disk.writeBytesPerSecond;
  if (nic === undefined) return disk;
  if (disk === undefined) return nic;
  return Math.min(nic, disk);
}
