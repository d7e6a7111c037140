import { formatBytes, formatSeconds } from '../core/units.ts';
import type { Summary } from '../stats/summary.ts';

export type FigureUnit = 'seconds' | 'bytes';

export function formatFigure(value: number, unit: FigureUnit): string {
  if (!Number.isFinite(value)) return '-';
  return unit === 'seconds' ? formatSeconds(value) : formatBytes(value);
}

/** benchstat's shape: the median, then the 95% interval as ± the larger side's share of the median. */
export function formatMedianWithCi(summary: Summary, unit: FigureUnit): string {
  if (summary.count === 0) return '-';
  const median = formatFigure(summary.median, unit);
  const ci = summary.medianCi;
  if (ci === null) return `${median} (n=${summary.count})`;
  if (summary.median === 0) return `${median} [${formatFigure(ci.low, unit)}, ${formatFigure(ci.high, unit)}]`;
  const half = Math.max(summary.median - ci.low, ci.high - summary.median) / Math.abs(summary.median);
  return `${median} ±${formatPercent(half)}`;
}

export function formatPercent(share: number): string {
  const pct = share * 100;
  return `${Math.abs(pct) < 10 ? pct.toFixed(1) : pct.toFixed(0)}%`;
}

export function formatSignedPercent(share: number): string {
  return `${share > 0 ? '+' : share < 0 ? '' : '±'}${formatPercent(share)}`;
}
