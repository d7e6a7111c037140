import type { DeployParts } from '../metrics/deploy-parts.ts';
import type { NodeDisk } from '../metrics/node-disk.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { HYBRID_STRATEGY_NAME, hybridSteps, type ResolvedHybrid } from '../scenario/hybrid-scenario.ts';
import type { ModelTopology, ResolvedModel } from '../scenario/model-resolved.ts';

import type { ModelFleet } from './model-fleet.ts';
import type { FleetPlan, ModelVolumeStep } from './fleet-plan.ts';
import { fleetLayout, prePulledNodes, type FleetLayout } from './fleet-layout.ts';
import { medianInPlace, quantileSorted } from '../stats/percentiles.ts';
import type { NodeSecondsSummary, TimeToStart } from '../metrics/model-step.ts';
import { simulateHybridStep } from './hybrid-step-model.ts';
import { simulateImageStep } from './image-step-model.ts';
import { imageBuildParts, volumePrepSeconds } from './deploy-prep.ts';
import { nodeImagePlan } from './node-disk-plan.ts';
import { drawNodeSpread } from './node-spread.ts';
import type { StepOutcome } from './step-outcome.ts';
import { binnedRate, peakRate } from './tier-series.ts';
import { simulateVolumeStep, type ModelVolume } from './volume-step-model.ts';

export interface SimulationInput {
  readonly model: ResolvedModel;
  readonly fleet: ModelFleet;
  readonly volume: ModelVolume;
  readonly plan: FleetPlan;
  /** The hybrid side (after the volume side, when the model simulates it): the layer strategy the master pulls. */
  readonly hybrid?: ResolvedHybrid | undefined;
  /** Per-layer arrays in node samples only up to this many nodes (they dominate the file size). */
  readonly layerSamplesUpToNodes?: number;
  /** The scenario seed: per-node spread is drawn from it (same seed, same fleet). */
  readonly seed?: number | string;
  readonly onStep?: (result: StepResult) => void;
}

export interface SimulationOutput {
  readonly steps: StepResult[];
  readonly samples: NodeStepSample[];
}

const SERIES_BINS = 120;

/** Strategy names in results: images via the registry keep theirs; other topologies get `@topology`. */
export function variantName(strategy: string, topology: ModelTopology): string {
  return topology === 'direct' ? strategy : `${strategy}@${topology}`;
}

const EMPTY_SERIES = (name: string, unit: string) => ({ name, unit, points: [] });

/**
 * `simulate`: every layer strategy through every topology, and the volume side (then the hybrid side, when
 * asked: the master pulls and unpacks, then the volume side's sync), over the deploy sequence.
 * Each variant starts from cold nodes (and a cold cache), as each strategy does in a real run; steps run
 * one after another on one virtual clock.
 */
