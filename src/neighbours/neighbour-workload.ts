import type { NeighbourOperation } from '../metrics/neighbour-operation.ts';
import type { ResolvedNeighbour } from '../scenario/neighbours-resolved.ts';
import type { HttpProbe } from './http-neighbour.ts';

/** What one workload measured around one step: its operations in the step's window. */
export interface WorkloadStepRun {
  readonly operations: NeighbourOperation[];
  /** Requests sent more than 10 ms late (the load generator was starved of CPU itself). */
  readonly lateSends: number;
  /** Set when the workload crashed or failed during (or before) this step. */
  readonly crash: string | undefined;
}

/**
 * One neighbour workload as the session drives it, whatever it runs: started once, then around each
 * measured step `beginStep` before the baseline and `endStep` after the recovery.
 */
export interface NeighbourWorkload {
  readonly settings: ResolvedNeighbour;
  /** A job per step (fio) ends with each step and is recorded first; otherwise it runs throughout (http). */
  readonly perStep: boolean;
  /** How long its per-step job needs after `beginStep` before it runs at its set rate. */
  readonly settleMs: number;
  /** The http service's capacity, probed at start. */
  readonly probe: HttpProbe | undefined;
  /** The tool's version, for results.environment.tools (fio). */
  readonly toolVersion: { readonly name: string; readonly version: string } | undefined;
  /** Throws a ShipbenchError naming the component when it cannot start. */
  start(): Promise<void>;
  beginStep(): Promise<void>;
  endStep(inWindow: (ops: readonly NeighbourOperation[]) => NeighbourOperation[]): Promise<WorkloadStepRun>;
  /** The PIDs of its processes running now (for CPU isolation and the attribution's counters). */
  pids(): number[];
  /** Stops its processes by PID; safe to call twice. */
  stop(): Promise<void>;
}
