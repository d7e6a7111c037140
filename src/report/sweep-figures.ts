import { median } from '../stats/percentiles.ts';
import type { RunResults } from './results.ts';
import { analyzeRun } from './run-analysis.ts';
import type { PointFigures } from './sweep-results.ts';

/**
 * What a sweep keeps of one point's run: per strategy variant and step, the figures targets and charts read,
 * taken from the run's one analysis (run-analysis.ts) so a sweep's p99 is the report's p99.
 */
export function pointFigures(results: RunResults): PointFigures[] {
  const analysis = analyzeRun(results);
  return analysis.cells
    .filter((c) => c.makespanSeconds.count > 0)
    .map((c) => {
      const steps = analysis.measuredSteps.filter((s) => s.strategy === c.strategy && s.step === c.step);
      const egress = steps.map((s) => s.model?.tiers.find((t) => t.tier === 'registry')?.bytes ?? s.registryBytesServed);
      const bottleneck = steps.find((s) => s.model?.bottleneck !== undefined)?.model?.bottleneck;
      return {
        strategy: c.strategy,
        step: c.step,
        makespanSeconds: c.makespanSeconds.median,
        p50Seconds: c.nodeSeconds.p50,
        p90Seconds: c.nodeSeconds.p90,
        p99Seconds: c.nodeSeconds.p99,
        registryEgressBytes: median(egress),
        failedNodes: steps.reduce((n, s) => n + s.failedNodes, 0),
        ...(bottleneck === undefined ? {} : { bottleneck }),
      };
    });
}
