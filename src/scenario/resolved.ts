import type { ResolvedBudget } from './budgets-resolve.ts';
import type { ResolvedContentSource } from './content-source-resolved.ts';
import type { ResolvedHybrid } from './hybrid-scenario.ts';
import type { ContentKind } from './content-kind.ts';
import type { ResolvedNeighbours } from './neighbours-resolved.ts';
import type { BackendKind, ResolvedFleetEngines, ResolvedNodeDisk } from './resolved-fleet-engines.ts';
import type { ResolvedImageGC } from './image-gc.ts';
import type { ContainerRuntime } from './runtime-pull-rules.ts';
import type { ResolvedModel } from './model-resolved.ts';
import type { ResolvedRegistryTimeouts } from './registry-timeouts-input.ts';

/**
 * A scenario after presets and defaults were applied once (ARCHITECTURE.md rule 2). Everything downstream
 * reads these types and never re-applies a default. Units are plain numbers named for their unit.
 */

export interface ResolvedComponent {
  readonly name: string;
  readonly files: number;
  readonly bytes: number;
  readonly kind: ContentKind;
  /** One copy per live branch (`{version}` in `dir` is the branch directory). */
  readonly perVersion: boolean;
  /** Directory of its files, relative to the image root; may hold `{version}`. */
  readonly dir: string;
  /** Part of the base image (OS + PHP runtime), not of the code tree that rsync ships. */
  readonly base: boolean;
}

export interface ResolvedContent {
  readonly preset: string;
  readonly scale: number;
  /** Branches live at the initial step, oldest first, e.g. ['1.45.0-wmf.1', '1.45.0-wmf.2']. */
  readonly versions: readonly string[];
  readonly components: readonly ResolvedComponent[];
  /** Real content (a tree or git refs) in place of the synthetic code tree; absent: synthetic. */
  readonly source?: ResolvedContentSource | undefined;
}

export type ResolvedStrategy =
  | { readonly name: string; readonly kind: 'monolithic' }
  | { readonly name: string; readonly kind: 'per-component' }
  | { readonly name: string; readonly kind: 'per-version' }
  | { readonly name: string; readonly kind: 'chunked'; readonly maxLayerBytes: number }
  | {
      readonly name: string;
      readonly kind: 'incremental';
      /** Rebuild from scratch when one deploy's diff exceeds this share of the tree's bytes. */
      readonly rebuildAboveShare: number;
      readonly maxLayers: number;
      /** Step kinds that force a full rebuild (build-image-incr rebuilds when l10n generation changes). */
      readonly rebuildOn: readonly DeployStepKind[];
    };

/** What writes gzip members: libdeflate (the default, faster) or node's zlib. Digests depend on it. */
export type GzipEngine = 'libdeflate' | 'zlib';

export type ResolvedCompression = { readonly kind: 'gzip'; readonly level: number; readonly engine: GzipEngine } | { readonly kind: 'none' };

export interface ResolvedImage {
  readonly strategies: readonly ResolvedStrategy[];
  readonly compression: ResolvedCompression;
  /** Repository name the images get in a registry, e.g. `restricted/mediawiki-multiversion`. */
  readonly repository: string;
}

export type DeployStepKind = 'initial' | 'backport' | 'config' | 'train' | 'l10n';
export type VersionChoice = 'newest' | 'oldest';

/** One merge of the simulated week: when it landed and which deploy step ships it. */
export interface ResolvedMerge {
  readonly name: string;
  readonly kind: DeployStepKind;
  /** Seconds since Monday 00:00. */
  readonly atSeconds: number;
  /** The deploy step (a batch under `{ every }`) whose image carries it. */
  readonly step: string;
  /** When that step's build starts: the merge itself (per-merge) or the next build slot. */
  readonly buildAtSeconds: number;
}

/** `cadence:` with the week's merges; absent when the scenario gives neither a cadence nor merge times. */
export interface ResolvedCadence {
  /** Seconds between builds; undefined: every merge is built on its own. */
  readonly everySeconds: number | undefined;
  readonly merges: readonly ResolvedMerge[];
}

