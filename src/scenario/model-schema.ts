import { z } from 'zod';
import { parseSeconds } from '../core/units.ts';
import { bitRateField, byteRateField, durationField, shareField, sizeField } from './unit-fields.ts';
import { harnessInput, lazyInput, nodeRuntimeKeys } from './model-runtime-schema.ts';
import { rolloutInput } from './rollout-schema.ts';

/**
 * The `model:` section: what only `simulate` needs (the fleet model's capacities and topologies). Real runs
 * ignore it. Rates must be above zero (the unit parsers refuse 0); cross-key checks live in model-resolve.ts.
 */

const count = (what: string) => z.number({ error: `expected a whole number of ${what}` }).int(`${what} must be a whole number`);
const positive = (what: string, one = what.replace(/s$/, '')) => count(what).min(1, `needs at least one ${one}`);

/** When a node's unpacking may start (ResolvedModel node.unpackStarts). */
export const UNPACK_STARTS = ['pipelined', 'after-downloads'] as const;

/**
 * A P2P agent's own copy of what its node fetches: `alongside` it streams the blob to the runtime (Dragonfly's
 * dfdaemon), whole `first` and then copied by the runtime from the agent (Kraken's agent), or `none` (Spegel:
 * peers read the runtime's store).
 */
export const AGENT_COPIES = ['alongside', 'first', 'none'] as const;

/**
 * How a registry lets anonymous pulls in: `none` answers them (CNCF distribution's default, Wikimedia's public
 * registry); `token` answers with a 401 challenge, and the client fetches a bearer token first (Docker Hub,
 * ghcr.io, Harbor, distribution with token auth).
 */
export const REGISTRY_AUTHS = ['none', 'token'] as const;

export const MODEL_TOPOLOGIES = ['direct', 'cache', 'p2p', 'tree', 'lazy', 'lazy-cache', 'lazy-p2p', 'lazy-tree'] as const;

/** Round trip and per-request work of a tier that answers HTTP requests (token, manifest, blob GETs). */
const requestTier = (who: string) => ({
  rtt: durationField().optional().meta({ description: `round trip from a node to ${who}` }),
  perRequest: durationField().optional().meta({ description: `CPU time ${who} spends on each request (auth, lookup, headers)` }),
  cores: positive('cores').max(100_000).optional().meta({ description: `cores ${who} spends on requests: requests per second = cores / perRequest` }),
});

/** A round trip a node measured: above zero, as a multiplier of the model's must be. */
const roundTripField = () =>
  durationField().superRefine((value, ctx) => {
    try {
      if (parseSeconds(value) <= 0) ctx.addIssue({ code: 'custom', message: 'a measured round trip must be above zero', params: { hint: 'e.g. 0.4ms' } });
    } catch {
      // Not a duration: durationField has said so.
    }
  });

/**
 * A spread quantity as measured on real nodes instead of a log-normal's coefficient: one value per node (or
 * per measurement), from which each simulated node draws (core/empirical-distribution.ts).
 */
const empiricalInput = (value: () => z.ZodType<string | number>, what: string, example: string, scaled: boolean) =>
  z
    .strictObject({
      empirical: z
        .array(value(), { error: `expected a list of ${what}, e.g. [${example}]` })
        .min(2, 'an empirical shape needs at least two measured values')
        .max(100_000, 'an empirical shape takes at most 100,000 values'),
    })
    .meta({ description: `${what} measured on real nodes; each node draws from their distribution${scaled ? ' (only its shape counts: draws are scaled to mean 1 of the configured rate)' : ''}` });

/** A multiplier's spread: a log-normal's coefficient of variation, or the values measured on real nodes. */
const variationOrMeasured = (value: () => z.ZodType<string | number>, what: string, example: string) =>
  z.union([shareField(), empiricalInput(value, what, example, true)], { error: 'expected a coefficient of variation like 10%, or { empirical: [measured values] }' });

