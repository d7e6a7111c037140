import { formatBytes, parseBitsPerSecond, parseBytes, parseBytesPerSecond, parseSeconds, parseShare } from '../core/units.ts';
import type { ModelInput } from './model-schema.ts';
import type { AgentCopyMode, RequestTier, ResolvedDatacentre, ResolvedModel } from './model-resolved.ts';
import type { ContainerRuntime } from './runtime-pull-rules.ts';
import { findRuntimeProblems, resolveLazy, resolveNodeCpu, resolveNodeRuntime } from './model-runtime-resolve.ts';
import { findRolloutProblems, resolveRollout } from './rollout-resolve.ts';
import { resolveSpread, SPREAD_DEFAULTS } from './spread-resolve.ts';

/** A cross-key problem of the `model:` section; `path` points at the key to blame (as in resolve.ts). */
export interface ModelProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
  readonly hint: string;
}

/**
 * Defaults of the fleet model, chosen as a plain 2020s data centre (10 Gbit/s NICs and registry replicas,
 * SSD disks). A planner overrides what they know; `--calibrate` replaces them with measured rates.
 */
export const MODEL_DEFAULTS = {
  topologies: ['direct'] as const,
  replicas: 1,
  egress: '10Gbit/s',
  cacheEgress: '10Gbit/s',
  piece: '4MiB',
  upload: '1Gbit/s',
  rsyncEgress: '10Gbit/s',
  /** rsync against a daemon, as scap's targets pull from its proxies (--compress, --delay-updates): `npx tsx bench/rsync-costs.ts`. */
  rsyncPerFile: '0.3ms',
  rsyncScanPerFile: '0.02ms',
  rsyncPerSync: '0.2s',
  /** JSON parse and CDB build on one core (l10n-rebuild.ts; bench figure in the l10n note). */
  l10nRebuild: '40MB/s',
  /**
   * A MediaWiki server's php-fpm restart as scap runs it after a sync (php_fpm_restart_script: conftool's
   * safe-service-restart): depool and wait until the load balancer reports it (checks 5 s apart, --wait 5; the
   * first one comes before pybal has applied the change), 3 s of grace (--grace-period), the restart (about 1 s),
   * then repool and wait again (5 s). An estimate from the script's own constants.
   */
  rsyncRestart: '14s',
  /** scap's php_fpm.get_batch_size: 10% of each group's hosts at once (and poolcounter's 10% of the pool). */
  rsyncRestartBatch: '10%',
  /**
   * The build's `docker commit` and `docker push` on dockerd 20.10.24 (Debian's, Go 1.19) with a registry on
   * loopback, the quick start's initial tree (54.6 MB of tar, 1,394 files) copied into a container:
   * `npx tsx bench/image-build-costs.ts 5`, three runs on this project's 2-core machine (AMD EPYC, load 0.8 to 1.3),
   * the medians of their medians. The commit took 0.65 to 0.85 s (64 to 84 MB/s of tar); the push, which reads each
   * layer back as a tar from its files and gzips it with Go's compress/gzip on one core, 2.61 to 3.12 s (17.5 to
   * 20.9 MB/s), 1.28 to 1.55 times Go's gzip loop alone on the same tar (26.7 to 27.2 MB/s; GNU gzip -6 23.0 to 23.6).
   */
  buildCommit: '76MB/s',
  buildCompress: '17.5MB/s',
  nic: '10Gbit/s',
  /** Extra client-side time before the first request; the round trips themselves are counted per request. */
  manifest: '0s',
  registryRtt: '1ms',
  registryPerRequest: '2ms',
  registryCores: 4,
  /** TCP's handshake, then TLS 1.3's (one round trip each). */
  registryHandshake: 2,
  registryAuth: 'none' as const,
  /** Linux's initial congestion window, 10 segments of 1448 bytes (RFC 6928; the default since Linux 2.6.39). */
  initialWindow: '14480B',
  cacheRtt: '0.5ms',
  cachePerRequest: '0.2ms',
  cacheCores: 8,
  peerRtt: '0.5ms',
  peers: 4,
  /**
   * Real P2P clients run an end game by default: Kraken at endgame_threshold pieces left, 3 (its pipeline
   * limit: uber/kraken lib/torrent/scheduler/dispatch/config.go), BitTorrent clients once every piece left is
   * requested (a few pieces per peer). Counted in pieces, Kraken's unit, so a chunk of many pieces is not
   * duplicated earlier than a real client would.
   */
  endgame: 3,
  chunks: 32,
  /** Two layers' worth at p2p.chunks: an image of one layer, or two about equal, keeps 32 a layer (layer-chunks.ts). */
  stepChunks: 64,
  seeds: 0,
  seedEgress: '10Gbit/s',
  scheduler: '10ms',
  /**
   * Dragonfly's dfdaemon keeps every piece it fetches in its own cache (dfdaemon's cacheDir) while it streams the
   * blob to the runtime, which writes the blob too: Wikimedia's P2P layer, and the model's default P2P system.
   */
  agentCopy: 'alongside' as AgentCopyMode,
  treeFanout: 2,
  pageCache: '4GiB',
  /**
   * Share of the page cache dirty pages may take before writers wait for the disk: Linux's vm.dirty_ratio,
   * default 20 (Documentation/admin-guide/sysctl/vm.rst), of the memory page cache can use.
   */
  dirtyRatio: 0.2,
  diskRead: '1GB/s',
  spread: SPREAD_DEFAULTS,
  diskWrite: '500MB/s',
  diskIops: 20_000,
  decompress: '300MiB/s',
  unpackPerFile: '0.05ms',
  /** 0 unless measured: calibration on virtual nodes fits it (see the calibration note in the README). */
  unpackPerLayer: '0s',
  /** A line-rate NIC lets nothing through faster than its rate; a token-bucket limiter does (limiter-burst.ts). */
  nicBurst: '0B',
  /** 0 unless measured: a disk's sync latency varies too much to assume one; calibration fits it. */
  blobCommit: '0s',
  // ctr's progress display draws every 100 ms (cmd/ctr/commands/content/fetch.go ShowProgress); used with after-downloads only.
  unpackTick: '100ms',
} as const;

