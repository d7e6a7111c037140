import type { NodeCpu, ResolvedModel } from '../scenario/model-resolved.ts';
import type { FluidNetwork } from './fluid-network.ts';
import type { NodeSpread } from './node-spread.ts';

/** What a flow costs on CPU: resources with their CPU-seconds per unit, and the flow's one-core ceiling. */
export interface CpuLoad {
  readonly resources: readonly number[];
  readonly weights: readonly number[];
  /** Units per second one core does (a stream runs on one core), or undefined when the work costs no CPU. */
  readonly oneCore: number | undefined;
}

const NONE: CpuLoad = { resources: [], weights: [], oneCore: undefined };

/**
 * CPU seconds per uncompressed byte of an unpack that has a node's CPU to itself, in closed form: the flow
 * `unpacking` builds, alone, runs at its one-core ceiling (the slower stage) or at the node's cores over both
 * stages, whichever is lower.
 */
export function loneUnpackSecondsPerByte(cpu: NodeCpu): number {
  const { decompressSecondsPerByte: d, unpackSecondsPerByte: u } = cpu;
  return Math.max(d, u, (d + u) / cpu.cores);
}

/**
 * CPU as a resource (model.node.cpu, model.harness): each node has `cores` (times its spread draw: a slower
 * node's cores are slower), a capacity in CPU-seconds per second that hashing, decompression and unpack
 * share max-min like bandwidth. A flow's weight on it is CPU-seconds per byte, so a fast NIC leaves the
 * node's CPU the tightest capacity. With model.harness.cores, every node's CPU work also shares one machine's
 * cores: a one-machine run of N virtual nodes, as --calibrate matches it.
 */
export class NodeCpuResources {
  private readonly cpu: number[];
  /** The harness machine's cores as one resource, or empty when nodes are separate machines. */
  readonly harness: readonly number[];

  constructor(
    net: FluidNetwork,
    private readonly model: ResolvedModel,
    private readonly spread: NodeSpread,
    nodes: number,
  ) {
    const cores = model.node.cpu.cores;
    this.cpu = Array.from({ length: nodes }, (_, i) => net.addResource(cores * spread.decompress[i]!, 'node cpu'));
    this.harness = model.harness.cores === undefined ? [] : [net.addResource(model.harness.cores, 'harness cpu')];
  }

  private load(node: number, secondsPerUnit: number, oneCoreSecondsPerUnit: number): CpuLoad {
    if (secondsPerUnit <= 0) return NONE;
    const resources = [this.cpu[node]!, ...this.harness];
    // On the harness, a node's draw does not make the shared machine faster or slower: plain CPU-seconds.
    const weights = [secondsPerUnit, ...this.harness.map(() => secondsPerUnit / this.spread.decompress[node]!)];
    return { resources, weights, oneCore: this.spread.decompress[node]! / oneCoreSecondsPerUnit };
  }

  /** Verifying a downloaded blob as it is written: sha256 per compressed byte (on the download's flow). */
  hashing(node: number): CpuLoad {
    const s = this.model.node.cpu.sha256SecondsPerByte;
    return this.load(node, s, s);
  }

  /**
   * Unpacking a layer, per uncompressed byte: decompression and the file writes, two stages of a pipe
   * (unpigz or a goroutine, and the tar writer), so one layer is as fast as its slower stage on one core.
   */
  unpacking(node: number): CpuLoad {
    const { decompressSecondsPerByte: d, unpackSecondsPerByte: u } = this.model.node.cpu;
    return this.load(node, d + u, Math.max(d, u));
  }

  /** Each unpacked file's CPU (create, metadata), per file. */
  perFile(node: number): CpuLoad {
    const s = this.model.node.cpu.perFileSeconds;
    return this.load(node, s, s);
  }

}
