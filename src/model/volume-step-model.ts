import type { ResolvedModel } from '../scenario/model-resolved.ts';
import { leadingCanaryStages } from '../scenario/rollout-waves.ts';

import type { ModelFleet } from './model-fleet.ts';
import type { ModelVolumeStep } from './fleet-plan.ts';
import type { FleetLayout } from './fleet-layout.ts';
import { FluidNetwork } from './fluid-network.ts';
import { stepBottleneck } from './step-bottleneck.ts';
import type { NodeSpread } from './node-spread.ts';
import { CdbRebuildJob } from './cdb-rebuild-job.ts';
import { StageRestarts } from './rolling-restart.ts';
import { RolloutGate } from './rollout-gate.ts';
import { meterOutcomes, NodeFigures, type StepOutcome } from './step-outcome.ts';
import { SyncWork, type Through } from './rsync-work.ts';
import { WriteBack } from './write-back.ts';

/** The volume side as scap runs it: its proxies, and how many targets it syncs at once (its ssh batch; absent: no limit of its own). */
export interface ModelVolume {
  readonly proxies: number;
  readonly batch?: number | undefined;
}

export interface VolumeStepInput {
  readonly model: ResolvedModel;
  readonly fleet: ModelFleet;
  readonly volume: ModelVolume;
  readonly layout: FleetLayout;
  readonly step: ModelVolumeStep;
  readonly spread: NodeSpread;
  /**
   * Work on the master before the proxies sync (the hybrid side's pull and unpack): it calls `ready` when
   * the staging tree is in place, and returns its meters, which join the step's tiers.
   */
  readonly prep?: (net: FluidNetwork, ready: () => void) => ReadonlyArray<{ readonly tier: string; readonly id: number }>;
}

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

/**
 * One deploy step on the volume side, as scap does it: every proxy syncs from the master first, then the
 * nodes sync from their proxy (round-robin), `volume.batch` at once over the whole fleet (scap's ssh batch),
 * within fleet.rollout's stages and limit (model.rollout.concurrentDeployments is Kubernetes', not scap's).
 * An rsync costs a pass over the whole file list (scanPerFile each), a fixed cost per changed file, then the
 * changed bytes through the source's egress and the node's NIC and disk. Each stage then goes on as scap's
 * stage does: with the l10n cache rebuilt on the nodes, scap's cdb-rebuild job (cdb-rebuild-job.ts: each node's
 * cores parse the changed languages' JSON, and it writes their CDB files to its disk), then php-fpm restarts, a
 * share at a time (rolling-restart.ts); the last stage's waits for production's check first (scap checks
 * production before its rebuild and restarts). The step ends with the last restart.
 */