/** Splits `nodes` by shares with largest remainders, so the counts add up exactly. */
function splitNodes(nodes: number, shares: readonly number[]): number[] {
  const raw = shares.map((s) => s * nodes);
  const out = raw.map(Math.floor);
  const order = raw.map((r, i) => ({ i, rest: r - Math.floor(r) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (let k = 0; out.reduce((a, b) => a + b, 0) < nodes; k++) out[order[k % order.length]!.i]! += 1;
  return out;
}

function datacentres(model: ModelInput | undefined, nodes: number): ResolvedDatacentre[] {
  const list = model?.datacentres ?? [{ name: 'dc1' }];
  const given = list.map((d) => (d.share === undefined ? undefined : parseShare(d.share)));
  const shares = given.every((s) => s === undefined) ? list.map(() => 1 / list.length) : given.map((s) => s ?? 0);
  const counts = splitNodes(nodes, shares);
  return list.map((d, i) => ({ name: d.name, nodes: counts[i]! }));
}

/** Problems only several keys show; empty means `resolveModel` yields a model the simulator can run. */
export function findModelProblems(model: ModelInput | undefined, fleetNodes: number, codeBytes: number): ModelProblem[] {
  if (model === undefined) return [];
  const problems: ModelProblem[] = [];
  const list = model.datacentres ?? [];
  const given = list.map((d) => (d.share === undefined ? undefined : parseShare(d.share)));
  if (given.some((s) => s === undefined) && given.some((s) => s !== undefined)) {
    problems.push({ path: ['model', 'datacentres'], message: 'some data centres have a share and some do not', hint: 'give every data centre a share (adding up to 100%), or none for an even split' });
  } else if (given.every((s) => s !== undefined) && list.length > 0) {
    const total = given.reduce((a: number, b) => a + (b ?? 0), 0);
    if (Math.abs(total - 1) > 0.005) problems.push({ path: ['model', 'datacentres'], message: `the data centre shares add up to ${(total * 100).toFixed(1)}%, not 100%`, hint: 'make the shares add up to 100%' });
  }
  const names = new Set<string>();
  list.forEach((d, i) => {
    if (names.has(d.name)) problems.push({ path: ['model', 'datacentres', i, 'name'], message: `data centre "${d.name}" is listed twice`, hint: 'give each data centre its own name' });
    names.add(d.name);
  });
  const resolved = problems.length === 0 ? datacentres(model, fleetNodes) : [];
  resolved.forEach((d, i) => {
    if (d.nodes === 0) problems.push({ path: ['model', 'datacentres', i], message: `data centre "${d.name}" gets no nodes of the ${fleetNodes} in the fleet`, hint: 'raise its share or fleet.nodes, or remove it' });
  });
  problems.push(...findRolloutProblems(model.rollout, resolved, fleetNodes));
  if (model.rsync?.restartBatch !== undefined && parseShare(model.rsync.restartBatch) === 0 && parseSeconds(model.rsync.restart ?? MODEL_DEFAULTS.rsyncRestart) > 0) {
    problems.push({ path: ['model', 'rsync', 'restartBatch'], message: 'a restart batch of 0% never restarts a node', hint: 'use a share like 10%, or model.rsync.restart: 0s to leave the restarts out' });
  }
  const piece = model.p2p?.piece;
  if (piece !== undefined) {
    const pieceBytes = parseBytes(piece);
    if (pieceBytes === 0) problems.push({ path: ['model', 'p2p', 'piece'], message: 'a P2P piece of 0 bytes never completes', hint: 'use something like 4MiB' });
    else if (pieceBytes > codeBytes) {
      problems.push({ path: ['model', 'p2p', 'piece'], message: `a P2P piece of ${formatBytes(pieceBytes)} is larger than the image's layers (${formatBytes(Math.round(codeBytes))} of code in all)`, hint: 'use a piece well below the layer sizes, e.g. 4MiB' });
    }
  }
  problems.push(...findRuntimeProblems(model));
  return problems;
}

type RequestTierInput = { rtt?: string | number | undefined; perRequest?: string | number | undefined; cores?: number | undefined } | undefined;

function requestTier(input: RequestTierInput, defaults: { rtt: string; perRequest: string; cores: number }): RequestTier {
  return {
    rttSeconds: parseSeconds(input?.rtt ?? defaults.rtt),
    perRequestSeconds: parseSeconds(input?.perRequest ?? defaults.perRequest),
    cores: input?.cores ?? defaults.cores,
  };
}

const bits = (v: string | number | undefined, fallback: string) => parseBitsPerSecond(v ?? fallback);

/** The registry: its replicas' capacities, its requests, and what its connections cost (registry-client.ts). */
function resolveRegistry(registry: NonNullable<ModelInput['registry']> | undefined): ResolvedModel['registry'] {
  return {
    replicas: registry?.replicas ?? MODEL_DEFAULTS.replicas,
    egressBitsPerSecond: bits(registry?.egress, MODEL_DEFAULTS.egress),
    backendReadBitsPerSecond: registry?.backendRead === undefined ? undefined : parseBitsPerSecond(registry.backendRead),
    ...requestTier(registry, { rtt: MODEL_DEFAULTS.registryRtt, perRequest: MODEL_DEFAULTS.registryPerRequest, cores: MODEL_DEFAULTS.registryCores }),
    handshakeRoundTrips: registry?.handshake ?? MODEL_DEFAULTS.registryHandshake,
    auth: registry?.auth ?? MODEL_DEFAULTS.registryAuth,
    initialWindowBytes: parseBytes(registry?.initialWindow ?? MODEL_DEFAULTS.initialWindow),
    redirectRttSeconds: registry?.redirect === undefined ? undefined : parseSeconds(registry.redirect.rtt),
  };
}

export function resolveModel(
  model: ModelInput | undefined,
  fleet: { nodes: number; nicBitsPerSecond: number | undefined; diskWriteBytesPerSecond: number | undefined; runtime?: ContainerRuntime | undefined },
): ResolvedModel {
  const dcs = datacentres(model, fleet.nodes);
  return {
    topologies: [...new Set(model?.topologies ?? MODEL_DEFAULTS.topologies)],
    volume: model?.volume ?? true,
    datacentres: dcs,
    registry: resolveRegistry(model?.registry),
    cache: {
      egressBitsPerSecond: bits(model?.cache?.egress, MODEL_DEFAULTS.cacheEgress),
      ...requestTier(model?.cache, { rtt: MODEL_DEFAULTS.cacheRtt, perRequest: MODEL_DEFAULTS.cachePerRequest, cores: MODEL_DEFAULTS.cacheCores }),
    },
    p2p: {
      pieceBytes: parseBytes(model?.p2p?.piece ?? MODEL_DEFAULTS.piece),
      uploadBitsPerSecond: bits(model?.p2p?.upload, MODEL_DEFAULTS.upload),
      downloadBitsPerSecond: model?.p2p?.download === undefined ? undefined : parseBitsPerSecond(model.p2p.download),
      rttSeconds: parseSeconds(model?.p2p?.rtt ?? MODEL_DEFAULTS.peerRtt),
      peers: model?.p2p?.peers ?? MODEL_DEFAULTS.peers,
      endgame: model?.p2p?.endgame ?? MODEL_DEFAULTS.endgame,
      chunks: model?.p2p?.chunks ?? MODEL_DEFAULTS.chunks,
      stepChunks: model?.p2p?.stepChunks ?? MODEL_DEFAULTS.stepChunks,
      seeds: model?.p2p?.seeds ?? MODEL_DEFAULTS.seeds,
      seedEgressBitsPerSecond: bits(model?.p2p?.seedEgress, MODEL_DEFAULTS.seedEgress),
      schedulerSeconds: parseSeconds(model?.p2p?.scheduler ?? MODEL_DEFAULTS.scheduler),
      agentCopy: model?.p2p?.agentCopy ?? MODEL_DEFAULTS.agentCopy,
    },
    tree: { fanout: model?.tree?.fanout ?? MODEL_DEFAULTS.treeFanout },
    rsync: {
      masterEgressBitsPerSecond: bits(model?.rsync?.masterEgress, MODEL_DEFAULTS.rsyncEgress),
      proxyEgressBitsPerSecond: bits(model?.rsync?.proxyEgress, MODEL_DEFAULTS.rsyncEgress),
      perFileSeconds: parseSeconds(model?.rsync?.perFile ?? MODEL_DEFAULTS.rsyncPerFile),
      scanPerFileSeconds: parseSeconds(model?.rsync?.scanPerFile ?? MODEL_DEFAULTS.rsyncScanPerFile),
      perSyncSeconds: parseSeconds(model?.rsync?.perSync ?? MODEL_DEFAULTS.rsyncPerSync),
      streamBytesPerSecond: model?.rsync?.stream === undefined ? undefined : parseBitsPerSecond(model.rsync.stream) / 8,
      l10nRebuildBytesPerSecond: parseBytesPerSecond(model?.rsync?.l10nRebuild ?? MODEL_DEFAULTS.l10nRebuild),
      asHarness: model?.harness?.cores !== undefined,
      restartSeconds: parseSeconds(model?.rsync?.restart ?? MODEL_DEFAULTS.rsyncRestart),
      restartShare: parseShare(model?.rsync?.restartBatch ?? MODEL_DEFAULTS.rsyncRestartBatch),
      harnessCores: model?.harness?.cores,
      harnessThreads: model?.harness?.cores === undefined ? undefined : 1,
    },
    node: {
      manifestSeconds: parseSeconds(model?.node?.manifest ?? MODEL_DEFAULTS.manifest),
      nicBitsPerSecond: fleet.nicBitsPerSecond ?? parseBitsPerSecond(MODEL_DEFAULTS.nic),
      streamBitsPerSecond: model?.node?.stream === undefined ? undefined : parseBitsPerSecond(model.node.stream),
      diskWriteBytesPerSecond: fleet.diskWriteBytesPerSecond ?? parseBytesPerSecond(MODEL_DEFAULTS.diskWrite),
      diskIops: model?.node?.diskIops ?? MODEL_DEFAULTS.diskIops,
      decompressBytesPerSecond: parseBytesPerSecond(model?.node?.decompress ?? MODEL_DEFAULTS.decompress),
      unpackPerFileSeconds: parseSeconds(model?.node?.unpackPerFile ?? MODEL_DEFAULTS.unpackPerFile),
      unpackPerLayerSeconds: parseSeconds(model?.node?.unpackPerLayer ?? MODEL_DEFAULTS.unpackPerLayer),
      unpackStarts: model?.node?.unpackStarts ?? 'pipelined',
      unpackTickSeconds: parseSeconds(model?.node?.unpackTick ?? MODEL_DEFAULTS.unpackTick),
      diskReadBytesPerSecond: parseBytesPerSecond(model?.node?.diskRead ?? MODEL_DEFAULTS.diskRead),
      pageCacheBytes: parseBytes(model?.node?.pageCache ?? MODEL_DEFAULTS.pageCache),
      dirtyLimitBytes: model?.node?.dirtyLimit === undefined ? MODEL_DEFAULTS.dirtyRatio * parseBytes(model?.node?.pageCache ?? MODEL_DEFAULTS.pageCache) : parseBytes(model.node.dirtyLimit),
      nicBurstBytes: parseBytes(model?.node?.nicBurst ?? MODEL_DEFAULTS.nicBurst),
      blobCommitSeconds: parseSeconds(model?.node?.blobCommit ?? MODEL_DEFAULTS.blobCommit),
      spread: resolveSpread(model?.node?.spread),
      ...resolveNodeRuntime(model, fleet.runtime),
      cpu: resolveNodeCpu(model, parseBytesPerSecond(model?.node?.decompress ?? MODEL_DEFAULTS.decompress)),
    },
    build: {
      commitBytesPerSecond: parseBytesPerSecond(model?.build?.commit ?? MODEL_DEFAULTS.buildCommit),
      compressBytesPerSecond: parseBytesPerSecond(model?.build?.compress ?? MODEL_DEFAULTS.buildCompress),
    },
    lazy: resolveLazy(model),
    harness: { cores: model?.harness?.cores, unpackShare: undefined },
    rollout: resolveRollout(model?.rollout, dcs, fleet.nodes),
  };
}
