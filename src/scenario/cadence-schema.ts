import { z } from 'zod';
import { durationField } from './unit-fields.ts';

/**
 * `cadence:` how often images are built: `per-merge` (every merge is built and deployed on its own, the
 * default) or `{ every: 12h }` (a build every 12 hours from Monday 00:00, shipping every merge since the last
 * one as one deploy). Merge times are the steps' `at:`.
 */
// A string other than per-merge gets its own message and hint (a literal would only say what was expected).
const perMerge = z
  .string()
  .superRefine((value, ctx) => {
    if (value !== 'per-merge') {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a build cadence`, params: { hint: 'write cadence: per-merge (a build per merge) or cadence: { every: 12h } (a build every 12 hours, batching the merges in between)' } });
    }
  })
  // For editors (JSON Schema): the one word allowed.
  .meta({ const: 'per-merge' });

export const cadenceInput = z
  .union([perMerge, z.strictObject({ every: durationField() })], {
    error: 'expected a build cadence: per-merge, or { every: 12h } (one build every 12 hours, batching the merges in between)',
  })
  .meta({ description: 'how often images are built: per-merge, or { every: 12h } to batch the merges in between' });
export type CadenceInput = z.infer<typeof cadenceInput>;
