import type { FlowHandle, FluidNetwork } from './fluid-network.ts';

/**
 * The share of a disk's write rate background write-back takes at most. Linux throttles it (blk-wbt, the
 * default since 4.10, shrinks write-back's queue depth when reads and synced writes wait), so it never holds the
 * whole device while the node's own I/O runs beside it. The model has no priorities, so a cap stands for that:
 * 90% of the device, an assumption. It also keeps a disk that only write-back fills from counting as full,
 * which would take the node's download out of its registry's bottleneck group at every write-back.
 */
export const WRITE_BACK_SHARE = 0.9;

/**
 * Linux's write-back cache for writes nobody syncs (the files an unpack or an rsync creates: containerd and
 * dockerd fsync a blob when they commit it, not the files they unpack from it; rsync only with --fsync). Such a
 * write returns once its pages are in memory, and the kernel writes them to the disk behind it: per node, the
 * bytes that fit under its dirty limit (model.node.dirtyLimit: vm.dirty_ratio of its page cache) cost no disk
 * time when written (`absorb`), then go to the disk as a write-back flow that shares it with everything else
 * there (blob writes, reads served to peers), and their room frees as the disk cleans them. Past the limit,
 * balance_dirty_pages holds the writer to what the disk cleans: the rest of a write goes through the disk
 * (`throttle` to `release`), and the write-back waits meanwhile, since the disk's cleaning is what paces it.
 */
export class WriteBack {
  /** Per node: bytes absorbed whose writes are still going into page cache. */
  private readonly pending: Float64Array;
  /** Per node: dirty bytes whose write-back waits while a writer goes through the disk. */
  private readonly parked: Float64Array;
  /** Per node: writers going through the disk now. */
  private readonly throttled: Int32Array;
  /** Per node: the files' write rate cap of the latest write-back (parked bytes go back at it). */
  private readonly iopsCap: Float64Array;
  /** Per node: its write-back flows still running (few: one per pace, as writes at the same pace join one). */
  private readonly flows: Array<FlowHandle[] | undefined> = [];

  constructor(
    private readonly net: FluidNetwork,
    nodes: number,
    private readonly limitBytes: number,
    /** Per node: its disk resource, the disk time one byte written takes there, and the bytes per second it writes. */
    private readonly disk: (node: number) => { readonly resource: number; readonly weight: number; readonly bytesPerSecond: number },
  ) {
    this.pending = new Float64Array(nodes);
    this.parked = new Float64Array(nodes);
    this.throttled = new Int32Array(nodes);
    this.iopsCap = new Float64Array(nodes).fill(Number.POSITIVE_INFINITY);
  }

  /** Dirty bytes on `node` now: absorbed and not yet on its disk. */
  private dirty(node: number): number {
    let bytes = this.pending[node]! + this.parked[node]!;
    for (const f of this.flows[node] ?? []) bytes += this.net.bytesLeft(f);
    return bytes;
  }

  /**
   * `bytes` written on `node`: what fits under its dirty limit through `inPageCache` (the writer's own pace),
   * then written back behind it (at most `iopsCap`: the files' writes); the rest through `throughDisk`, the
   * write-back waiting meanwhile; then `done`. Each way calls its `then` when its bytes are written.
   */
  write(
    node: number,
    bytes: number,
    ways: { inPageCache(bytes: number, then: () => void): void; throughDisk(bytes: number, then: () => void): void; readonly iopsCap?: number | undefined },
    done: () => void,
  ): void {
    const absorbed = this.absorb(node, bytes);
    const rest = bytes - absorbed;
    const disk = (): void => {
      if (rest <= 0) return done();
      this.throttle(node);
      ways.throughDisk(rest, () => {
        this.release(node);
        done();
      });
    };
    if (absorbed <= 0) return disk();
    ways.inPageCache(absorbed, () => {
      this.writeBehind(node, absorbed, ways.iopsCap);
      disk();
    });
  }

  /** Of `bytes` about to be written on `node`, how many go to page cache (dirty until written back); the rest waits for the disk. */
  private absorb(node: number, bytes: number): number {
    if (this.limitBytes <= 0) return 0;
    const absorbed = Math.min(bytes, Math.max(0, this.limitBytes - this.dirty(node)));
    this.pending[node]! += absorbed;
    return absorbed;
  }

  /** The absorbed bytes are in page cache: the kernel writes them to the node's disk from now on (at most `iopsCapBytesPerSecond`: the files' writes). */
  private writeBehind(node: number, bytes: number, iopsCapBytesPerSecond = Number.POSITIVE_INFINITY): void {
    if (bytes <= 0) return;
    this.pending[node] = Math.max(0, this.pending[node]! - bytes);
    this.iopsCap[node] = iopsCapBytesPerSecond;
    if (this.throttled[node]! > 0) this.parked[node]! += bytes;
    else this.startWriteBack(node, bytes);
  }

  /** A writer on `node` goes through the disk (no dirty room left): the write-back waits until the last such writer is done. */
  private throttle(node: number): void {
    if (this.throttled[node]!++ > 0) return;
    const flows = this.flows[node] ?? [];
    for (const f of flows) {
      this.parked[node]! += this.net.bytesLeft(f);
      this.net.cancelFlow(f);
    }
    flows.length = 0;
  }

  private release(node: number): void {
    if (--this.throttled[node]! > 0 || this.parked[node]! <= 0) return;
    const bytes = this.parked[node]!;
    this.parked[node] = 0;
    this.startWriteBack(node, bytes);
  }

  private startWriteBack(node: number, bytes: number): void {
    const { resource, weight, bytesPerSecond } = this.disk(node);
    const flows = (this.flows[node] ??= []);
    // Small files are as many writes behind as they would have been in front; and background write-back leaves
    // the device some room for the node's own I/O (WRITE_BACK_SHARE).
    const cap = Math.min(this.iopsCap[node]!, WRITE_BACK_SHARE * bytesPerSecond);
    // One flusher per device: bytes at the same pace join the write-back already running (the share is of
    // the device, not of each write), and need no flow of their own.
    for (const f of flows) {
      // One that ended at this instant waits in the list for its callback: not running any more.
      if (this.net.capOf(f) !== cap || !this.net.isRunning(f)) continue;
      this.net.extendFlow(f, bytes);
      return;
    }
    const flow = this.net.startFlow({
      bytes,
      resources: [resource],
      weights: [weight],
      capBytesPerSecond: cap,
      capKind: cap < WRITE_BACK_SHARE * bytesPerSecond ? 'node disk IOPS' : 'write-back',
      // No node waits for it: its time is not what held the step.
      background: true,
      meters: [],
      onDone: () => {
        const i = flows.indexOf(flow!);
        if (i >= 0) flows.splice(i, 1);
      },
    });
    if (flow !== undefined) flows.push(flow);
  }
}
