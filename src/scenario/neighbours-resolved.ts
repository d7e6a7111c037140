/** `neighbours:` after defaults (see neighbours-resolve.ts). Units are in the names. */

export interface ResolvedHttpNeighbour {
  readonly kind: 'http';
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly hashBytes: number;
  readonly reads: number;
  readonly readBytes: number;
  readonly writes: number;
  readonly writeBytes: number;
  readonly files: number;
  readonly maxConnections: number;
  readonly probeSeconds: number;
}

export interface ResolvedFioNeighbour {
  readonly kind: 'fio';
  readonly name: string;
  readonly rw: 'randrw' | 'randread' | 'randwrite' | 'read' | 'write' | 'rw';
  readonly blockBytes: number;
  readonly rateIops: number;
  readonly direct: boolean;
  readonly fileBytes: number;
}

export type ResolvedNeighbour = ResolvedHttpNeighbour | ResolvedFioNeighbour;

export interface ResolvedNeighbours {
  readonly baselineSeconds: number;
  readonly recoverySeconds: number;
  /** Smallest relative change of a neighbour's median bin latency that counts as an impact; undefined: the analysis's default. */
  readonly minEffect: number | undefined;
  /** CPU isolation asked for; undefined: cpuset where the machine allows it (neighbours/cpu-isolation.ts). */
  readonly isolation: 'cpuset' | 'shared' | undefined;
  /** Deploy step names measured; undefined: every step. */
  readonly steps: readonly string[] | undefined;
  /** Strategy names (layer strategies or `volume`) measured; undefined: every one. */
  readonly strategies: readonly string[] | undefined;
  readonly workloads: readonly ResolvedNeighbour[];
}
