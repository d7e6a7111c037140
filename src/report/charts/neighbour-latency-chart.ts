import { quantileSorted } from '../../stats/percentiles.ts';
import type { NeighboursResults } from '../neighbour-results.ts';
import { CHART_CONFIG, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

const BIN_SECONDS = 0.1;

/**
 * Neighbour latency over time around each measured step, the rollout window shaded: per neighbour (rows)
 * and strategy/step (columns), p50 and p99 of the requests due in each 100 ms, on seconds from the
 * baseline's start so the panels line up.
 */
export function neighbourLatencyChart(neighbours: NeighboursResults | undefined): Chart | undefined {
  const steps = (neighbours?.steps ?? []).filter((s) => s.series.tMs.length > 0);
  if (steps.length === 0) return undefined;
  const values: Array<Record<string, string | number>> = [];
  for (const s of steps) {
    const panel = `${s.strategy} · ${s.step}${s.repeat > 0 ? ` #${s.repeat}` : ''}`;
    const zeroMs = s.phases.baseline.startSeconds * 1000;
    values.push({
      layer: 'rollout',
      neighbour: s.neighbour,
      panel,
      from: s.phases.contention.startSeconds - s.phases.baseline.startSeconds,
      to: s.phases.contention.startSeconds + s.phases.contention.seconds - s.phases.baseline.startSeconds,
    });
    const bins = new Map<number, number[]>();
    s.series.tMs.forEach((t, i) => {
      const bin = Math.floor((t - zeroMs) / 1000 / BIN_SECONDS);
      const list = bins.get(bin) ?? [];
      list.push((s.series.latencyUs[i] ?? 0) / 1000);
      bins.set(bin, list);
    });
    for (const [bin, list] of bins) {
      // The same quantile definition as the neighbour tables (type 7), so chart and tables agree.
      list.sort((a, b) => a - b);
      values.push({ layer: 'latency', neighbour: s.neighbour, panel, t: bin * BIN_SECONDS, quantile: 'p50', ms: quantileSorted(list, 0.5) });
      values.push({ layer: 'latency', neighbour: s.neighbour, panel, t: bin * BIN_SECONDS, quantile: 'p99', ms: quantileSorted(list, 0.99) });
    }
  }
  return {
    name: 'neighbour-latency',
    title: 'Neighbour latency around each rollout',
    caption:
      'Latency of the co-located neighbours (http: from each request\'s intended send time; fio: completion latency) per 100 ms, p50 and p99, in seconds from the start of the baseline. The shaded band is the rollout; after it, the recovery shows how long the impact lasted.',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      facet: { row: { field: 'neighbour', type: 'nominal', title: 'neighbour' }, column: { field: 'panel', type: 'nominal', title: null } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 220,
        height: 140,
        layer: [
          {
            transform: [{ filter: "datum.layer === 'rollout'" }],
            mark: { type: 'rect', opacity: 0.15, color: '#e45756' },
            encoding: { x: { field: 'from', type: 'quantitative', title: 'seconds from baseline start' }, x2: { field: 'to' } },
          },
          {
            transform: [{ filter: "datum.layer === 'latency'" }],
            mark: { type: 'line', strokeWidth: 1 },
            encoding: {
              x: { field: 't', type: 'quantitative' },
              y: { field: 'ms', type: 'quantitative', scale: { type: 'symlog' }, title: 'latency (ms)' },
              color: { field: 'quantile', type: 'nominal', title: null },
            },
          },
        ],
      },
    },
  };
}