export function simulateFleet(input: SimulationInput): SimulationOutput {
  const { model, fleet } = input;
  const layout = fleetLayout(model.datacentres);
  const keepLayers = layout.names.length <= (input.layerSamplesUpToNodes ?? 1000);
  const prePulled = prePulledNodes(layout, model.rollout.prePullShare);
  // One draw of the fleet for every variant, so strategies and topologies are compared on the same nodes.
  const spread = drawNodeSpread(model, layout.names.length, input.seed ?? 0);
  const steps: StepResult[] = [];
  const samples: NodeStepSample[] = [];
  let clock = 0;
  const record = (strategy: string, step: string, outcome: StepOutcome, layerIds: readonly string[], extra: { deploy?: DeployParts; nodeDisk?: NodeDisk } = {}) => {
    const { deploy, nodeDisk } = extra;
    const result: StepResult = { ...stepResult(strategy, step, outcome, layout, clock), ...(deploy === undefined ? {} : { deploy }) };
    steps.push(result);
    samples.push(...nodeSamples(strategy, step, outcome, layout, clock, layerIds).map((s) => (nodeDisk === undefined ? s : { ...s, nodeDisk })));
    clock += outcome.makespanSeconds;
    input.onStep?.(result);
  };
  for (const strategy of input.plan.strategies) {
    // Every node gets the same images: one disk plan (images held, GC) serves every node and topology.
    // What each step downloads and unpacks follows the runtime's rules and the images the GC kept.
    const images = nodeImagePlan(strategy.steps, fleet.node.imageGC, fleet.node.unpack, model.node.runtime);
    // Built and pushed before the rollout, whatever carries it to the nodes, as `run` times a deploy.
    const builds = strategy.steps.map((image, i) => {
      const treeFiles = input.plan.volume.find((v) => v.step === image.step)?.treeFiles ?? 0;
      return imageBuildParts(model, image.layers, new Set(strategy.steps[i - 1]?.layers.map((l) => l.id)), treeFiles);
    });
    for (const topology of model.topologies) {
      const cached = layout.datacentres.map(() => new Set<string>());
      for (const [i, image] of strategy.steps.entries()) {
        const { work, disk } = images[i]!;
        const outcome = simulateImageStep({ model, fleet, layout, topology, layers: image.layers, work, prePulled, cached, keepLayers, spread });
        // The makespan is the rollout's.
        const { build, push } = builds[i]!;
        const deploy = { build, push, rollout: outcome.makespanSeconds, total: build + push + outcome.makespanSeconds };
        record(variantName(strategy.name, topology), image.step, outcome, image.layers.map((l) => l.id), { nodeDisk: disk, deploy });
      }
    }
  }
  if (model.volume) {
    // A volume (or hybrid) node holds one tree, the step's: no images, nothing for a GC to free.
    const treeHeld = (step: ModelVolumeStep) => (step.treeBytes === undefined ? {} : { nodeDisk: { heldBytes: step.treeBytes, imagesHeld: 0, gcFreedBytes: 0, gcImagesRemoved: 0 } });
    for (const step of input.plan.volume) {
      const outcome = simulateVolumeStep({ model, fleet, volume: input.volume, layout, step, spread });
      const prep = volumePrepSeconds(model, step);
      record('volume', step.step, outcome, [], { ...treeHeld(step), deploy: { prep, sync: outcome.makespanSeconds, total: prep + outcome.makespanSeconds } });
    }
    const pulled = input.plan.strategies.find((s) => s.name === input.hybrid?.strategy);
    let held = new Set<string>();
    for (const step of pulled === undefined ? [] : hybridSteps(input.hybrid, input.plan.volume.map((v) => ({ ...v, name: v.step })))) {
      const image = pulled?.steps.find((s) => s.step === step.step);
      if (image === undefined) continue;
      const { outcome, prepSeconds } = simulateHybridStep({ model, fleet, volume: input.volume, layout, step, spread, image, held });
      record(HYBRID_STRATEGY_NAME, step.step, outcome, [], { ...treeHeld(step), deploy: { prep: prepSeconds, sync: outcome.makespanSeconds - prepSeconds, total: outcome.makespanSeconds } });
      held = new Set(image.layers.map((l) => l.id));
    }
  }
  return { steps, samples };
}

function median(values: Float64Array): number {
  if (values.length === 0) return 0;
  return medianInPlace(Float64Array.from(values));
}

/** Points of the node-time ECDF kept in results: enough for a smooth curve, few enough for 10,000 nodes. */
const ECDF_POINTS = 200;

/** Node time (start to ready) over the nodes that deployed: quantiles by stats' type 7, and the ECDF. */
function nodeSeconds(f: StepOutcome['nodes'], deployed: (i: number) => boolean, until: Float64Array = f.endSeconds): NodeSecondsSummary | undefined {
  const times: number[] = [];
  for (let i = 0; i < until.length; i++) if (deployed(i)) times.push(until[i]! - f.startSeconds[i]!);
  if (times.length === 0) return undefined;
  times.sort((a, b) => a - b);
  const q = (p: number) => quantileSorted(times, p);
  const step = Math.max(1, times.length / ECDF_POINTS);
  const ecdf: Array<{ seconds: number; share: number }> = [];
  for (let k = step - 1; k < times.length; k += step) ecdf.push({ seconds: times[Math.floor(k)]!, share: (Math.floor(k) + 1) / times.length });
  if (ecdf[ecdf.length - 1]?.share !== 1) ecdf.push({ seconds: times[times.length - 1]!, share: 1 });
  return { nodes: times.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: times[times.length - 1]!, ecdf };
}

