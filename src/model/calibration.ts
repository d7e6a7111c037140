import type { LayerSample, NodeStepSample } from '../metrics/samples.ts';
import type { ResolvedModel } from '../scenario/model-resolved.ts';
import { median } from '../stats/percentiles.ts';
import { type CpuFit, fitHarnessCpu, freeCores, harnessBoundCores } from './calibration-cpu.ts';
import { meanUnpacksAtOnce, unpackConcurrency } from './calibration-concurrency.ts';
import { logNormalVariation } from './calibration-dispersion.ts';
import { fitLinks, type LinkFit } from './calibration-links.ts';
import type { MeasuredRun } from './measured-run.ts';
import { fitRequests } from './calibration-requests.ts';
import { requestsBeforeLayers } from './registry-client.ts';
import { unpackStartsFrom } from './calibration-unpack-starts.ts';
import { blobCommitFrom } from './calibration-blob-commit.ts';
import { rsyncFrom } from './calibration-volume.ts';
import type { ModelFleet } from './model-fleet.ts';
import { fitNonNegativeRates } from './non-negative-fit.ts';
import { limiterBurstBytes } from '../scenario/limiter-burst.ts';

export { compareWithMeasured, type MeasuredRun } from './calibration-compare.ts';
export { fitTwoRates } from './non-negative-fit.ts';

export interface CalibratedParameters {
  /** Named figures as taken, for the results and the terminal. */
  readonly parameters: Record<string, number>;
  readonly model: ResolvedModel;
  readonly fleet: ModelFleet;
}

type Node = ResolvedModel['node'];

/** The stats median (type 7), undefined rather than NaN when nothing was measured. */
function medianOrUndefined(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : median(values);
}

type Spread = Node['spread'];

/** Which measured shape (model.node.spread's `{ empirical }`) a fitted spread value replaces. */
const SHAPE_OF = { nic: 'nic', decompress: 'decompress', latency: 'latency', startDelaySeconds: 'startDelay' } as const;

/**
 * The spread with fitted values in place of the scenario's: a shape the scenario measured elsewhere for a quantity
 * the run fits goes with its coefficient (else it would still be drawn from), the others stay.
 */
function fittedSpread(spread: Spread, fitted: Partial<Pick<Spread, 'nic' | 'decompress' | 'latency' | 'startDelaySeconds' | 'interference'>>): Spread {
  const { empirical, ...rest } = spread;
  const shapes: { -readonly [K in keyof NonNullable<Spread['empirical']>]: readonly number[] } = { ...empirical };
  for (const key of Object.keys(fitted)) if (key in SHAPE_OF) delete shapes[SHAPE_OF[key as keyof typeof SHAPE_OF]];
  return Object.keys(shapes).length === 0 ? { ...rest, ...fitted } : { ...rest, ...fitted, empirical: shapes };
}

/** A single stream slower than this share of the link is a limit of its own (a TCP window, a per-connection cap). */
const STREAM_BELOW_LINK = 0.9;

/**
 * The network: each node's link rate as its NIC and their dispersion as the NIC spread, and a per-stream
 * cap only where a layer downloading alone was clearly slower than the link. Without download start times
 * (older results), the old reading: the median rate of layers of at least 1 MiB as a per-stream cap.
 */
function networkFrom(samples: readonly NodeStepSample[], node: Node, parameters: Record<string, number>): Node {
  const links: LinkFit | undefined = fitLinks(samples, node.nicBurstBytes);
  if (links === undefined) {
    const streams = samples.flatMap((s) => s.layers).filter((l) => l.bytes >= 1 << 20 && l.downloadSeconds > 0).map((l) => l.bytes / l.downloadSeconds);
    const stream = medianOrUndefined(streams);
    if (stream === undefined) return node;
    parameters.streamBytesPerSecond = stream;
    return { ...node, streamBitsPerSecond: stream * 8 };
  }
  parameters.nicBytesPerSecond = links.nicBytesPerSecond;
  parameters.nicLimitBytesPerSecond = links.nicLimitBytesPerSecond;
  let next: Node = { ...node, nicBitsPerSecond: links.nicBytesPerSecond * 8, streamBitsPerSecond: undefined };
  if (links.nicVariation !== undefined) {
    parameters.spreadNic = links.nicVariation;
    next = { ...next, spread: fittedSpread(next.spread, { nic: links.nicVariation }) };
  }
  const alone = links.aloneStreamBytesPerSecond;
  if (alone !== undefined && alone < STREAM_BELOW_LINK * links.nicBytesPerSecond) {
    parameters.streamBytesPerSecond = alone;
    next = { ...next, streamBitsPerSecond: alone * 8 };
  }
  return next;
}

