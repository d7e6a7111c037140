import type { NodeStepSample } from '../metrics/samples.ts';
import { median } from '../stats/percentiles.ts';
import type { RunAnalysis } from './run-analysis.ts';

/** One strategy's node disk after one step: median over its nodes and measured repeats, GC churn per node. */
export interface NodeDiskFigure {
  readonly strategy: string;
  readonly step: string;
  readonly heldBytes: number;
  /** Mean bytes the image GC freed per node (0 on the volume side, which keeps one tree). */
  readonly gcFreedBytes: number;
  /** Mean images the GC removed per node. */
  readonly gcImagesRemoved: number;
}

/** Bytes a node holds after a step: its images (virtual nodes), or the synced tree (the volume side: rsync's total file size). */
export function heldBytesOf(sample: NodeStepSample): number | undefined {
  return sample.nodeDisk?.heldBytes ?? sample.volume?.rsync?.totalFileBytes;
}

/** Per strategy and step, in the report's order; steps with no disk figure are left out. */
export function nodeDiskFigures(analysis: RunAnalysis): NodeDiskFigure[] {
  return analysis.cells.flatMap((cell) => {
    const held = cell.samples.flatMap((s) => {
      const b = heldBytesOf(s);
      return b === undefined ? [] : [b];
    });
    if (held.length === 0) return [];
    const n = cell.samples.length;
    const sum = (f: (s: NodeStepSample) => number) => cell.samples.reduce((t, s) => t + f(s), 0) / Math.max(1, n);
    return [{
      strategy: cell.strategy,
      step: cell.step,
      heldBytes: median(held),
      gcFreedBytes: sum((s) => s.nodeDisk?.gcFreedBytes ?? 0),
      gcImagesRemoved: sum((s) => s.nodeDisk?.gcImagesRemoved ?? 0),
    }];
  });
}
