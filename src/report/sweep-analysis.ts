import { kneeIndex } from '../stats/knee.ts';
import type { PointFigures, SweepResults } from './sweep-results.ts';

/** The figures a sweep charts against each swept key. */
export const SWEEP_METRICS = [
  { name: 'makespan', label: 'makespan', value: (f: PointFigures) => f.makespanSeconds },
  { name: 'p99', label: 'p99 node time', value: (f: PointFigures) => f.p99Seconds },
] as const;

/** One point's figures for one variant and step, with its place on each axis: what tables and charts draw. */
export interface SweepRow {
  readonly index: number;
  readonly values: Readonly<Record<string, unknown>>;
  readonly probe: boolean;
  readonly figures: PointFigures;
}

export interface Knee {
  readonly key: string;
  readonly strategy: string;
  readonly step: string;
  readonly metric: string;
  /** The other swept keys' values along this curve. */
  readonly others: string;
  readonly value: unknown;
}

export function sweepRows(results: SweepResults): SweepRow[] {
  return results.points.flatMap((p) => p.figures.map((figures) => ({ index: p.index, values: p.values, probe: p.probe, figures })));
}

/** A label for the other swept keys' values: curves along `key` are drawn one per combination of the others. */
export function otherValues(row: SweepRow, key: string): string {
  return Object.entries(row.values)
    .filter(([k]) => k !== key)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

/** Where, along each numeric key, one more step stops buying 10% of the metric (per variant, step and metric). */
export function sweepKnees(results: SweepResults): Knee[] {
  const rows = sweepRows(results);
  const knees: Knee[] = [];
  for (const axis of results.axes.filter((a) => a.scale !== 'list')) {
    const curves = new Map<string, SweepRow[]>();
    for (const r of rows) {
      const id = JSON.stringify([r.figures.strategy, r.figures.step, otherValues(r, axis.key)]);
      curves.set(id, [...(curves.get(id) ?? []), r]);
    }
    for (const curve of curves.values()) {
      const sorted = [...new Map(curve.map((r) => [Number(r.values[axis.key]), r])).values()].sort((a, b) => Number(a.values[axis.key]) - Number(b.values[axis.key]));
      const first = sorted[0];
      if (first === undefined) continue;
      for (const metric of SWEEP_METRICS) {
        const i = kneeIndex(sorted.map((r) => Number(r.values[axis.key])), sorted.map((r) => metric.value(r.figures)), axis.scale === 'log' ? 'log' : 'linear');
        if (i === undefined) continue;
        knees.push({ key: axis.key, strategy: first.figures.strategy, step: first.figures.step, metric: metric.name, others: otherValues(first, axis.key), value: sorted[i]?.values[axis.key] });
      }
    }
  }
  return knees;
}
