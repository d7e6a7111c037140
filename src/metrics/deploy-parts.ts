import { z } from 'zod';

const seconds = z.number().nonnegative();

/** Image side: the step's image built, its new blobs pushed, the fleet pulled (seconds). */
export const imageDeployPartsSchema = z.object({ build: seconds, push: seconds, rollout: seconds, total: seconds });
/** Volume and hybrid sides: the master's staging tree updated (hybrid: pulled and unpacked), then synced (seconds). */
export const treeDeployPartsSchema = z.object({ prep: seconds, sync: seconds, total: seconds });
export const deployPartsSchema = z.union([imageDeployPartsSchema, treeDeployPartsSchema]);
export type DeployParts = z.infer<typeof deployPartsSchema>;
