import type { FileEntry } from '../content/file-entry.ts';

/**
 * What one layer holds, before any byte is written: the files it adds or replaces, and the paths it deletes
 * from the layers below (written as OCI whiteouts). Layer strategies produce these; the layer writer renders
 * them into gzip tar blobs.
 */
export interface LayerSpec {
  /** Short human label of what the layer holds: `base`, `php-1.45.0-wmf.2`, `chunk 3`, `deploy backport-1`. */
  readonly role: string;
  /** Files, sorted by path (compareEntryPaths). Parent directories are implied and written as dir entries. */
  readonly files: readonly FileEntry[];
  /** Paths removed relative to the layers below, sorted; each becomes `dir/.wh.name`. */
  readonly whiteouts: readonly string[];
}

/** A layer once written: the descriptor facts an OCI manifest and config need, plus what it holds. */
export interface BuiltLayer {
  readonly role: string;
  /** sha256 of the blob as stored (compressed): `sha256:...`. */
  readonly digest: string;
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  readonly diffId: string;
  /** Blob bytes (compressed). */
  readonly bytes: number;
  /** Uncompressed tar bytes. */
  readonly uncompressedBytes: number;
  /** Regular files in the layer (whiteouts not counted). */
  readonly files: number;
  /** Sum of the regular files' sizes. */
  readonly fileBytes: number;
  readonly whiteouts: number;
  readonly mediaType: string;
}
