import type { ClientCounters } from '../metrics/registry-strain.ts';
import type { NodeStepSample } from '../metrics/samples.ts';

/** The kinds of node a fleet can be made of (`fleet.backend`). */
export type NodeBackendKind = 'virtual' | 'docker' | 'containerd';

export interface DeployContext {
  readonly repository: string;
  readonly tag: string;
  readonly step: string;
  readonly strategy: string;
  readonly repeat: number;
  /** performance.now() at the start of the run, so samples share one clock. */
  readonly runStartMs: number;
  /** Called with every chunk (or progress increment) of layer bytes received, for throughput series. */
  readonly onBytes?: (bytes: number) => void;
  /** The run's interruption: a node stops its requests (and their retries) at once; the sample is then discarded. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * One node as the rollout drives it, whatever runs underneath (in-process virtual node, a Docker Engine,
 * containerd): cold at `reset()`, then one `deploy()` per deploy step, keeping what it pulled between steps
 * like a real node does. A failure is recorded in the sample, never thrown.
 */
export interface NodeBackend {
  readonly name: string;
  readonly kind: NodeBackendKind;
  /** Where the node runs, for results: e.g. `unix:///run/docker.sock`, `netns shipbench-ab12-node-1`. */
  readonly endpoint: string;
  /** Layer bytes received so far (all deploys). */
  readonly bytesDown: number;
  readonly retries: number;
  /** The registry as this node's own client saw it (in-process nodes only; an engine pulls on its own). */
  readonly registrySeen?: ClientCounters;
  reset(): Promise<void>;
  deploy(context: DeployContext): Promise<NodeStepSample>;
  close(): Promise<void>;
}

/** One backend's nodes, started and owned by the caller. */
export interface BackendNodes {
  readonly backend: NodeBackendKind;
  readonly nodes: readonly NodeBackend[];
}
