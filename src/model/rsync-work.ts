import type { ResolvedModel } from '../scenario/model-resolved.ts';
import type { FluidNetwork } from './fluid-network.ts';

/** Resources a sync's bytes cross besides the node's disk, with what a byte per second uses of each. */
export interface Through {
  readonly resources: readonly number[];
  readonly weights: readonly number[];
}

/**
 * rsync's work beyond its bytes' path, for a sync of the step: its fixed cost (perSync: process, connection,
 * protocol start), then the scan and per-file work, then the bytes. Where every host has its own CPU that work
 * is a wait; on a one-machine run (rsync.harnessCores) the scan and per-file work are CPU-seconds on the shared
 * cores, at most one core a sync, and each byte costs 1/stream of a core-second there too. So two proxies syncing
 * at once on 2 cores keep their pace and four nodes do not: the quick start measured 2.25 s for each proxy's
 * initial sync and 4.2-4.5 s for each node's (less its l10n rebuild), the same 1,392 files and 32 MB.
 */
export class SyncWork {
  private readonly harness: number | undefined;
  /** The harness's thread the nodes' l10n rebuilds share on a one-machine run (rsync.harnessThreads). */
  private readonly thread: number | undefined;
  private readonly byteWeight: number;
  /** Seconds (on a core of its own) of one sync's scan and per-file work, and with its fixed cost. */
  private readonly work: number;
  private readonly overhead: number;

  constructor(
    private readonly net: FluidNetwork,
    private readonly rsync: ResolvedModel['rsync'],
    treeFiles: number,
    changedFiles: number,
  ) {
    this.harness = rsync.harnessCores === undefined ? undefined : net.addResource(rsync.harnessCores, 'harness cpu');
    this.thread = rsync.harnessThreads === undefined ? undefined : net.addResource(rsync.harnessThreads, 'harness thread');
    this.byteWeight = rsync.streamBytesPerSecond === undefined ? 0 : 1 / rsync.streamBytesPerSecond;
    this.work = treeFiles * rsync.scanPerFileSeconds + changedFiles * rsync.perFileSeconds;
    // Summed as the volume step model always summed it, not as perSync + work: the same figures to the last digit.
    this.overhead = rsync.perSyncSeconds + treeFiles * rsync.scanPerFileSeconds + changedFiles * rsync.perFileSeconds;
  }

  /** Runs `then` after `delaySeconds`, the sync's fixed cost and its per-file work. */
  after(delaySeconds: number, then: () => void): void {
    const { net, harness, work } = this;
    if (harness === undefined || work <= 0) {
      net.at(net.now + delaySeconds + this.overhead, then);
      return;
    }
    net.at(net.now + delaySeconds + this.rsync.perSyncSeconds, () =>
      net.startFlow({ bytes: work, resources: [harness], capBytesPerSecond: 1, capKind: 'rsync per-file work', onDone: then }),
    );
  }

  /**
   * A node's work on one core after its sync (scap's l10n rebuild), then `then`: a wait on its own core, or on
   * a one-machine run the harness's thread, which every node's rebuild shares.
   */
  rebuild(cpuSeconds: number, then: () => void): void {
    const { net, thread } = this;
    if (thread === undefined || cpuSeconds <= 0) {
      net.at(net.now + cpuSeconds, then);
      return;
    }
    net.startFlow({ bytes: cpuSeconds, resources: [thread], capBytesPerSecond: 1, capKind: 'l10n rebuild', onDone: then });
  }

  /** The resources a sync's bytes cross, with the shared cores when its bytes cost CPU there. */
  through(resources: readonly number[]): Through {
    const weights = resources.map(() => 1);
    if (this.harness === undefined || this.byteWeight === 0) return { resources, weights };
    return { resources: [...resources, this.harness], weights: [...weights, this.byteWeight] };
  }
}
