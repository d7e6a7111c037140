import type { StepResult } from '../metrics/step-result.ts';
import { median } from '../stats/percentiles.ts';
import { fitTwoRates } from './non-negative-fit.ts';

/** A step whose machine was at least this busy measured the harness machine as much as the shipping. */
const SATURATED_UTILISATION = 0.9;

/**
 * The harness machine's CPU over a real run, as a model with CPU as a resource takes it: virtual nodes are
 * one process on the machine's cores, so those cores (less what other processes took) are a capacity every
 * node's decompression, hashing and unpack shares. The lead wires these into the runtime model's CPU
 * resource: `harnessCores` - `otherLoadCores` as the shared core count, and the two costs as CPU seconds per
 * byte written (blob hashed and stored, layer decompressed and written) and per file created.
 */
export interface CpuFit {
  readonly harnessCores: number;
  /** Median over steps of the cores other processes kept busy (machine busy share x cores - shipbench's own - its registry's). */
  readonly otherLoadCores: number;
  /** Median over steps of the embedded registry's cores (0 when it is not ours to measure). */
  readonly registryBusyCores: number;
  /** Median over steps of shipbench's own cores (CPU seconds per wall second). */
  readonly harnessBusyCores: number;
  /** Shipbench's CPU seconds per byte its nodes wrote to disk (blobs and unpacked files). */
  readonly cpuSecondsPerByteWritten: number;
  readonly cpuSecondsPerFile: number;
  /** Share of steps whose machine was at least 90% busy: above a few, the calibration measured the harness. */
  readonly saturatedStepShare: number;
}

/** At least this share of steps had the machine SATURATED_UTILISATION busy: the run measured its harness. */
const HARNESS_BOUND_STEP_SHARE = 0.5;

/**
 * The cores a harness-bound run's virtual nodes and registry shared (what other processes left, at least
 * one), for model.harness.cores; undefined on a run that was not harness-bound.
 */
export function harnessBoundCores(cpu: CpuFit): number | undefined {
  return cpu.saturatedStepShare < HARNESS_BOUND_STEP_SHARE ? undefined : freeCores(cpu);
}

/** The cores other processes left on the measured machine, at least one. */
export function freeCores(cpu: CpuFit): number {
  return Math.max(1, cpu.harnessCores - cpu.otherLoadCores);
}

const registryCores = (s: StepResult) => (s.registry?.process === undefined || s.registry.seconds <= 0 ? 0 : s.registry.process.cpuSeconds / s.registry.seconds);

export function fitHarnessCpu(steps: readonly StepResult[]): CpuFit | undefined {
  const sampled = steps.filter((s) => s.cpu.samples > 1 && s.cpu.cpus > 0 && s.cpu.endSeconds > s.cpu.startSeconds);
  if (sampled.length === 0) return undefined;
  const cpuSeconds = (s: StepResult) => s.cpu.process.userSeconds + s.cpu.process.systemSeconds;
  const fit = fitTwoRates(sampled.map((s) => ({ x1: s.bytesWrittenToDisk, x2: s.filesWritten, y: cpuSeconds(s) })));
  return {
    harnessCores: Math.max(...sampled.map((s) => s.cpu.cpus)),
    otherLoadCores: median(sampled.map((s) => Math.max(0, s.cpu.utilisation * s.cpu.cpus - s.cpu.process.cores - registryCores(s)))),
    registryBusyCores: median(sampled.map(registryCores)),
    harnessBusyCores: median(sampled.map((s) => s.cpu.process.cores)),
    cpuSecondsPerByteWritten: fit.a,
    cpuSecondsPerFile: fit.b,
    saturatedStepShare: sampled.filter((s) => s.cpu.utilisation >= SATURATED_UTILISATION).length / sampled.length,
  };
}