/** Image steps: when containers run (time-to-start), beside nodeSeconds' pull complete (time-to-complete). */
function timeToStart(f: StepOutcome['nodes'], topology: string, deployed: (i: number) => boolean, rolloutEndSeconds = 0): { timeToStart?: TimeToStart } {
  if (topology === 'rsync') return {};
  const nodes = nodeSeconds(f, deployed, f.runningSeconds);
  // Rolled pod by pod, the last pod's readiness ends it (its node may have run containers long before).
  let makespanSeconds = rolloutEndSeconds;
  for (let i = 0; i < f.runningSeconds.length; i++) makespanSeconds = Math.max(makespanSeconds, f.runningSeconds[i]!);
  return { timeToStart: { makespanSeconds, ...(nodes === undefined ? {} : { nodeSeconds: nodes }) } };
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function stepResult(strategy: string, step: string, outcome: StepOutcome, layout: FleetLayout, clock: number): StepResult {
  const f = outcome.nodes;
  const deployed = (i: number) => f.deployed[i] === 1 || f.bytesDownloaded[i]! > 0 || outcome.topology === 'rsync';
  const registry = outcome.meters.find((m) => m.tier === 'registry');
  const nodesMeter = outcome.meters.find((m) => m.tier === 'nodes')!;
  return {
    strategy,
    step,
    repeat: 0,
    warmup: false,
    nodes: layout.names.length,
    failedNodes: 0,
    makespanSeconds: outcome.makespanSeconds,
    bytesDownloaded: sum(f.bytesDownloaded),
    bytesWrittenToDisk: sum(f.diskBytes),
    filesWritten: sum(f.files),
    registryBytesServed: registry?.bytes ?? 0,
    retries: 0,
    throughput: { ...binnedRate(nodesMeter, outcome.makespanSeconds, clock, SERIES_BINS), name: 'aggregate download throughput' },
    // The model has no CPU to sample: an empty window keeps the measured schema.
    cpu: {
      cpus: 0,
      intervalMs: 0,
      startSeconds: clock,
      endSeconds: clock + outcome.makespanSeconds,
      samples: 0,
      utilisation: 0,
      iowaitShare: 0,
      process: { userSeconds: 0, systemSeconds: 0, cores: 0 },
      series: { utilisation: EMPTY_SERIES('utilisation', 'share'), iowait: EMPTY_SERIES('iowait', 'share'), processCores: EMPTY_SERIES('process cores', 'cores') },
    },
    model: {
      topology: outcome.topology,
      prePulledNodes: outcome.prePulled,
      tiers: outcome.meters.map((m) => ({ tier: m.tier, bytes: m.bytes, peakBytesPerSecond: peakRate(m), egress: binnedRate(m, outcome.makespanSeconds, clock, SERIES_BINS) })),
      nodeDisk: {
        maxBytesPerNode: f.diskBytes.reduce((a, b) => Math.max(a, b), 0),
        peakIopsMax: f.peakIops.reduce((a, b) => Math.max(a, b), 0),
        peakIopsMedian: median(f.peakIops),
      },
      nodeSeconds: nodeSeconds(f, deployed),
      ...timeToStart(f, outcome.topology, deployed, outcome.rolloutEndSeconds),
      ...(outcome.bottleneck === undefined ? {} : { bottleneck: outcome.bottleneck }),
      ...(outcome.releases === undefined ? {} : { releases: [...outcome.releases] }),
      events: outcome.events,
    },
  };
}

const digestOf = (id: string) => `plan:${id.replace(/[^a-zA-Z0-9=_-]/g, '-') || 'layer'}`;

function nodeSamples(strategy: string, step: string, outcome: StepOutcome, layout: FleetLayout, clock: number, layerIds: readonly string[]): NodeStepSample[] {
  const f = outcome.nodes;
  return layout.names.map((node, i) => ({
    node,
    step,
    strategy,
    repeat: 0,
    startSeconds: clock + f.startSeconds[i]!,
    manifestSeconds: outcome.topology !== 'rsync' && f.bytesDownloaded[i]! > 0 ? f.manifestSeconds[i]! : 0,
    totalSeconds: f.endSeconds[i]! - f.startSeconds[i]!,
    layers: (f.layers?.[i] ?? []).map(([k, bytes, downloadSeconds, unpackSeconds, files]) => ({ digest: digestOf(layerIds[k] ?? String(k)), bytes, downloadSeconds, unpackSeconds, files })),
    bytesDownloaded: Math.round(f.bytesDownloaded[i]!),
    bytesWrittenToDisk: Math.round(f.diskBytes[i]!),
    filesWritten: Math.round(f.files[i]!),
    peakIops: f.peakIops[i]!,
    datacentre: layout.datacentres[layout.datacentreOf[i]!]!.name,
  }));
}
