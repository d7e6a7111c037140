import { z } from 'zod';

/**
 * Optional per-node fields real engines add to a NodeStepSample (older results files lack them and still
 * parse). With more than one backend in a run, samples' `strategy` also carries `@<backend>`, so anything
 * grouping by strategy keeps the backends apart.
 */
export const engineSampleFields = {
  /** `virtual`, `docker` or `containerd`. */
  backend: z.enum(['virtual', 'docker', 'containerd']).optional(),
  /** Which engine this node was: a Docker endpoint, or the network namespace of an emulated host. */
  host: z.string().optional(),
  /** Bytes that crossed the node's NIC towards it during the deploy (netns isolation; includes HTTP and TCP overhead). */
  networkBytesReceived: z.number().int().nonnegative().optional(),
  /** Bytes read from the node's own disk during the deploy (its loop device's /proc/diskstats line). */
  diskReadBytes: z.number().int().nonnegative().optional(),
};