/** How nodes differ: coefficients of variation of log-normal multipliers (or measured shapes), and a mean start delay. */
const spreadInput = z.strictObject({
  nic: variationOrMeasured(bitRateField, 'NIC rates', '9.4Gbit/s, 9.9Gbit/s').optional().meta({ description: 'coefficient of variation of each node\'s NIC throughput, or { empirical: [rates] }' }),
  disk: variationOrMeasured(byteRateField, 'disk write rates', '480MB/s, 510MB/s').optional().meta({ description: 'coefficient of variation of each node\'s disk throughput (write and read), or { empirical: [rates] }' }),
  decompress: variationOrMeasured(byteRateField, 'decompression rates', '290MiB/s, 310MiB/s').optional().meta({ description: 'coefficient of variation of each node\'s decompression rate, or { empirical: [rates] }' }),
  latency: variationOrMeasured(roundTripField, 'round trips', '0.3ms, 0.5ms').optional().meta({ description: 'coefficient of variation of each node\'s own part of its request round trips (up to localRtt of each), or { empirical: [round trips] }' }),
  localRtt: durationField().optional().meta({ description: 'the part of a round trip that is the node\'s own (its stack, host and data centre fabric), which its latency draw varies; the rest of a longer round trip (a registry in another region) is a path every node shares' }),
  startDelay: z.union([durationField(), empiricalInput(durationField, 'start delays', '0.1s, 0.4s, 2s', false)], { error: 'expected a mean delay like 0.5s, or { empirical: [measured delays] }' }).optional().meta({ description: 'mean delay before a node starts its deploy (log-normal, coefficient of variation 100%), or { empirical: [delays] }' }),
  interference: shareField().optional().meta({ description: 'sigma of a busy host\'s slowdown (log-normal, only slows: half the nodes run at full speed, the slowest 1% at exp(2.33 sigma) of their time); divides the node\'s NIC, disk and CPU' }),
}).meta({ description: 'per-node spread, drawn from the scenario seed; 0% everywhere (interference too) makes every node identical' });

const datacentreInput = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a data centre name is lower-case letters, digits and dashes'),
  share: shareField().optional().meta({ description: 'share of fleet.nodes in this data centre (the shares add up to 100%)' }),
});

