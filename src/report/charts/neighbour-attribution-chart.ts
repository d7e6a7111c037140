import type { NeighboursResults } from '../neighbour-results.ts';
import { CHART_CONFIG, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

const PARTS = ['CPU wait', 'I/O wait', 'service + queueing'] as const;

/**
 * Each neighbour's mean latency per operation, baseline and rollout side by side per step, stacked into
 * CPU wait, I/O wait and the rest: a slow-down that is mostly CPU wait with shared CPUs is the harness's,
 * one that is I/O wait is the disk's.
 */
export function neighbourAttributionChart(neighbours: NeighboursResults | undefined): Chart | undefined {
  const steps = (neighbours?.steps ?? []).filter((s) => s.attribution !== undefined);
  if (neighbours === undefined || steps.length === 0) return undefined;
  const values = steps.flatMap((s) => {
    const a = s.attribution as NonNullable<typeof s.attribution>;
    return (['baseline', 'rollout'] as const).flatMap((phase) => {
      const p = phase === 'baseline' ? a.phases.baseline : a.phases.contention;
      const ms = [p.cpuWaitMsPerOp ?? 0, p.ioWaitMsPerOp ?? 0, p.serviceMsPerOp ?? 0];
      const latency = p.meanLatencyMs ?? 0;
      return PARTS.map((part, i) => ({ neighbour: s.neighbour, step: `${s.strategy} ${s.step}`, phase, part, order: i, ms: ms[i] as number, latency, cause: a.slowdown.cause }));
    });
  });
  const stepNames = [...new Set(values.map((v) => v.step))];
  const isolation = neighbours.isolation === undefined ? 'shared CPUs' : `isolation ${neighbours.isolation.mode}`;
  return {
    name: 'neighbour-attribution',
    title: 'What the neighbours waited for',
    caption: `Mean latency per operation of each neighbour, just before each rollout (left bar) and during it (right bar), split into CPU wait, I/O wait and the rest (${isolation}). The black tick is the mean latency: waits are the neighbour's totals per operation, so a wait outside its operations (fio between rate-limited I/Os, http between requests) can reach above it. CPU wait growing with shared CPUs is the harness's CPU, not the node's disk; I/O wait growing is the disk the rollout shares.${neighbours.isolation?.stallsMeasured === true || neighbours.isolation?.ioWaitMeasured === true ? '' : ' I/O wait was not counted on this kernel: it is inside the rest.'}`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      facet: { row: { field: 'neighbour', type: 'nominal', title: 'neighbour' } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: { step: 56 },
        height: 180,
        encoding: {
          x: { field: 'step', type: 'nominal', sort: stepNames, title: 'strategy and deploy step (left: baseline, right: rollout)', axis: { labelAngle: -20 } },
          xOffset: { field: 'phase', type: 'nominal', sort: ['baseline', 'rollout'] },
        },
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              y: { field: 'ms', type: 'quantitative', stack: 'zero', title: 'ms per operation' },
              color: { field: 'part', type: 'nominal', sort: [...PARTS], scale: { domain: [...PARTS], range: ['#d62728', '#1f77b4', '#c7c7c7'] }, title: 'part' },
              order: { field: 'order', type: 'quantitative' },
              tooltip: [{ field: 'step' }, { field: 'phase' }, { field: 'part' }, { field: 'ms', format: '.2f', title: 'ms per operation' }, { field: 'latency', format: '.2f', title: 'mean latency ms' }, { field: 'cause', title: 'slow-down caused by' }],
            },
          },
          {
            mark: { type: 'tick', color: 'black', thickness: 2 },
            transform: [{ filter: "datum.order == 0" }],
            encoding: { y: { field: 'latency', type: 'quantitative' } },
          },
        ],
      },
    },
  };
}
