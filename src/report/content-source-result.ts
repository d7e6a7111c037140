import { z } from 'zod';

/**
 * results.json's `content`: what the run shipped (content/source/content-source-label.ts writes it), so a
 * comparison can say when two results were measured on different content.
 */
export const contentSourceResultSchema = z.object({
  kind: z.enum(['synthetic', 'dir', 'git', 'image']),
  location: z.string(),
  detail: z.string(),
  digest: z.string().optional(),
});
export type ContentSourceResult = z.infer<typeof contentSourceResultSchema>;

/** `git /src/repo (v1 @ 1a2b3c4d5e6f, ...), sha256:...`: one line for reports. */
export function contentSourceText(content: ContentSourceResult): string {
  return `${content.kind} ${content.location} (${content.detail})${content.digest === undefined ? '' : `, ${content.digest}`}`;
}