export const modelInputSchema = z
  .strictObject({
    topologies: z.array(z.enum(MODEL_TOPOLOGIES, { error: `expected one of ${MODEL_TOPOLOGIES.join(', ')}` })).min(1, 'name at least one topology').optional()
      .meta({ description: 'how image layers reach nodes; each is simulated for every layer strategy' }),
    volume: z.boolean().optional().meta({ description: 'also simulate the code-in-volume side (rsync via proxies); default true' }),
    datacentres: z.array(datacentreInput).min(1, 'name at least one data centre').optional(),
    registry: z.strictObject({
      replicas: positive('replicas').max(1000).optional(),
      egress: bitRateField().optional().meta({ description: 'egress of each registry replica' }),
      backendRead: bitRateField().optional().meta({ description: 'read bandwidth of the registry\'s storage backend (all replicas together); unlimited if unset' }),
      ...requestTier('a registry replica'),
      handshake: count('round trips').min(0, 'a handshake cannot take fewer than 0 round trips').max(10).optional()
        .meta({ description: 'round trips a node\'s new connection costs before its first request: TCP, then TLS (2 with TLS 1.3, 3 with TLS 1.2, 1 for plain HTTP); default 2' }),
      auth: z.enum(REGISTRY_AUTHS, { error: `expected one of ${REGISTRY_AUTHS.join(', ')}` }).optional()
        .meta({ description: 'token: an anonymous request gets a 401 challenge and the client fetches a bearer token first (Docker Hub, ghcr.io, Harbor), two more requests before the manifest; none (default): open reads' }),
      initialWindow: sizeField().optional()
        .meta({ description: 'initial TCP congestion window of the servers blobs come from (Linux: 10 segments, 14480B, RFC 6928): the first blob on a connection ramps up from it, one round trip per doubling; 0B: no slow start' }),
      redirect: z.strictObject({
        rtt: durationField().meta({ description: 'round trip from a node to the blob store or CDN' }),
      }).optional().meta({ description: 'blob GETs are answered with a redirect to a blob store or CDN (ghcr.io, Docker Hub, ECR, S3-backed registries): a second request, on the node\'s own connections to that store' }),
    }).optional(),
    cache: z.strictObject({
      egress: bitRateField().optional().meta({ description: 'egress of the cache tier of each data centre' }),
      ...requestTier('the cache tier of a data centre'),
    }).optional(),
    p2p: z.strictObject({
      piece: sizeField().optional(),
      upload: bitRateField().optional().meta({ description: 'upload limit of each node to its peers' }),
      download: bitRateField().optional().meta({ description: 'most a node\'s P2P agent downloads, over all its transfers from peers and back to source (Dragonfly\'s totalRateLimit, Kraken\'s ingress limit); unlimited if unset' }),
      rtt: durationField().optional().meta({ description: 'round trip between two nodes of a data centre (a chunk request, when nothing else is coming into the node: requests behind other transfers are pipelined)' }),
      chunks: positive('chunks', 'chunk').max(1024).optional().meta({ description: 'most chunks a layer moves in between peers (a node relays a chunk from its first piece on): finer load spreading, more events' }),
      stepChunks: positive('chunks', 'chunk').max(100_000).optional().meta({ description: 'chunks a deploy step\'s download moves in between peers, shared among its layers by compressed size (each at least one, at most p2p.chunks): the resolution of a node\'s whole pull; finer load spreading, more events' }),
      peers: positive('peers').max(1000).optional().meta({ description: 'most chunks a node fetches at once, and most uploads it serves at once' }),
      endgame: count('pieces').min(0, 'the end game cannot start below 0 pieces left (0 turns it off)').max(1_000_000).optional().meta({ description: 'end game (BitTorrent\'s; Kraken\'s endgame_threshold, default 3): once a node lacks at most this many pieces of a layer (at least its last chunk), it asks one more holder for each chunk left and cancels the slower copy when one is whole; 0 turns it off' }),
      seeds: count('seed peers').min(0, 'seeds cannot be negative').max(1000).optional().meta({ description: 'seed peers (supernodes) per data centre that fetch from the registry and serve; 0: nodes go back to the registry themselves' }),
      seedEgress: bitRateField().optional().meta({ description: 'egress (and ingress) of each seed peer' }),
      scheduler: durationField().optional().meta({ description: 'time to get peers from the scheduler or tracker, per node and layer' }),
      agentCopy: z.enum(AGENT_COPIES).optional().meta({ description: 'the P2P agent\'s own copy of what a node fetches: alongside (default; Dragonfly\'s dfdaemon keeps every piece while it streams the blob to the runtime: each chunk written twice as it arrives), first (Kraken\'s agent fetches the whole blob into its store, then the runtime copies it from the agent: a local copy after the swarm) or none (peers read the runtime\'s own store, as Spegel\'s)' }),
    }).optional(),
    tree: z.strictObject({
      fanout: positive('children', 'child').max(1000).optional().meta({ description: 'children per node in the distribution tree (FaaSNet uses binary trees)' }),
    }).optional(),
    rsync: z.strictObject({
      masterEgress: bitRateField().optional(),
      proxyEgress: bitRateField().optional(),
      perFile: durationField().optional().meta({ description: 'cost of each changed file (create, write, rename)' }),
      scanPerFile: durationField().optional().meta({ description: 'cost of each file in the tree (file list, stat)' }),
      perSync: durationField().optional().meta({ description: 'fixed cost of each rsync run (process start, connection, protocol start); default 0s' }),
      stream: bitRateField().optional().meta({ description: 'most one rsync transfer achieves (its checksums and delta on one core); unlimited if unset' }),
      l10nRebuild: byteRateField().optional().meta({ description: 'upstream l10n JSON a node turns into CDB files per second after its rsync (volume.l10n: rebuild); the CDB writes go through the node disk' }),
      restart: durationField().optional().meta({ description: 'after each rollout stage\'s syncs, each node\'s php-fpm restart as scap runs it (depool, restart, repool: conftool\'s safe-service-restart); default 14s; 0s: none' }),
      restartBatch: shareField().optional().meta({ description: 'share of a stage\'s nodes restarting php-fpm at once (scap: 10% of each group, the default)' }),
    }).optional(),
    node: z.strictObject({
      manifest: durationField().optional().meta({ description: 'time to resolve the image manifest before any layer is fetched (round trips, auth)' }),
      stream: bitRateField().optional().meta({ description: 'most one download stream achieves (TCP window over round trip); unlimited if unset' }),
      diskIops: positive('IOPS', 'IO per second').optional(),
      decompress: byteRateField().optional().meta({ description: 'decompression throughput of one node, uncompressed bytes per second' }),
      unpackPerFile: durationField().optional().meta({ description: 'fixed cost of unpacking each file (metadata, fsync)' }),
      unpackPerLayer: durationField().optional().meta({ description: 'fixed cost of unpacking each layer (snapshot prepare and commit, the unpacker set up); simulate --calibrate fits it' }),
      unpackStarts: z.enum(UNPACK_STARTS, { error: `expected ${UNPACK_STARTS.join(' or ')}` }).optional()
        .meta({ description: 'when a layer may unpack: pipelined (as soon as its blob is in and the layer below is unpacked: kubelet\'s pulls through containerd\'s CRI, dockerd) or after-downloads (once every blob is in: `ctr images pull`, and virtual nodes emulating containerd); simulate --calibrate takes it from the measured run' }),
      unpackTick: durationField().optional().meta({ description: 'with unpackStarts after-downloads, unpacking starts at the first tick of this period (counted from the pull\'s start) after the last blob is in: `ctr images pull` waits for its progress display, which draws every 100 ms (the default); 0s: at once; simulate --calibrate fits it' }),
      blobCommit: durationField().optional().meta({ description: 'time a node takes to commit each blob it downloaded before it counts as in (containerd fsyncs it into its content store, whatever its size); 0s by default; simulate --calibrate fits it from the smallest blobs' }),
      nicBurst: sizeField().optional().meta({ description: 'bytes a node\'s NIC lets through at once when it was idle (a token-bucket limiter\'s burst); 0 for a line-rate NIC; simulate --calibrate sets it for virtual nodes' }),
      pageCache: sizeField().optional().meta({ description: 'bytes a node keeps in page cache: a chunk written within this many bytes is served without a disk read' }),
      dirtyLimit: sizeField().optional().meta({ description: 'dirty page cache a node lets writes nobody syncs fill before they wait for its disk (unpacked files, rsync\'s files): Linux\'s vm.dirty_ratio of its page cache; default 20% of model.node.pageCache; 0B: every write waits for the disk' }),
      diskRead: byteRateField().optional().meta({ description: 'read throughput of a node\'s disk (what it serves to peers when not in page cache)' }),
      spread: spreadInput.optional(),
      ...nodeRuntimeKeys,
    }).optional(),
    build: z.strictObject({
      commit: byteRateField().optional().meta({ description: 'tar bytes of a deploy step\'s new layers docker commit registers per second on the build host (it tars the container\'s changes, untars them into the new layer and digests them); default 76MB/s, dockerd 20.10 on this project\'s machine (bench/image-build-costs.ts)' }),
      compress: byteRateField().optional().meta({ description: 'tar bytes of a deploy step\'s new layers docker push turns into blobs per second on the build host (it reads each layer back as a tar from its files and gzips it with Go\'s compress/gzip on one core); default 17.5MB/s, dockerd 20.10 on this project\'s machine (bench/image-build-costs.ts)' }),
    }).optional().meta({ description: 'the image side\'s build and push before the rollout (steps[].deploy)' }),
    lazy: lazyInput.optional(),
    harness: harnessInput.optional(),
    rollout: rolloutInput.optional(),
  })
  .meta({ description: 'fleet model settings, used by `shipbench simulate` only' });

export type ModelInput = z.infer<typeof modelInputSchema>;
