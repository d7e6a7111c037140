import { formatBytes } from '../core/units.ts';
import { nodeDiskFigures } from '../report/node-disk-figures.ts';
import type { RunResults } from '../report/results.ts';
import { analyzeRun } from '../report/run-analysis.ts';
import { textTable } from './text-table.ts';

/** Disk held per node after each step and the image GC's churn, per strategy; '' when no sample has it. */
export function renderNodeDisk(results: RunResults): string {
  const figures = nodeDiskFigures(analyzeRun(results));
  if (figures.length === 0) return '';
  const rows = figures.map((f) => [f.strategy, f.step, formatBytes(f.heldBytes), formatBytes(f.gcFreedBytes), f.gcImagesRemoved.toFixed(1)]);
  return `Node disk after each step (median per node; GC churn: mean per node)\n${textTable(['strategy', 'step', 'held', 'GC freed', 'images removed'], rows, [2, 3, 4])}\n`;
}
