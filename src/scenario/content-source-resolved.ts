/** `content.source` after resolution (content-source.ts reads and checks it). */

export interface ResolvedSourceComponent {
  readonly name: string;
  /** Globs relative to the source root; `**` crosses directories, `*` does not. */
  readonly paths: readonly string[];
}

interface SourceCommon {
  /** Where the tree goes in the image, e.g. `srv/mediawiki`. */
  readonly at: string;
  /** First match wins; a file no component claims belongs to `core`. */
  readonly components: readonly ResolvedSourceComponent[];
}

export type ResolvedContentSource =
  | (SourceCommon & { readonly kind: 'dir'; readonly dir: string })
  | (SourceCommon & { readonly kind: 'git'; readonly repo: string; readonly refs: readonly string[] })
  /** `image`: an OCI layout (DIR or DIR:TAG, absolute), a docker-archive file, or a registry reference. */
  | (SourceCommon & { readonly kind: 'image'; readonly image: string });
