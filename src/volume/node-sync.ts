import { mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { NodeStepSample } from '../metrics/samples.ts';
import type { RsyncStats } from '../metrics/volume-sample.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { L10nRebuildFigures } from '../metrics/volume-sample.ts';
import { containedPath } from './contained-path.ts';
import { rebuildL10nCaches, rsyncExcludes } from './l10n-rebuild.ts';
import { mixedVersionSeconds } from './mixed-window.ts';
import { chooseProxy } from './proxy-assignment.ts';
import type { HeldProcesses } from './held-process.ts';
import type { Proxy } from './proxy-tier.ts';
import { rsyncSync } from './rsync-sync.ts';
import { VOLUME_STRATEGY, type VolumeRolloutEvent } from './volume-rollout.ts';

export interface NodeSyncContext {
  readonly scenario: ResolvedScenario;
  readonly workDir: string;
  readonly runStartMs: number;
  readonly proxies: readonly Proxy[];
  /** Indexes of the proxies that have this step's tree; a proxy found dead is taken out. */
  readonly upToDate: Set<number>;
  readonly step: string;
  readonly repeat: number;
  readonly signal: AbortSignal | undefined;
  readonly onEvent: (event: VolumeRolloutEvent) => void;
  /** The nodes' rsync processes, forked before the step's clock started (held-process.ts); the first try of each node runs in its own. */
  readonly held?: HeldProcesses | undefined;
}

export interface NodeSync {
  readonly sample: NodeStepSample;
  readonly stats: RsyncStats | undefined;
  readonly servedBy: Proxy | undefined;
  readonly failovers: number;
  /**
   * Measures the node's mixed-version window (a walk of its whole tree, stat by stat: 60-100 ms for 1,400
   * files here, 150-180 ms when four run at once), writes it into the sample's volume figures and returns it.
   * The caller runs it once the step's nodes are done: a node's time is its sync, not the harness's walk,
   * which counted as node time while it ran inside the sync. Undefined when the sync failed (no window).
   */
  readonly measureMixedWindow: (() => Promise<number>) | undefined;
}

/**
 * One node syncs the step from its proxy into its own directory, incrementally from the previous step; a
 * proxy whose daemon died is failed over from, any other failure is the node's and recorded as such.
 */
export async function syncNode(ctx: NodeSyncContext, name: string, index: number): Promise<NodeSync> {
  const { scenario, runStartMs } = ctx;
  const dest = containedPath(ctx.workDir, 'nodes', name);
  await mkdir(dest, { recursive: true });
  const held = ctx.held?.take(name);
  const started = performance.now();
  const sinceMs = Date.now();
  const tried = new Set<number>();
  const bandwidth = nodeBandwidth(scenario);
  const loads = () => ctx.proxies.map((p) => ({ index: p.index, alive: ctx.upToDate.has(p.index) && p.daemon.alive(), active: p.active }));
  let nodeFailovers = 0;
  let stats: RsyncStats | undefined;
  let servedBy: Proxy | undefined;
  let error: string | undefined;
  for (;;) {
    const chosen = chooseProxy(scenario.volume.assign, index, loads(), tried);
    if (chosen === undefined) {
      error = `no proxy left to sync from${error === undefined ? '' : ` (last: ${error})`}`;
      break;
    }
    const proxy = ctx.proxies[chosen] as Proxy;
    if (tried.size === 0) ctx.onEvent({ type: 'node-start', node: name, proxy: proxy.name, step: ctx.step, repeat: ctx.repeat });
    tried.add(chosen);
    proxy.active++;
    const first = tried.size === 1;
    const outcome = await rsyncSync({ source: proxy.daemon.url('code'), dest, bandwidthBytesPerSecond: bandwidth, compress: scenario.volume.compress, delayUpdates: scenario.volume.delayUpdates, excludes: rsyncExcludes(scenario), signal: ctx.signal, held: first ? held : undefined }).finally(() => proxy.active--);
    if (outcome.ok) {
      stats = outcome.stats;
      servedBy = proxy;
      error = undefined;
      break;
    }
    error = outcome.message;
    // Only a dead proxy is failed over from; any other failure is the node's, and recorded as such.
    if (ctx.signal?.aborted === true || (await proxy.daemon.serving())) break;
    ctx.upToDate.delete(chosen);
    const next = chooseProxy(scenario.volume.assign, index, loads(), tried);
    ctx.onEvent({ type: 'failover', node: name, from: proxy.name, to: next === undefined ? undefined : ctx.proxies[next]?.name, reason: outcome.message });
    nodeFailovers++;
  }
  void held?.close();
  // scap's cdb-rebuild, part of the node's sync: the CDB writes land in the tree (and the mixed window).
  let l10n: L10nRebuildFigures | undefined;
  if (stats !== undefined && scenario.volume.l10n === 'rebuild') {
    try {
      l10n = await rebuildL10nCaches(scenario, dest, sinceMs);
    } catch (failure) {
      error = `l10n cache rebuild failed: ${failure instanceof Error ? failure.message : String(failure)}`;
    }
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const sample: NodeStepSample = {
    node: name,
    step: ctx.step,
    strategy: VOLUME_STRATEGY,
    repeat: ctx.repeat,
    startSeconds: (started - runStartMs) / 1000,
    manifestSeconds: 0,
    totalSeconds,
    layers: [],
    bytesDownloaded: stats?.bytesReceived ?? 0,
    bytesWrittenToDisk: (stats?.transferredFileBytes ?? 0) + (l10n?.cdbBytesWritten ?? 0),
    filesWritten: (stats?.filesTransferred ?? 0) + (l10n?.languages ?? 0),
    ...(error === undefined ? {} : { error }),
    volume: { proxy: servedBy?.name ?? '', failovers: nodeFailovers, ...(stats === undefined ? {} : { rsync: stats }), mixedVersionSeconds: 0, ...(l10n === undefined ? {} : { l10n }) },
  };
  const volume = sample.volume;
  const measureMixedWindow =
    stats === undefined || volume === undefined
      ? undefined
      : async () => {
          volume.mixedVersionSeconds = await mixedVersionSeconds(dest, sinceMs);
          return volume.mixedVersionSeconds;
        };
  return { sample, stats, servedBy, failovers: nodeFailovers, measureMixedWindow };
}

/** rsync has one limit per transfer: the tighter of the node's NIC and disk write limits (what arrives is written). */
function nodeBandwidth(scenario: ResolvedScenario): number | undefined {
  const nic = scenario.fleet.node.nicBitsPerSecond === undefined ? undefined : scenario.fleet.node.nicBitsPerSecond / 8;
  const disk = scenario.fleet.node.disk.writeBytesPerSecond;
  if (nic === undefined) return disk;
  if (disk === undefined) return nic;
  return Math.min(nic, disk);
}
