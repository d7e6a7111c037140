import { formatBytes } from '../core/units.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import { median } from '../stats/percentiles.ts';
import { withinGroupLogSigma } from './calibration-dispersion.ts';
import { manifestsByStep } from './calibration-requests.ts';
import type { CpuFit } from './calibration-cpu.ts';
import type { MeasuredRun } from './measured-run.ts';
import { stepKey } from '../metrics/step-key.ts';

/** Layers unpacked per node differing by more than this share: the model unpacked other layers than the nodes did. */
const LAYERS_TOLERANCE = 0.1;
/** Bytes per node differing by more than this share and BYTES_FLOOR: other layers fetched (the plan's sizes are estimates, hence the slack). */
const BYTES_TOLERANCE = 0.25;
const BYTES_FLOOR = 256 * 1024;

interface NodeWork {
  readonly bytes: number;
  readonly unpacked: number;
}

function workPerNode(samples: readonly NodeStepSample[], strategy: string, step: string): NodeWork | undefined {
  // Image pulls only: the rsync side ships files, not layers.
  const mine = samples.filter((s) => s.strategy === strategy && s.step === step && s.error === undefined && s.layers.length > 0);
  if (mine.length === 0) return undefined;
  return { bytes: median(mine.map((s) => s.bytesDownloaded)), unpacked: median(mine.map((s) => s.layers.filter((l) => l.unpackSeconds > 0).length)) };
}

/** Within-step spreads of time to manifest further apart than this factor: the simulated nodes scatter otherwise than the measured ones. */
const MANIFEST_SPREAD_FACTOR = 1.5;

/**
 * Whether the simulated nodes' times to manifest scatter within a step as the measured ones did. The calibrated
 * latency spread is fitted so that they would (calibration-requests.ts), but the model's registry queues its own
 * way, and virtual nodes on one machine share its registry and its disk: in the quick start's runs the node that
 * resolved first waited longest for its small blob. Sub-second rows follow that scatter.
 */
function manifestSpreadCaveat(measured: MeasuredRun, draws: readonly MeasuredRun[]): string | undefined {
  const m = withinGroupLogSigma(manifestsByStep(measured.samples));
  const s = withinGroupLogSigma(draws.flatMap((d) => manifestsByStep(d.samples)));
  if (m === undefined || s === undefined || (m <= MANIFEST_SPREAD_FACTOR * s && s <= MANIFEST_SPREAD_FACTOR * m)) return undefined;
  const factor = (sigma: number) => `x${Math.exp(sigma).toFixed(2)}`;
  return `time to manifest scatters within a step by ${factor(m)} (one sigma) measured, ${factor(s)} simulated: sub-second steps' node times follow it (the model draws each node's latency on its own; the measured nodes shared one machine)`;
}

const differs = (a: number, b: number, share: number) => Math.abs(a - b) > share * Math.max(a, b);

/**
 * Why a row may be off that no fitted rate can fix: per strategy and step, the model moved or unpacked
 * other work than the nodes did (a model.node.runtime other than the one the nodes ran, or images the GC
 * kept differently), a harness machine other processes kept busy, and times to manifest that scatter otherwise
 * within a step. `draws`: the simulated fleets, the scenario's own draw first (the work per node reads that one).
 */
export function calibrationCaveats(measured: MeasuredRun, draws: readonly MeasuredRun[], cpu: CpuFit | undefined): string[] {
  const caveats: string[] = [];
  const simulated = draws[0]!;
  const pairs = [...new Map(simulated.steps.map((s) => [stepKey(s), s] as const)).values()];
  for (const { strategy, step } of pairs) {
    const m = workPerNode(measured.samples, strategy, step);
    const s = workPerNode(simulated.samples, strategy, step);
    if (m === undefined || s === undefined) continue;
    if (differs(m.bytes, s.bytes, BYTES_TOLERANCE) && Math.abs(m.bytes - s.bytes) > BYTES_FLOOR) caveats.push(`${strategy} ${step}: a measured node downloaded ${formatBytes(m.bytes)}, a simulated one ${formatBytes(s.bytes)}: the model fetched other layers than the runtime did`);
    if (differs(m.unpacked, s.unpacked, LAYERS_TOLERANCE)) {
      caveats.push(`${strategy} ${step}: a measured node unpacked ${m.unpacked} layers, a simulated one ${s.unpacked}: check that model.node.runtime names the runtime the nodes ran`);
    }
  }
  if (cpu !== undefined && cpu.saturatedStepShare > 0.5) {
    caveats.push(`the harness machine was at least 90% busy in ${Math.round(cpu.saturatedStepShare * 100)}% of the measured steps (other processes took ${cpu.otherLoadCores.toFixed(1)} of ${cpu.harnessCores} cores): timings include waits for CPU the model does not have`);
  }
  const spread = manifestSpreadCaveat(measured, draws);
  if (spread !== undefined) caveats.push(spread);
  return caveats;
}
