import { performance } from 'node:perf_hooks';
import { diskstatsFor, SECTOR_BYTES } from '../../metrics/diskstats.ts';
import type { NodeStepSample } from '../../metrics/samples.ts';
import { bytesIntoNamespace, type NetnsEndpoint } from '../isolation/fleet-network.ts';
import { type NodeDisk, syncDisk } from '../isolation/node-disk.ts';
import type { DeployContext, NodeBackendKind } from '../node-backend.ts';
import type { EngineLayerTiming } from './docker-pull-progress.ts';

/** What an emulated host has of its own: a NIC in a namespace and a disk on a loop device (either may be absent). */
export interface EngineHostResources {
  readonly network: NetnsEndpoint | undefined;
  readonly disk: NodeDisk | undefined;
}

/**
 * Counters around one deploy: the node NIC's received bytes and its disk's diskstats line, read before and
 * after (the disk flushed first, so the engine's writes are counted rather than left in the page cache).
 */
export class EngineNodeMeter {
  private readonly started = performance.now();
  private readonly network0: number | undefined;
  private readonly disk0: { read: number; written: number } | undefined;

  constructor(
    private readonly resources: EngineHostResources,
    private readonly identity: { node: string; backend: NodeBackendKind; host: string },
    private readonly context: DeployContext,
  ) {
    this.network0 = resources.network === undefined ? undefined : bytesIntoNamespace(resources.network);
    this.disk0 = this.diskBytes();
  }

  get startMs(): number {
    return this.started;
  }

  private diskBytes(): { read: number; written: number } | undefined {
    if (this.resources.disk === undefined) return undefined;
    const e = diskstatsFor(this.resources.disk.device);
    return { read: e.sectorsRead * SECTOR_BYTES, written: e.sectorsWritten * SECTOR_BYTES };
  }

  /** The sample for this deploy, timed up to `endMs`; counters are read now. */
  async finish(endMs: number, manifestDoneMs: number | undefined, layers: readonly EngineLayerTiming[], error?: string): Promise<NodeStepSample> {
    const { network } = this.resources;
    const networkBytesReceived = network === undefined || this.network0 === undefined ? undefined : safe(() => bytesIntoNamespace(network) - (this.network0 as number));
    if (this.resources.disk !== undefined) await syncDisk(this.resources.disk).catch(() => undefined);
    const disk1 = safe(() => this.diskBytes());
    const downloaded = layers.filter((l) => l.downloaded);
    return {
      node: this.identity.node,
      backend: this.identity.backend,
      host: this.identity.host,
      step: this.context.step,
      strategy: this.context.strategy,
      repeat: this.context.repeat,
      startSeconds: (this.started - this.context.runStartMs) / 1000,
      manifestSeconds: manifestDoneMs === undefined ? 0 : Math.max(0, manifestDoneMs - this.started) / 1000,
      totalSeconds: (endMs - this.started) / 1000,
      layers: layers.map((l) => ({
        digest: l.digest,
        bytes: l.bytes,
        downloadSeconds: l.downloadSeconds,
        unpackSeconds: l.unpackSeconds,
        files: 0,
        // On the deploy's clock, as virtual nodes record them: calibration reads how downloads and unpacks overlapped.
        ...(l.downloaded && l.downloadStartMs !== undefined ? { downloadStartSeconds: Math.max(0, l.downloadStartMs - this.started) / 1000 } : {}),
        ...(l.unpackSeconds > 0 && l.unpackStartMs !== undefined ? { unpackStartSeconds: Math.max(0, l.unpackStartMs - this.started) / 1000 } : {}),
      })),
      bytesDownloaded: downloaded.reduce((n, l) => n + l.bytes, 0),
      bytesWrittenToDisk: this.disk0 === undefined || disk1 === undefined ? 0 : Math.max(0, disk1.written - this.disk0.written),
      filesWritten: 0,
      ...(networkBytesReceived === undefined ? {} : { networkBytesReceived: Math.max(0, networkBytesReceived) }),
      ...(this.disk0 === undefined || disk1 === undefined ? {} : { diskReadBytes: Math.max(0, disk1.read - this.disk0.read) }),
      ...(error === undefined ? {} : { error }),
    };
  }
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined; // the namespace or device is already gone (a node torn down mid-deploy)
  }
}