/**
 * Unpack seconds per blob byte, per file and per layer (non-negative least squares over every layer
 * unpacked), and the spread of each node's unpack time around the fit as the decompression spread. The
 * fitted costs hold the disk's time (the node wrote while it unpacked), so the disk's bandwidth and IOPS
 * stop binding: not counted twice. With `shared` (a harness-bound run), each layer counts its seconds over
 * how many layers unpacked beside it, and the per-file cost is CPU the nodes share, not a wait.
 */
function unpackFrom(samples: readonly NodeStepSample[], node: Node, uncompressedPerBlobByte: number, shared: Map<LayerSample, number> | undefined, parameters: Record<string, number>): Node {
  const unpacked = samples.flatMap((s) => s.layers).filter((l) => l.unpackSeconds > 0);
  if (unpacked.length === 0) return node;
  // On a harness-bound run, a layer's CPU work (per byte, per file) took as many times its own cost as layers
  // unpacked beside it; its fixed cost (snapshot commit: waits) did not.
  const beside = (l: LayerSample) => shared?.get(l) ?? 1;
  const [perByte, perFile, perLayer] = fitNonNegativeRates(unpacked.map((l) => ({ x: [beside(l) * l.bytes, beside(l) * l.files, 1], y: l.unpackSeconds })), 3) as [number, number, number];
  let next: Node = { ...node, unpackPerFileSeconds: perFile, unpackPerLayerSeconds: perLayer, diskIops: Number.MAX_SAFE_INTEGER, diskWriteBytesPerSecond: Number.MAX_SAFE_INTEGER };
  // Shared cores: each file's cost is CPU the unpacks share (model.node.cpu.perFile), not a wait of its own.
  if (shared !== undefined) next = { ...next, unpackPerFileSeconds: 0, cpu: { ...next.cpu, perFileSeconds: perFile } };
  if (perByte > 0) {
    parameters.unpackSecondsPerBlobByte = perByte;
    // The unpack's CPU is its decompression (node-cpu.ts): the fitted rate replaces both CPU stages.
    const decompressSecondsPerByte = perByte / uncompressedPerBlobByte;
    next = { ...next, decompressBytesPerSecond: 1 / decompressSecondsPerByte, cpu: { ...next.cpu, decompressSecondsPerByte, unpackSecondsPerByte: 0 } };
  }
  parameters.unpackSecondsPerFile = perFile;
  parameters.unpackSecondsPerLayer = perLayer;
  // Per node and step: its unpack seconds over what the fit predicts for its layers.
  const ratios = samples.flatMap((s) => {
    const layers = s.layers.filter((l) => l.unpackSeconds > 0);
    const predicted = layers.reduce((n, l) => n + beside(l) * (perByte * l.bytes + perFile * l.files) + perLayer, 0);
    return predicted > 0 ? [layers.reduce((n, l) => n + l.unpackSeconds, 0) / predicted] : [];
  });
  const variation = logNormalVariation(ratios);
  if (variation !== undefined) {
    parameters.spreadDecompress = variation;
    next = { ...next, spread: fittedSpread(next.spread, { decompress: variation }) };
  }
  return next;
}

/**
 * Virtual nodes with a NIC limit meter their downloads through a token bucket whose burst lets a step's
 * first bytes through at once: the model charges those bytes no NIC time (a backport's few KiB took 14 ms
 * measured where the limited rate alone gives 40 ms).
 */
function limiterFrom(samples: readonly NodeStepSample[], fleet: ModelFleet, node: Node, parameters: Record<string, number>): Node {
  const limit = fleet.node.nicBitsPerSecond;
  if (limit === undefined || samples.length === 0 || !samples.every((s) => s.backend === 'virtual')) return node;
  const burst = limiterBurstBytes(limit / 8);
  parameters.nicBurstBytes = burst;
  return { ...node, nicBurstBytes: burst };
}

/**
 * Requests: the measured round trip and registry CPU per request, the rest of time-to-manifest, and its spread.
 * What the run's own connections cost (handshakes, slow start, redirects) is inside what it measured, the
 * request times and the download rates fitted from them, so the calibrated model adds none of it again.
 */
