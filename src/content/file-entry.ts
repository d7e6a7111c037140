/**
 * The synthetic tree is a list of file entries; bytes are synthesised from `contentKey` only when a layer or
 * a plain tree is written, so a whole MediaWiki-scale tree costs a few MB of memory, not GB.
 */

import type { ContentKind } from '../scenario/content-kind.ts';

export type { ContentKind };

export interface FileEntry {
  /** Relative to the image root, '/'-separated, no leading slash: `srv/mediawiki/php-1.45.0-wmf.1/includes/Foo.php`. */
  readonly path: string;
  readonly bytes: number;
  /** Unix permission bits, e.g. 0o644. */
  readonly mode: number;
  readonly kind: ContentKind;
  /** Identity of the content: equal keys (with equal size and kind) mean byte-identical files. */
  readonly contentKey: string;
  /** The component the file belongs to (`core`, `l10n-cache`, ...). */
  readonly component: string;
  /** The branch the file belongs to, for per-version components; undefined for shared ones. */
  readonly version: string | undefined;
  /**
   * Set for a symbolic link of a real source (bytes 0, kind binary, contentKey `symlink:<target>`): layers
   * and plain trees hold it as a link with this target, as the source did. Nothing ever follows it.
   */
  readonly linkTarget?: string;
}

/** A symlink's entry: its key names its target, so a link changed to point elsewhere is a changed file. */
export function symlinkEntry(path: string, target: string, component: string): FileEntry {
  return { path, bytes: 0, mode: 0o777, kind: 'binary', contentKey: `symlink:${target}`, component, version: undefined, linkTarget: target };
}

/** Fills a buffer with an entry's bytes; the same entry always gives the same bytes. */
export interface ContentSynthesizer {
  /** Writes exactly `entry.bytes` bytes into `target` (which is at least that long). */
  fill(entry: FileEntry, target: Buffer): void;
}

/** Sort order of entries everywhere: by path, bytewise, which is also tar and rsync order for ASCII names. */
export function compareEntryPaths(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
