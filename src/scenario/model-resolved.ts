/** The `model:` section after defaults (see model-resolve.ts): every rate in its unit, every count known. */

import type { AGENT_COPIES, MODEL_TOPOLOGIES, REGISTRY_AUTHS, UNPACK_STARTS } from './model-schema.ts';
import type { ContainerRuntime } from './runtime-pull-rules.ts';

export type ModelTopology = (typeof MODEL_TOPOLOGIES)[number];
export type AgentCopyMode = (typeof AGENT_COPIES)[number];
export type RegistryAuth = (typeof REGISTRY_AUTHS)[number];

export interface ResolvedDatacentre {
  readonly name: string;
  readonly nodes: number;
}

/** A tier answering requests: each costs a round trip, and perRequestSeconds of one of `cores` cores. */
export interface RequestTier {
  readonly rttSeconds: number;
  readonly perRequestSeconds: number;
  readonly cores: number;
}

/**
 * Measured samples that shape a spread quantity instead of a log-normal (model.node.spread's `{ empirical }`):
 * NIC rates in bits per second, disk and decompression rates in bytes per second and round trips in seconds, of
 * which only the shape counts (draws are scaled to mean 1); start delays in seconds, as they are.
 */
export interface EmpiricalSpread {
  readonly nic?: readonly number[];
  readonly disk?: readonly number[];
  readonly decompress?: readonly number[];
  readonly latency?: readonly number[];
  readonly startDelay?: readonly number[];
}

/**
 * Coefficients of variation (0 = identical nodes) and the mean start delay. Where `empirical` shapes a quantity,
 * its coefficient (or mean delay) here is that of the measured shape, so what reads the number reads the fleet.
 */
export interface NodeSpreadSettings {
  readonly nic: number;
  readonly disk: number;
  readonly decompress: number;
  readonly latency: number;
  /** The part of a round trip the latency draw varies (node-round-trips.ts); Infinity: all of it. */
  readonly localRttSeconds: number;
  readonly startDelaySeconds: number;
  /** Log-normal sigma of a one-sided slowdown of the whole host (busy neighbours, fail-slow parts). */
  readonly interference: number;
  readonly empirical?: EmpiricalSpread;
}

/** A node's CPU as a resource: its cores, and CPU-seconds per byte (or file) of each kind of work. */
export interface NodeCpu {
  readonly cores: number;
  /** Per uncompressed byte; one layer decompresses on one core. */
  readonly decompressSecondsPerByte: number;
  /** Per downloaded (compressed) byte. */
  readonly sha256SecondsPerByte: number;
  /** Per uncompressed byte written as files. */
  readonly unpackSecondsPerByte: number;
  readonly perFileSeconds: number;
}

export interface ResolvedLazy {
  /** Share of each fetched layer's bytes a node needs before its container starts. */
  readonly workingSetShare: number;
}