function requestsFrom(measured: MeasuredRun, fitted: ResolvedModel, parameters: Record<string, number>): ResolvedModel {
  const model = { ...fitted, registry: { ...fitted.registry, handshakeRoundTrips: 0, initialWindowBytes: 0, redirectRttSeconds: undefined } };
  const fit = fitRequests(measured.steps.filter((s) => !s.warmup), measured.samples, requestsBeforeLayers(model.registry.auth));
  if (fit === undefined) return model;
  parameters.requestSeconds = fit.requestSeconds;
  if (fit.clientRequestSeconds !== undefined) parameters.clientRequestSeconds = fit.clientRequestSeconds;
  parameters.manifestSeconds = fit.manifestSeconds;
  const perRequest = fit.registryCpuPerRequestSeconds ?? 0;
  if (fit.registryCpuPerRequestSeconds !== undefined) parameters.registryCpuPerRequestSeconds = perRequest;
  // The measured dispersion is of whole requests on the run's own path: the draw varies all of a fitted round trip.
  let node: Node = { ...model.node, manifestSeconds: fit.manifestExtraSeconds, spread: { ...model.node.spread, localRttSeconds: Number.POSITIVE_INFINITY } };
  if (fit.latencyVariation !== undefined) {
    parameters.spreadLatency = fit.latencyVariation;
    node = { ...node, spread: fittedSpread(node.spread, { latency: fit.latencyVariation }) };
  }
  return { ...model, node, registry: { ...model.registry, rttSeconds: fit.requestSeconds - perRequest, perRequestSeconds: perRequest } };
}

/**
 * Unpack costs fitted as the seconds the nodes waited hold their sharing of the machine: each unpack had the
 * cores other processes left (`cores`) over the unpacks at once (calibration-concurrency.ts), at most one, so
 * the hybrid side's master, which unpacks alone, takes those costs times that share, as the syncs' fit takes
 * theirs (calibration-volume.ts). A harness-bound fit already took each layer's own cost: nothing to do.
 */
function unpackShareFrom(samples: readonly NodeStepSample[], ownCosts: boolean, cores: number | undefined, harness: ResolvedModel['harness'], parameters: Record<string, number>): ResolvedModel['harness'] {
  if (ownCosts || cores === undefined) return harness;
  const atOnce = meanUnpacksAtOnce(unpackConcurrency(samples));
  if (atOnce === undefined) return harness;
  parameters.unpacksAtOnce = atOnce;
  parameters.unpackShare = Math.min(1, cores / atOnce);
  return { ...harness, unpackShare: parameters.unpackShare };
}

/**
 * The harness CPU, reported. For a harness-bound run, `cores` (harnessBoundCores of the fit) are those other processes
 * left, and when the unpack fit took each layer's own cost (`shared`: its seconds over the layers unpacking
 * beside it, calibration-concurrency.ts) they become `model.harness.cores`, which the model's unpacks then
 * share. Applied to a fit of seconds waited, the cores would charge the sharing twice (a run at load 20: mean
 * makespan error 13.4% without them, 23.5% with).
 */
function harnessCpuFrom(cpu: CpuFit | undefined, cores: number | undefined, shared: boolean, model: ResolvedModel, parameters: Record<string, number>): ResolvedModel {
  if (cpu === undefined) return model;
  parameters.harnessCores = cpu.harnessCores;
  parameters.harnessOtherLoadCores = cpu.otherLoadCores;
  parameters.harnessBusyCores = cpu.harnessBusyCores;
  parameters.harnessRegistryCores = cpu.registryBusyCores;
  parameters.harnessCpuSecondsPerByteWritten = cpu.cpuSecondsPerByteWritten;
  parameters.harnessCpuSecondsPerFile = cpu.cpuSecondsPerFile;
  parameters.harnessCpuSaturatedStepShare = cpu.saturatedStepShare;
  if (cores === undefined) return model;
  parameters.harnessBoundCores = cores;
  return shared ? { ...model, harness: { ...model.harness, cores } } : model;
}

