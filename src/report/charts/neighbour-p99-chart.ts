import type { NeighboursResults } from '../neighbour-results.ts';
import { CHART_CONFIG, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

/** Neighbour p99 during each rollout per strategy (image strategies and volume side by side), baseline p99 as a tick. */
export function neighbourP99Chart(neighbours: NeighboursResults | undefined): Chart | undefined {
  const steps = (neighbours?.steps ?? []).filter((s) => s.phases.contention.latencyMs !== null);
  if (steps.length === 0) return undefined;
  const strategies = [...new Set(steps.map((s) => s.strategy))];
  const stepNames = [...new Set(steps.map((s) => s.step))];
  const values = steps.map((s) => ({
    neighbour: s.neighbour,
    strategy: s.strategy,
    step: s.step,
    contention: s.phases.contention.latencyMs?.p99 ?? 0,
    baseline: s.phases.baseline.latencyMs?.p99 ?? 0,
    significant: s.slowdown.significant ? 'significant' : '~',
  }));
  return {
    name: 'neighbour-p99',
    title: 'Neighbour p99 latency during rollouts',
    caption: 'p99 latency of each neighbour while a step rolled out, per strategy side by side (bars), and alone just before (black ticks). Compare the code-in-image strategies with the volume side step by step.',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      facet: { row: { field: 'neighbour', type: 'nominal', title: 'neighbour' } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: { step: 36 },
        height: 180,
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              x: { field: 'step', type: 'nominal', sort: stepNames, title: 'deploy step', axis: { labelAngle: 0 } },
              xOffset: { field: 'strategy', type: 'nominal', sort: strategies },
              y: { field: 'contention', type: 'quantitative', title: 'p99 latency (ms)' },
              color: { field: 'strategy', type: 'nominal', sort: strategies, title: 'strategy' },
              tooltip: [{ field: 'strategy' }, { field: 'step' }, { field: 'contention', format: '.2f', title: 'rollout p99 ms' }, { field: 'baseline', format: '.2f', title: 'baseline p99 ms' }, { field: 'significant' }],
            },
          },
          {
            mark: { type: 'tick', color: 'black', thickness: 2 },
            encoding: {
              x: { field: 'step', type: 'nominal', sort: stepNames },
              xOffset: { field: 'strategy', type: 'nominal', sort: strategies },
              y: { field: 'baseline', type: 'quantitative' },
            },
          },
        ],
      },
    },
  };
}
