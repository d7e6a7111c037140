/** What a file's bytes look like, and so how well they compress (DOMAIN.md figures). */
export const CONTENT_KINDS = ['php', 'json', 'cdb', 'binary', 'js', 'css', 'image', 'data', 'text'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];