/**
 * Model parameters from a real run: each node's link (NIC) and its spread, the registry's limit (the
 * highest aggregate throughput seen, when the nodes' links do not explain it), request latency and the
 * registry's CPU per request, unpack seconds per byte and per file and their spread, when unpacking started
 * (calibration-unpack-starts.ts), each blob's commit (calibration-blob-commit.ts), the disk when nothing
 * was unpacked, the harness CPU for the runtime model, the share of the cores each node's unpack had (for the
 * hybrid side's master, which unpacks alone), and the volume side's rsync and l10n costs from its
 * nodes' and proxies' syncs on the cores other processes left (calibration-volume.ts; `volumeTreeFiles`: the
 * files in the measured code tree). A virtual
 * node starts when the harness dispatches it, so the start delay is 0; it rolls node by node (no releases) and
 * restarts no php-fpm after its syncs. `uncompressedPerBlobByte` converts the
 * fitted per-blob-byte cost into decompression throughput in tar bytes, as the model counts it.
 */
export function calibrateFrom(measured: MeasuredRun, model: ResolvedModel, fleet: ModelFleet, uncompressedPerBlobByte: number, volumeTreeFiles?: number): CalibratedParameters {
  const steps = measured.steps.filter((s) => !s.warmup);
  const samples = measured.samples.filter((s) => s.error === undefined);
  const parameters: Record<string, number> = {};
  const concurrent = Math.max(1, Math.min(fleet.nodes, fleet.rollout.maxConcurrent));
  let node: Node = networkFrom(samples, limiterFrom(samples, fleet, model.node, parameters), parameters);
  // The measured per-node dispersion (the NIC, unpack and latency spreads) already holds how busy each host was.
  node = { ...node, spread: fittedSpread(node.spread, { startDelaySeconds: 0, interference: 0 }) };
  parameters.startDelaySeconds = 0;
  parameters.interference = 0;
  const registry = Math.max(0, ...steps.flatMap((s) => s.throughput.points.map((p) => p.value)));
  let registryModel = model.registry;
  // Links that were the limit explain the aggregate: the registry then served whatever they took.
  const linksExplain = parameters.nicBytesPerSecond !== undefined && registry >= 0.8 * concurrent * parameters.nicBytesPerSecond;
  if (registry > 0 && !linksExplain) {
    parameters.registryBytesPerSecond = registry;
    registryModel = { ...registryModel, replicas: 1, egressBitsPerSecond: registry * 8, backendReadBitsPerSecond: undefined };
  }
  const diskRates = steps.flatMap((s) => (s.disk === undefined || s.disk.endSeconds <= s.disk.startSeconds ? [] : [s.disk.totals.writeBytes / (s.disk.endSeconds - s.disk.startSeconds)]));
  const disk = diskRates.length === 0 ? undefined : Math.max(...diskRates) / concurrent;
  const unpacked = samples.some((s) => s.layers.some((l) => l.unpackSeconds > 0));
  if (disk !== undefined && disk > 0 && !unpacked) {
    parameters.diskWriteBytesPerSecond = disk;
    node = { ...node, diskWriteBytesPerSecond: disk };
  }
  const cpu = fitHarnessCpu(steps);
  const boundCores = cpu === undefined ? undefined : harnessBoundCores(cpu);
  const concurrency = boundCores !== undefined ? unpackConcurrency(samples) : undefined;
  const shared = concurrency !== undefined && concurrency.size > 0 ? concurrency : undefined;
  node = unpackStartsFrom(samples, unpackFrom(samples, node, uncompressedPerBlobByte, shared, parameters), parameters);
  // The cores other processes left: what the nodes' unpacks and the syncs shared on a one-machine run.
  const free = cpu === undefined ? undefined : freeCores(cpu);
  const withRequests = requestsFrom(measured, { ...model, node, registry: registryModel, harness: unpackShareFrom(samples, shared !== undefined, free, model.harness, parameters) }, parameters);
  const committed = { ...withRequests, node: blobCommitFrom(samples, withRequests.node, parameters.requestSeconds, parameters), rsync: rsyncFrom(samples, withRequests.rsync, volumeTreeFiles, parameters, steps, free) };
  // The harness rolls node by node, restarts nothing and checks no stage (no pods, no php-fpm, no scap behind the
  // virtual nodes); its nodes pull from proxies and rebuild their l10n cache right after their own sync.
  const harnessRollout = { ...committed, rollout: { ...committed.rollout, releases: [], canaryWaitSeconds: 0 }, rsync: { ...committed.rsync, restartSeconds: 0, asHarness: true } };
  return { parameters, model: harnessCpuFrom(cpu, boundCores, shared !== undefined, harnessRollout, parameters), fleet };
}
