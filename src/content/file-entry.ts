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

/**
 * A file's entry. Every entry is made here or by changedEntry, so all have one hidden class: made by spreads
 * and literals in several places, a Wikimedia-scale tree's entries had 17, and every loop over a tree read
 * their fields megamorphically. Sizes come as small integers (file-size-distribution.ts, file-size-coupling.ts):
 * one size given as a double (read from a Float64Array or a list of doubles) makes the class keep every
 * entry's size as a separate boxed number, 425,000 of them in wikimedia-fleet's plan.
 */
export function fileEntry(path: string, bytes: number, mode: number, kind: ContentKind, contentKey: string, component: string, version: string | undefined): FileEntry {
  return { path, bytes, mode, kind, contentKey, component, version };
}

/** What changedEntry may change; a field left out (or undefined) keeps the entry's. */
export type EntryChange = Partial<Pick<FileEntry, 'path' | 'bytes' | 'kind' | 'contentKey' | 'version'>>;

/** A copy of an entry with some fields changed, of fileEntry's shape (a symlink keeps its target). */
export function changedEntry(entry: FileEntry, change: EntryChange): FileEntry {
  const changed = fileEntry(change.path ?? entry.path, change.bytes ?? entry.bytes, entry.mode, change.kind ?? entry.kind, change.contentKey ?? entry.contentKey, entry.component, change.version ?? entry.version);
  return entry.linkTarget === undefined ? changed : { ...changed, linkTarget: entry.linkTarget };
}

/** A symlink's entry: its key names its target, so a link changed to point elsewhere is a changed file. */
export function symlinkEntry(path: string, target: string, component: string): FileEntry {
  return { ...fileEntry(path, 0, 0o777, 'binary', `symlink:${target}`, component, undefined), linkTarget: target };
}

/** Fills a buffer with an entry's bytes; the same entry always gives the same bytes. */
export interface ContentSynthesizer {
  /** Writes exactly `entry.bytes` bytes into `target` (which is at least that long). */
  fill(entry: FileEntry, target: Buffer): void;
}

/** Sort order of entries everywhere: by path, bytewise, which is also tar and rsync order for ASCII names. */
export function compareEntryPaths(a: { path: string }, b: { path: string }): number {
  // Not before and not equal is after: an equality test mostly stops at the lengths, where a second `>` would
  // compare the long common prefix of two paths again (sorts of 100,000s of paths run ~20% faster).
  return a.path < b.path ? -1 : a.path === b.path ? 0 : 1;
}