export function simulateVolumeStep(input: VolumeStepInput): StepOutcome {
  const { model, fleet, layout, step } = input;
  const n = layout.names.length;
  const net = new FluidNetwork();
  const meter = { master: net.addMeter(), proxies: net.addMeter(), nodes: net.addMeter() };
  const master = net.addResource(bytesPerSecond(model.rsync.masterEgressBitsPerSecond), 'rsync master egress');
  const proxies = Array.from({ length: input.volume.proxies }, () => net.addResource(bytesPerSecond(model.rsync.proxyEgressBitsPerSecond), 'rsync proxy egress'));
  // One rsync transfer is held to the slower of a node's stream limit and rsync's own (model.rsync.stream).
  const stream = minDefined(model.node.streamBitsPerSecond === undefined ? undefined : bytesPerSecond(model.node.streamBitsPerSecond), model.rsync.streamBytesPerSecond);
  const figures = new NodeFigures(n, false);
  const syncs = new SyncWork(net, model.rsync, step.treeFiles, step.changedFiles);
  // Files land at the disk's IOPS at most; with the per-file cost, that bounds the sync's file rate.
  const iopsCap = step.changedFiles === 0 ? undefined : (step.changedBytes * model.node.diskIops) / step.changedFiles;

  const { spread } = input;
  const rebuild = step.l10nRebuild;
  // One node's rebuild on one core: the changed languages' JSON, and the per-file cost of each CDB.
  const rebuildCpuSeconds = rebuild === undefined ? 0 : rebuild.jsonBytes / model.rsync.l10nRebuildBytesPerSecond + rebuild.languages * model.rsync.perFileSeconds;
  // rsync writes its files without syncing them (unless --fsync), as do the CDB builds: page cache first.
  const disks = new Int32Array(n);
  const writeBack = new WriteBack(net, n, model.node.dirtyLimitBytes, (node) => ({ resource: disks[node]!, weight: 1, bytesPerSecond: model.node.diskWriteBytesPerSecond * spread.disk[node]! }));
  const iopsCapOf = (node: number) => (iopsCap === undefined ? undefined : iopsCap * spread.disk[node]!);
  // A node's rebuilt CDB files through its disk, the last part of its rebuild either way (below).
  const writeCdbs = (node: number, then: () => void) => writeFiles({ net, writeBack, node, disk: disks[node]! }, rebuild!.cdbBytes, { resources: [], weights: [] }, { cap: undefined, iops: undefined }, [], then);
  const startNode = (node: number) => {
    figures.startSeconds[node] = net.now;
    const began = net.now;
    const nic = net.addResource(bytesPerSecond(model.node.nicBitsPerSecond) * spread.nic[node]!, 'node nic');
    const disk = net.addResource(model.node.diskWriteBytesPerSecond * spread.disk[node]!, 'node disk');
    disks[node] = disk;
    const done = (files: number, diskBytes: number) => {
      figures.endSeconds[node] = net.now;
      figures.bytesDownloaded[node] = step.changedBytes;
      figures.diskBytes[node] = diskBytes;
      figures.files[node] = files;
      const seconds = net.now - began;
      figures.peakIops[node] = seconds > 0 ? files / seconds : 0;
      gate.nodeDone(node);
    };
    // As the harness does it: the l10n rebuild right after the rsync, each changed language's JSON parsed and its
    // CDB built on one core (plus the per-file cost; on a one-machine run, the harness's thread), then the CDB
    // bytes written through the node's disk. scap's job after the stage's syncs is below (rebuildJob).
    const rebuildL10n = () => {
      if (rebuild === undefined || rebuild.languages === 0 || !model.rsync.asHarness) return done(step.changedFiles, step.changedBytes);
      syncs.rebuild(rebuildCpuSeconds, () => writeCdbs(node, () => done(step.changedFiles + rebuild.languages, step.changedBytes + rebuild.cdbBytes)));
    };
    // The same node draws as the image side: its start delay, and its disk's IOPS for the per-file work. A canary
    // pulls from the master (scap's sync_targets names no proxy), the rest from their proxy.
    const source = proxiesSynced ? { resource: proxies[node % proxies.length]!, meter: meter.proxies } : { resource: master, meter: meter.master };
    syncs.after(spread.startDelaySeconds[node]!, () =>
      writeFiles({ net, writeBack, node, disk }, step.changedBytes, syncs.through([source.resource, nic]), { cap: stream, iops: iopsCapOf(node) }, [source.meter, meter.nodes], rebuildL10n),
    );
  };
  const atOnce = Math.min(fleet.rollout.maxConcurrent, input.volume.batch ?? Number.POSITIVE_INFINITY);
  const after = stageAftermath(net, model, atOnce, rebuild === undefined || model.rsync.asHarness ? 0 : rebuild.languages, rebuildCpuSeconds, {
    writeCdbs: (node, then) => writeCdbs(node, () => { figures.wrote(node, rebuild!.languages, rebuild!.cdbBytes); then(); }),
    restarted: (node) => (figures.runningSeconds[node] = net.now),
  });
  // scap syncs its proxies as production opens (`_sync_proxies_and_apaches`), after the canary stages; the
  // harness syncs them first.
  const canaryWaves = model.rsync.asHarness ? 0 : leadingCanaryStages(fleet.rollout.stages);
  let proxiesSynced = false;
  const opening = (wave: number, open: () => void) => {
    if (wave !== canaryWaves) return open();
    proxiesSynced = true;
    syncProxies(open);
  };
  const gate = new RolloutGate(layout.datacentreOf, layout.datacentres.length, fleet.rollout.stages, atOnce, n, startNode, { clock: net, waitSeconds: model.rollout.canaryWaitSeconds, opening }, after.afterStage);
  const syncProxies = (then: () => void) => {
    let proxiesLeft = proxies.length;
    for (const _ of proxies) {
      syncs.after(0, () =>
        net.startFlow({ bytes: step.changedBytes, ...syncs.through([master]), capBytesPerSecond: minDefined(stream, iopsCap), capKind: capKindOf(stream, iopsCap), meters: [meter.master], onDone: () => { if (--proxiesLeft === 0) then(); } }),
      );
    }
  };
  const start = () => gate.begin();
  const prepTiers = input.prep === undefined ? [] : input.prep(net, start);
  if (input.prep === undefined) start();
  net.run();
  let makespan = after.restarts.endSeconds;
  for (let i = 0; i < n; i++) makespan = Math.max(makespan, figures.endSeconds[i]!);
  const tiers = [
    ...prepTiers,
    { tier: 'rsync-master', id: meter.master },
    { tier: 'rsync-proxies', id: meter.proxies },
    { tier: 'nodes', id: meter.nodes },
  ];
  // Restarts and the rebuild job's waits move no bytes: when one takes most of the step, it is what holds it.
  const bottleneck = after.restarts.seconds > makespan / 2 ? 'php-fpm restarts' : (after.rebuildJob?.seconds ?? 0) > makespan / 2 ? 'l10n rebuild' : stepBottleneck(net, gate.heldBack);
  return { topology: 'rsync', makespanSeconds: makespan, rolloutEndSeconds: after.restarts.endSeconds, nodes: figures, prePulled: 0, meters: meterOutcomes(net, tiers), events: net.events, bottleneck };
}

