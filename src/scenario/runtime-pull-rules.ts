/**
 * What a container runtime downloads and unpacks when a node that already holds some images pulls a new one.
 * One definition for the virtual nodes that emulate a runtime and for the fleet model that plans one, so the
 * two cannot disagree on which bytes a deploy moves.
 *
 * - containerd (content store + snapshotter): a layer blob is fetched unless the content store holds that
 *   digest; a layer is unpacked unless a snapshot with its ChainID exists. ChainIDs chain every layer below,
 *   so a change low in the stack re-unpacks every layer above it, from blobs it may already hold.
 * - docker (dockerd's own layer store, overlay2 graph driver): no compressed blobs are kept after a pull; a
 *   layer is reused only when a layer with its ChainID exists, so every layer above the first changed one is
 *   downloaded again, and unpacked.
 */

export const CONTAINER_RUNTIMES = ['containerd', 'docker'] as const;
export type ContainerRuntime = (typeof CONTAINER_RUNTIMES)[number];
export const DEFAULT_CONTAINER_RUNTIME: ContainerRuntime = 'containerd';

/** One layer of the image being pulled, bottom first. */
export interface PulledLayer {
  /** The compressed blob's digest (what a content store keys by). */
  readonly digest: string;
  /** The layer's ChainID, or any key that identifies this layer together with every layer below it. */
  readonly chain: string;
}

/** What a node holds before the pull. */
export interface RuntimeHoldings {
  /** Compressed layer blobs by digest (containerd's content store; always empty for docker). */
  readonly blobs: ReadonlySet<string>;
  /** Unpacked layers by chain (containerd's snapshots, docker's layer store). */
  readonly chains: ReadonlySet<string>;
}

/** Indexes into the pulled image's layers, bottom first. */
export interface LayerPullWork {
  readonly download: readonly number[];
  readonly unpack: readonly number[];
}

type PullRule = (layers: readonly PulledLayer[], held: RuntimeHoldings) => LayerPullWork;

const missingChains = (layers: readonly PulledLayer[], held: RuntimeHoldings): number[] =>
  layers.flatMap((layer, i) => (held.chains.has(layer.chain) ? [] : [i]));

const PULL_RULES: Record<ContainerRuntime, PullRule> = {
  containerd: (layers, held) => ({
    download: layers.flatMap((layer, i) => (held.blobs.has(layer.digest) ? [] : [i])),
    unpack: missingChains(layers, held),
  }),
  docker: (layers, held) => {
    const unpack = missingChains(layers, held);
    return { download: unpack, unpack };
  },
};

export function runtimePullWork(runtime: ContainerRuntime, layers: readonly PulledLayer[], held: RuntimeHoldings): LayerPullWork {
  return PULL_RULES[runtime](layers, held);
}

/** What the node holds once the pull is done: docker keeps the unpacked layers only. */
export function holdingsAfterPull(runtime: ContainerRuntime, layers: readonly PulledLayer[], held: RuntimeHoldings): RuntimeHoldings {
  const chains = new Set([...held.chains, ...layers.map((l) => l.chain)]);
  const blobs = runtime === 'containerd' ? new Set([...held.blobs, ...layers.map((l) => l.digest)]) : new Set<string>();
  return { blobs, chains };
}
