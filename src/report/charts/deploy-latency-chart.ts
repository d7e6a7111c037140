import { DEPLOY_PART_NAMES, deployLatencyRows } from '../deploy-latency.ts';
import type { RunAnalysis } from '../run-analysis.ts';
import { CHART_CONFIG, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

/** Deploy latency per step and mechanism as a stacked bar of its parts (build, push, rollout; prep, sync). */
export function deployLatencyChart(analysis: RunAnalysis): Chart | undefined {
  const rows = deployLatencyRows(analysis);
  const values = rows.flatMap((r) => r.parts.map((p) => ({ strategy: r.strategy, step: r.step, part: p.part, order: DEPLOY_PART_NAMES.indexOf(p.part), seconds: p.seconds })));
  if (values.length === 0) return undefined;
  return {
    name: 'deploy-latency',
    title: 'Deploy latency per step, by part',
    caption:
      'Seconds from the step\'s code to every node serving it, median over repeats, one bar per strategy (and the volume side), stacked by part: image build, push and rollout; volume prep and sync. A tall build or push bar is paid before any node sees the change.',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      width: { step: 28 },
      height: 240,
      mark: { type: 'bar' },
      encoding: {
        // One panel per step, one bar per strategy in it: every bar is labelled with what it measured.
        column: { field: 'step', type: 'nominal', sort: [...analysis.steps], title: 'deploy step', header: { labelOrient: 'bottom', titleOrient: 'bottom' } },
        x: { field: 'strategy', type: 'nominal', sort: [...analysis.strategies], title: null, axis: { labelAngle: -40 } },
        y: { field: 'seconds', type: 'quantitative', stack: 'zero', title: 'seconds' },
        color: { field: 'part', type: 'nominal', sort: [...DEPLOY_PART_NAMES], title: 'part' },
        order: { field: 'order', type: 'quantitative' },
        tooltip: [{ field: 'strategy' }, { field: 'step' }, { field: 'part' }, { field: 'seconds', format: '.3f' }],
      },
    },
  };
}
