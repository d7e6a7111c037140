import { z } from 'zod';

/** results.json's record of the real engines a run drove: which node was which host, and what teardown left. */
export const engineNodeRecordSchema = z.object({
  node: z.string(),
  backend: z.enum(['virtual', 'docker', 'containerd']),
  /** The Docker endpoint, or the daemon and namespace of an emulated host. */
  endpoint: z.string(),
});

export const engineFleetResultsSchema = z.object({
  isolation: z.enum(['none', 'netns']),
  nodes: z.array(engineNodeRecordSchema),
  /** Host resources teardown could not remove (empty when all went): each one is a bug to report. */
  teardownFailures: z.array(z.object({ what: z.string(), message: z.string() })),
});
export type EngineFleetResults = z.infer<typeof engineFleetResultsSchema>;
