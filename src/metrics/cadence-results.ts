import { z } from 'zod';

/** The scenario's build cadence and merges, as run or simulated: what the report's per-week figures start from. */
export const cadenceResultsSchema = z.object({
  /** Seconds between builds; null: a build per merge. */
  everySeconds: z.number().positive().nullable(),
  merges: z.array(
    z.object({
      name: z.string(),
      kind: z.string(),
      /** Seconds since Monday 00:00 of the simulated week. */
      atSeconds: z.number().nonnegative(),
      /** The deploy step whose image ships it. */
      step: z.string(),
      buildAtSeconds: z.number().nonnegative(),
    }),
  ),
});
export type CadenceResults = z.infer<typeof cadenceResultsSchema>;
