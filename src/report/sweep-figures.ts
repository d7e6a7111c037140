import { median, quantileSorted } from '../stats/percentiles.ts';
import type { RunResults } from './results.ts';
import type { PointFigures } from './sweep-results.ts';

/** What a sweep keeps of one point's run: per strategy variant and step, the figures targets and charts read. */
export function pointFigures(results: RunResults): PointFigures[] {
  const measured = results.steps.filter((s) => !s.warmup);
  const keys = [...new Map(measured.map((s) => [`${s.strategy}\u0000${s.step}`, { strategy: s.strategy, step: s.step }])).values()];
  return keys.map(({ strategy, step }) => {
    const steps = measured.filter((s) => s.strategy === strategy && s.step === step);
    const repeats = new Set(steps.map((s) => s.repeat));
    const times = results.samples
      .filter((s) => s.strategy === strategy && s.step === step && repeats.has(s.repeat) && s.error === undefined)
      .map((s) => s.totalSeconds)
      .sort((a, b) => a - b);
    const egress = steps.map((s) => s.model?.tiers.find((t) => t.tier === 'registry')?.bytes ?? s.registryBytesServed);
    const bottleneck = steps.find((s) => s.model?.bottleneck !== undefined)?.model?.bottleneck;
    return {
      strategy,
      step,
      makespanSeconds: median(steps.map((s) => s.makespanSeconds)),
      p50Seconds: quantileSorted(times, 0.5),
      p90Seconds: quantileSorted(times, 0.9),
      p99Seconds: quantileSorted(times, 0.99),
      registryEgressBytes: median(egress),
      failedNodes: steps.reduce((n, s) => n + s.failedNodes, 0),
      ...(bottleneck === undefined ? {} : { bottleneck }),
    };
  });
}
