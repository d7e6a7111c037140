import type { CpuWindow } from './cpu-sampler.ts';
import type { DiskWindow } from './diskstats-sampler.ts';
import { harnessCpuSaturated, harnessDiskSaturated, type RunWarning } from './samples.ts';
import { saturation } from './saturation.ts';

export interface HarnessWarningOptions {
  cpuThreshold?: number;
  /** Near 1: a disk is "busy" whenever one I/O is in flight, so only a nearly always busy disk is a bottleneck. */
  diskThreshold?: number;
  minShare?: number;
}

/**
 * Warnings for a run whose own machine, not the shipping under test, set the pace: CPU or disk saturated
 * for most of the window.
 */
export function harnessWarnings(
  windows: { cpu?: CpuWindow | undefined; disk?: DiskWindow | undefined },
  options: HarnessWarningOptions = {},
): RunWarning[] {
  const { cpuThreshold = 0.9, diskThreshold = 0.95, minShare = 0.5 } = options;
  const warnings: RunWarning[] = [];
  if (windows.cpu !== undefined) {
    const s = saturation(windows.cpu.series.utilisation, cpuThreshold, minShare);
    if (s.saturated) warnings.push(harnessCpuSaturated(s.share, cpuThreshold));
  }
  if (windows.disk !== undefined) {
    const s = saturation(windows.disk.series.utilisation, diskThreshold, minShare);
    if (s.saturated) warnings.push(harnessDiskSaturated(windows.disk.device, s.share, diskThreshold));
  }
  return warnings;
}
