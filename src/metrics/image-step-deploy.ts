import { z } from 'zod';

/**
 * The image side's per-step pipeline before the fleet pulls: the step's image built by shipbench's own
 * generator from the previous step's build cache, and its new blobs pushed. One per strategy and step
 * (built and pushed once per run; every repeat's rollout reuses them).
 */
export const imageStepDeploySchema = z.object({
  strategy: z.string(),
  step: z.string(),
  build: z.object({
    seconds: z.number().nonnegative(),
    /** Layers the previous step's image lacked: synthesised, tarred and compressed for this step. */
    layersBuilt: z.number().int().nonnegative(),
    /** Layers taken unchanged from the previous step's image (the build cache). */
    layersReused: z.number().int().nonnegative(),
    /** Compressed bytes of the layers built. */
    bytesBuilt: z.number().nonnegative(),
  }),
  push: z.object({
    seconds: z.number().nonnegative(),
    blobsPushed: z.number().int().nonnegative(),
    /** Blobs the registry already had (earlier steps'): not sent again. */
    blobsSkipped: z.number().int().nonnegative(),
    /** Every byte sent: new blobs (config included) and the manifest. */
    bytesUp: z.number().nonnegative(),
    /** New layer blobs only. */
    layersPushed: z.number().int().nonnegative(),
    layerBytesUp: z.number().nonnegative(),
  }),
});
export type ImageStepDeploy = z.infer<typeof imageStepDeploySchema>;