export interface ResolvedModel {
  readonly topologies: readonly ModelTopology[];
  readonly volume: boolean;
  /** Nodes per data centre; they add up to fleet.nodes. */
  readonly datacentres: readonly ResolvedDatacentre[];
  readonly registry: {
    readonly replicas: number;
    readonly egressBitsPerSecond: number;
    /** Undefined: the storage backend is never the bottleneck. */
    readonly backendReadBitsPerSecond: number | undefined;
    /** Round trips a node's new connection costs before its first request (TCP, then TLS). */
    readonly handshakeRoundTrips: number;
    /** `token`: a 401 challenge and a bearer token before the manifest (two more requests before the layers). */
    readonly auth: RegistryAuth;
    /** The serving side's initial TCP congestion window: a blob on a connection that carried none ramps up from it; 0: no slow start. */
    readonly initialWindowBytes: number;
    /** Round trip to the blob store blob GETs are redirected to; undefined when the registry serves blobs itself. */
    readonly redirectRttSeconds: number | undefined;
  } & RequestTier;
  readonly cache: { readonly egressBitsPerSecond: number } & RequestTier;
  readonly p2p: {
    readonly pieceBytes: number;
    readonly uploadBitsPerSecond: number;
    /** The agent's download limit over all its transfers; undefined when only the NIC bounds it. */
    readonly downloadBitsPerSecond: number | undefined;
    readonly rttSeconds: number;
    readonly peers: number;
    /** Pieces left of a layer at or under which a node also asks a second holder for each chunk left (0: off). */
    readonly endgame: number;
    /** Most chunks per layer: the fluid model's granularity of transfers (each relayed from its first piece on). */
    readonly chunks: number;
    /** Chunks a step's download is cut into, shared among its layers by compressed size (layer-chunks.ts). */
    readonly stepChunks: number;
    /** Per data centre; 0: no seed tier. */
    readonly seeds: number;
    readonly seedEgressBitsPerSecond: number;
    readonly schedulerSeconds: number;
    /** The P2P agent's own copy of what a node fetches (AGENT_COPIES). */
    readonly agentCopy: AgentCopyMode;
  };
  readonly tree: { readonly fanout: number };
  readonly rsync: {
    readonly masterEgressBitsPerSecond: number;
    readonly proxyEgressBitsPerSecond: number;
    readonly perFileSeconds: number;
    readonly scanPerFileSeconds: number;
    /** Fixed cost of each rsync run (its process and connection, the protocol's start), beside the per-file costs. */
    readonly perSyncSeconds: number;
    /** Most one rsync transfer moves, bytes per second (its checksums and delta run on one core); undefined when unlimited. */
    readonly streamBytesPerSecond: number | undefined;
    /** Upstream l10n JSON bytes one core rebuilds into CDB files per second (scap's cdb-rebuild runs a pool of a node's cores less two). */
    readonly l10nRebuildBytesPerSecond: number;
    /**
     * The volume side as shipbench's harness runs it (a one-machine run, model.harness.cores, and whatever --calibrate
     * fits): every node pulls from a proxy and rebuilds its l10n cache right after its own sync, on one core. False,
     * as scap runs it: canaries pull from the master before the proxies sync, and after a stage's syncs scap's
     * cdb-rebuild job runs over its nodes, each on its cores less two (cdb-rebuild-job.ts).
     */
    readonly asHarness: boolean;
    /** After a stage's syncs, each node's php-fpm restart (depool, restart, repool); 0: none. */
    readonly restartSeconds: number;
    /** The share of a stage's nodes restarting at once (scap: 10% of each group). */
    readonly restartShare: number;
    /**
     * On a one-machine run, the cores every sync's per-file and per-byte work shares (proxies' and nodes'
     * alike); undefined when each syncing host has its own. model.harness.cores, or what --calibrate found.
     */
    readonly harnessCores: number | undefined;
    /**
     * On a one-machine run, the threads every node's l10n rebuild shares: shipbench's one (the JSON parse and the
     * CDB build are JavaScript on its main thread). Undefined when each node rebuilds on a core of its own.
     */
    readonly harnessThreads: number | undefined;
  };
  readonly node: {
    readonly nicBitsPerSecond: number;
    /** Before any layer: resolving the image manifest. */
    readonly manifestSeconds: number;
    /** Undefined: one stream can fill whatever share it gets. */
    readonly streamBitsPerSecond: number | undefined;
    readonly diskWriteBytesPerSecond: number;
    readonly diskIops: number;
    readonly decompressBytesPerSecond: number;
    readonly unpackPerFileSeconds: number;
    /** Fixed cost of each layer unpacked (snapshot prepare and commit). */
    readonly unpackPerLayerSeconds: number;
    /** `after-downloads`: no layer unpacks before every blob of the pull is in (ctr); else each once its own is. */
    readonly unpackStarts: (typeof UNPACK_STARTS)[number];
    /** With `after-downloads`: unpacking starts at the next tick of this period from the pull's start (ctr's progress display); 0: at once. */
    readonly unpackTickSeconds: number;
    readonly diskReadBytesPerSecond: number;
    readonly pageCacheBytes: number;
    /** Bytes of writes nobody syncs a node holds in page cache before they wait for its disk (write-back.ts). */
    readonly dirtyLimitBytes: number;
    /** Bytes of registry downloads a node's NIC lets through at once in each step (a limiter's full bucket). */
    readonly nicBurstBytes: number;
    /** After a blob's bytes are in, before it counts as downloaded: its commit (containerd's fsync and rename). */
    readonly blobCommitSeconds: number;
    readonly spread: NodeSpreadSettings;
    /** Whose pull rules decide what a node downloads and unpacks (runtime-pull-rules.ts). */
    readonly runtime: ContainerRuntime;
    /** From image ready (lazy: working set fetched) to the container running. */
    readonly startSeconds: number;
    readonly cpu: NodeCpu;
  };
  /** The image side's build before its push and rollout (deploy-prep.ts). */
  readonly build: {
    /** Tar bytes of the new layers docker commit registers per second (it tars the container's changes, untars them into the new layer, digests them). */
    readonly commitBytesPerSecond: number;
    /** Tar bytes of the new layers docker push turns into blobs per second (it reads each layer back as a tar and gzips it, on one core). */
    readonly compressBytesPerSecond: number;
  };
  readonly lazy: ResolvedLazy;
  /** Undefined: nodes are separate machines; else the cores of the one machine all virtual nodes share. */
  readonly harness: {
    readonly cores: number | undefined;
    /**
     * A one-machine run's unpack costs fitted as the seconds its nodes waited: the share of a core each unpack
     * had, the cores other processes left over the unpacks at once (time-weighted average), at most 1. The
     * hybrid side's master, which unpacks alone, takes those costs times it. Undefined where the costs are a
     * lone unpack's (a model's own, or a harness-bound fit's).
     */
    readonly unpackShare: number | undefined;
  };
  readonly rollout: {
    /** Nodes that pulled the image before the deploy, at no cost to it. */
    readonly prePullShare: number;
    /** The deploy's own pre-pull, counted in the step: this share of the nodes, `batch` at a time, then the rollout. */
    readonly prePullFirst: { readonly share: number; readonly batch: number } | undefined;
    /**
     * Deployments rolling at once per data centre; fleet.nodes when unset (no limit beyond fleet.rollout
     * .maxConcurrent). Without releases each node is a deployment of its own.
     */
    readonly concurrentDeployments: number;
    /** The Deployments that run the image, rolled pod by pod (release-rollout.ts); empty: node by node. */
    readonly releases: readonly ResolvedRelease[];
    /** Readiness probes this far apart, from when a pod came to its node (and one as its containers run). */
    readonly readinessPeriodSeconds: number;
    /** From a pod's containers running to its application answering the readiness probe. */
    readonly warmupSeconds: number;
    /** helm's --timeout: a release rolling longer fails (results flag it; the model rolls it to its end). */
    readonly timeoutSeconds: number;
    /** After each stage but the last, what scap's check of it waits before the next stage starts (both sides). */
    readonly canaryWaitSeconds: number;
  };
}

/** A Deployment's rolling update in each data centre (layout order), its surge and unavailable pods as Kubernetes rounds them. */
export interface ResolvedRelease {
  readonly name: string;
  readonly replicas: readonly number[];
  readonly surge: readonly number[];
  readonly unavailable: readonly number[];
}
