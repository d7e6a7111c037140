import type { DeployVerdict } from '../deploy-verdict.ts';
import { CHART_CONFIG, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';

/** The verdict as a picture: per step and strategy, the ratio to the reference side, 1x drawn as a rule. */
export function verdictChart(verdict: DeployVerdict, steps: readonly string[]): Chart | undefined {
  const values = verdict.rows.flatMap((r) =>
    r.figures.filter((f) => Number.isFinite(f.ratio) && f.ratio > 0).map((f) => ({ step: r.step, strategy: r.candidate, metric: f.metric, ratio: f.ratio, significance: f.comparison.significant ? 'significant' : 'not significant (~)' })),
  );
  if (values.length === 0 || verdict.reference === undefined) return undefined;
  const ref = verdict.reference;
  return {
    name: 'deploy-verdict',
    title: `Each strategy against ${ref}, per deploy step`,
    caption: `Ratio strategy / ${ref} on a log scale: above the 1x rule the strategy moved more bytes or took longer than ${ref}, below it less. Faded bars are not significant.`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      facet: { column: { field: 'metric', type: 'nominal', sort: ['bytes per node', 'node time', 'makespan'], title: null } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: Math.max(160, 70 * steps.length),
        height: 200,
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              x: { field: 'step', type: 'nominal', sort: [...steps], title: 'deploy step', axis: { labelAngle: -30 } },
              xOffset: { field: 'strategy', type: 'nominal' },
              // Bars grow from the 1x line: a log scale has no zero, and up or down from 1x is the answer.
              y: { field: 'ratio', type: 'quantitative', scale: { type: 'log' }, title: `ratio to ${ref}` },
              y2: { datum: 1 },
              color: { field: 'strategy', type: 'nominal', title: 'strategy' },
              opacity: { field: 'significance', type: 'ordinal', sort: ['significant', 'not significant (~)'], scale: { domain: ['significant', 'not significant (~)'], range: [1, 0.35] }, title: 'difference', legend: { labelLimit: 220 } },
              tooltip: [{ field: 'strategy' }, { field: 'step' }, { field: 'metric' }, { field: 'ratio', format: '.2f' }, { field: 'significance' }],
            },
          },
          { mark: { type: 'rule', color: '#333' }, encoding: { y: { datum: 1 } } },
        ],
      },
    },
  };
}
