import type { FluidNetwork } from './fluid-network.ts';

/** Per-node figures of one simulated step, in flat arrays (10,000s of nodes). */
export class NodeFigures {
  readonly startSeconds: Float64Array;
  readonly endSeconds: Float64Array;
  readonly bytesDownloaded: Float64Array;
  readonly diskBytes: Float64Array;
  readonly files: Float64Array;
  readonly peakIops: Float64Array;
  /** From the node's start (after its start delay) to its first layer request: manifest and config (and a token), registry-client.ts. */
  readonly manifestSeconds: Float64Array;
  /** When the node's container runs (pull done, or lazy: working set fetched, then model.node.start). */
  readonly runningSeconds: Float64Array;
  /** 1 for nodes that pulled something in this step (the others held the image). */
  readonly deployed: Uint8Array;
  /** Per node, per fetched layer: [layer index, bytes, downloadSeconds, unpackSeconds, files]; only when kept. */
  readonly layers: Array<Array<[number, number, number, number, number]>> | undefined;

  constructor(nodes: number, keepLayers: boolean) {
    this.startSeconds = new Float64Array(nodes);
    this.endSeconds = new Float64Array(nodes);
    this.bytesDownloaded = new Float64Array(nodes);
    this.diskBytes = new Float64Array(nodes);
    this.files = new Float64Array(nodes);
    this.peakIops = new Float64Array(nodes);
    this.manifestSeconds = new Float64Array(nodes);
    this.runningSeconds = new Float64Array(nodes);
    this.deployed = new Uint8Array(nodes);
    this.layers = keepLayers ? Array.from({ length: nodes }, () => []) : undefined;
  }

  /** Files and bytes the node wrote besides its own transfer's (the volume side's rebuilt CDB files, after its sync). */
  wrote(node: number, files: number, bytes: number): void {
    this.files[node]! += files;
    this.diskBytes[node]! += bytes;
  }
}

export interface MeterOutcome {
  readonly tier: string;
  readonly bytes: number;
  /** Change points of the tier's total rate: at t[i] the rate became rate[i]. */
  readonly t: readonly number[];
  readonly rate: readonly number[];
}

export interface StepOutcome {
  readonly topology: string;
  readonly makespanSeconds: number;
  /** Image steps rolled pod by pod: when the last pod was ready (time-to-start's end too). */
  readonly rolloutEndSeconds?: number;
  /** Image steps rolled pod by pod: each release's rollout in each data centre (model-step.ts `releases`). */
  readonly releases?: ReadonlyArray<{ readonly release: string; readonly datacentre: string; readonly seconds: number; readonly pastTimeout: boolean }>;
  readonly nodes: NodeFigures;
  readonly prePulled: number;
  readonly meters: readonly MeterOutcome[];
  readonly events: number;
  /** The kind of capacity that held the most flow-time, or the rollout's concurrency (step-bottleneck.ts). */
  readonly bottleneck?: string | undefined;
}

export function meterOutcomes(net: FluidNetwork, meters: ReadonlyArray<{ tier: string; id: number }>): MeterOutcome[] {
  return meters.map(({ tier, id }) => ({ tier, bytes: net.meterBytes[id]!, t: net.meterHistory[id]!.t, rate: net.meterHistory[id]!.rate }));
}
