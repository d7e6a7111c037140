/**
 * What the simulator is given, as plain data: per layer strategy the layers of every deploy step's image,
 * and per step what the volume side's rsync moves. The CLI derives these from the same plan `generate`
 * writes (no image is written), so the model never depends on how images are built.
 */

export interface ModelLayer {
  /** Identity of the layer: equal ids are the same blob (shared across steps and strategies). */
  readonly id: string;
  /** Blob bytes, as fetched. */
  readonly compressedBytes: number;
  /** Tar bytes, as unpacked. */
  readonly uncompressedBytes: number;
  readonly files: number;
}

export interface ModelImageStep {
  readonly step: string;
  /** Every layer of the step's image, bottom first. */
  readonly layers: readonly ModelLayer[];
}

export interface ModelImageStrategy {
  readonly name: string;
  readonly steps: readonly ModelImageStep[];
}

export interface ModelVolumeStep {
  readonly step: string;
  /** Files rsync (re)writes on each target: all code files at the initial step, then the changed ones. */
  readonly changedFiles: number;
  readonly changedBytes: number;
  /** Paths deleted on each target. */
  readonly deletedPaths: number;
  /** Files in the code tree, which rsync lists and stats every time. */
  readonly treeFiles: number;
  /** Bytes of the code tree a node holds after the step (rebuilt l10n CDBs included): its disk held. */
  readonly treeBytes?: number;
  /**
   * The l10n caches each target rebuilds after its rsync (volume.l10n: rebuild, as scap): languages whose
   * upstream JSON changed, the JSON bytes read and the CDB bytes written. Absent when CDBs are shipped.
   */
  readonly l10nRebuild?: { readonly languages: number; readonly jsonBytes: number; readonly cdbBytes: number };
}

export interface FleetPlan {
  readonly strategies: readonly ModelImageStrategy[];
  readonly volume: readonly ModelVolumeStep[];
}
