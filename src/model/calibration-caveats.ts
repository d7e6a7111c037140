import { formatBytes } from '../core/units.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import { median } from '../stats/percentiles.ts';
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

const differs = (a: number, b: number, share: number) => Math.abs(a - b) > share * Math.max(a, b);

/**
 * Why a row may be off that no fitted rate can fix: per strategy and step, the model moved or unpacked
 * other work than the nodes did (a model.node.runtime other than the one the nodes ran, or images the GC
 * kept differently), and a harness machine other processes kept busy.
 */
export function calibrationCaveats(measured: MeasuredRun, simulated: MeasuredRun, cpu: CpuFit | undefined): string[] {
  const caveats: string[] = [];
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
  return caveats;
}