/**
 * What scap does on a stage's nodes after their syncs: with `languages` to rebuild, its cdb-rebuild job in its ssh
 * batch (each node building on its cores less two, then `writeCdbs`), then php-fpm restarts. Production's check
 * comes before them (scap checks production before its rebuild and restarts); the other stages' checks follow
 * them (RolloutGate).
 */
function stageAftermath(
  net: FluidNetwork,
  model: ResolvedModel,
  batch: number,
  languages: number,
  rebuildCpuSeconds: number,
  on: { readonly writeCdbs: (node: number, then: () => void) => void; readonly restarted: (node: number) => void },
): { afterStage: (stage: readonly number[], next: () => void, last: boolean) => void; restarts: StageRestarts; rebuildJob: CdbRebuildJob | undefined } {
  const rebuildJob = languages === 0 ? undefined : new CdbRebuildJob(net, batch, rebuildCpuSeconds / Math.max(1, model.node.cpu.cores - 2), on.writeCdbs);
  const restarts = new StageRestarts(net, model.rsync, on.restarted);
  const afterStage = (stage: readonly number[], next: () => void, last: boolean): void => {
    const restart = () => restarts.afterStage(stage, next);
    const rebuildThenRestart = () => (rebuildJob === undefined ? restart() : rebuildJob.run(stage, restart));
    // Production's check only delays what follows it: nothing when the nodes neither rebuild nor restart.
    const wait = last && (rebuildJob !== undefined || model.rsync.restartSeconds > 0) ? model.rollout.canaryWaitSeconds : 0;
    if (wait > 0) net.at(net.now + wait, rebuildThenRestart);
    else rebuildThenRestart();
  };
  return { afterStage, restarts, rebuildJob };
}

/** Ceilings of a write of files: the stream's (undefined: none) and the disk's files per second (undefined: none). */
interface WriteCaps {
  readonly cap: number | undefined;
  readonly iops: number | undefined;
}

/**
 * `bytes` of files written on a node through `through` (the resources besides its disk): into page cache up to
 * its dirty limit, then written back behind; the rest through the disk (write-back.ts).
 */
function writeFiles(
  on: { readonly net: FluidNetwork; readonly writeBack: WriteBack; readonly node: number; readonly disk: number },
  bytes: number,
  through: Through,
  caps: WriteCaps,
  meters: number[],
  then: () => void,
): void {
  const { net, writeBack, node, disk } = on;
  writeBack.write(
    node,
    bytes,
    {
      inPageCache: (absorbed, written) => {
        // Nothing holds it back (the CDB files: their CPU is already counted): in page cache at once.
        if (through.resources.length === 0 && caps.cap === undefined) return written();
        net.startFlow({ bytes: absorbed, resources: through.resources, weights: through.weights, capBytesPerSecond: caps.cap, capKind: caps.cap === undefined ? undefined : 'stream ceiling', meters, onDone: written });
      },
      throughDisk: (rest, written) =>
        net.startFlow({ bytes: rest, resources: [...through.resources, disk], weights: [...through.weights, 1], capBytesPerSecond: minDefined(caps.cap, caps.iops), capKind: capKindOf(caps.cap, caps.iops), meters, onDone: written }),
      iopsCap: caps.iops,
    },
    then,
  );
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Which of the two ceilings of an rsync flow is the lower: a stream's bandwidth or the disk's files per second. */
function capKindOf(stream: number | undefined, iopsCap: number | undefined): string {
  return iopsCap !== undefined && (stream === undefined || iopsCap < stream) ? 'node disk IOPS' : 'stream ceiling';
}