/** A merge a batched step carries, with its place in the file's deploy list (it seeds the merge's changes). */
export interface BatchedMerge {
  readonly index: number;
  readonly step: ResolvedStepBody;
}

/**
 * A deploy step. Under a `cadence: { every }`, a step is one build: `batch` lists the merges it ships (its
 * kind is the weightiest of theirs, for strategies that rebuild on a kind).
 */
export type ResolvedStep = ResolvedStepBody & { readonly batch?: readonly BatchedMerge[] };

export type ResolvedStepBody =
  | { readonly name: string; readonly kind: 'initial' }
  | { readonly name: string; readonly kind: 'backport'; readonly files: number; readonly removes: number; readonly version: VersionChoice }
  | { readonly name: string; readonly kind: 'config'; readonly files: number; readonly removes: number }
  | { readonly name: string; readonly kind: 'train'; readonly churnShare: number }
  | { readonly name: string; readonly kind: 'l10n'; readonly version: VersionChoice };

export interface ResolvedVolume {
  readonly proxies: number;
  readonly assign: 'round-robin' | 'least-loaded';
  /** Targets synced at once across the fleet (scap's ssh batch), within fleet.rollout. */
  readonly batch: number;
  readonly compress: boolean;
  readonly delayUpdates: boolean;
  /** rebuild: scap's way, CDB files excluded from rsync and rebuilt on each node from the shipped upstream JSON. */
  readonly l10n: 'rebuild' | 'ship';
}

export type RolloutStage = { readonly canaries: number } | { readonly rest: true };

export interface ResolvedFleet extends ResolvedFleetEngines {
  readonly nodes: number;
  /** The first of `backends`. */
  readonly backend: BackendKind;
  readonly rollout: { readonly maxConcurrent: number; readonly stages: readonly RolloutStage[] };
  readonly node: {
    readonly nicBitsPerSecond: number | undefined;
    readonly disk: ResolvedNodeDisk;
    readonly maxConcurrentDownloads: number;
    readonly unpack: boolean;
    readonly imageGC: ResolvedImageGC;
    /** The runtime a virtual node emulates (fleet.node.runtime). */
    readonly runtime: ContainerRuntime;
  };
}

export type ResolvedRegistry =
  | { readonly kind: 'embedded'; readonly timeouts: ResolvedRegistryTimeouts }
  | {
      readonly kind: 'external';
      readonly url: string;
      readonly auth: { readonly username: string; readonly password: string } | undefined;
      readonly insecure: boolean;
      readonly timeouts: ResolvedRegistryTimeouts;
    };

export interface ResolvedMeasure {
  readonly repeat: number;
  readonly warmup: number;
  readonly timeoutSeconds: number;
}

export interface ResolvedScenario {
  readonly name: string;
  readonly description: string;
  /** The seed as text: numbers and strings seed the same way. */
  readonly seed: string;
  /** Path of the file it came from, as given. */
  readonly sourceFile: string;
  readonly content: ResolvedContent;
  readonly image: ResolvedImage;
  readonly deploy: readonly ResolvedStep[];
  /** Build cadence and the week's merges (`cadence:`, steps' `at:`); absent when the scenario sets neither. */
  readonly cadence?: ResolvedCadence | undefined;
  readonly volume: ResolvedVolume;
  /** The hybrid side (run it by default, and which strategy the master pulls); absent unless the scenario asks. */
  readonly hybrid?: ResolvedHybrid | undefined;
  readonly fleet: ResolvedFleet;
  readonly registry: ResolvedRegistry;
  readonly measure: ResolvedMeasure;
  /** Co-located workloads measured around each step; absent when the scenario declares none. */
  readonly neighbours?: ResolvedNeighbours | undefined;
  readonly budgets: readonly ResolvedBudget[];
  /** Fleet model settings (simulate only). */
  readonly model: ResolvedModel;
}

/** The strategy name the volume (rsync) side's results carry; layer strategies may not take it. */
export const RESERVED_STRATEGY_NAME = 'volume';
