import { z } from 'zod';
import { quantile } from '../stats/percentiles.ts';
import { repeatKey, stepKey } from '../metrics/step-key.ts';
import type { RunResults } from './results.ts';

/**
 * One figure `check` can hold to a budget: a metric's value for one strategy and step (or image). Image
 * figures and results figures become the same rows, so budgets, baselines and reports treat them alike.
 */
export const measurementSchema = z.object({
  metric: z.string(),
  /** Layer strategy (a scenario's, an OCI layout dir's name), or '' when the source has none. */
  strategy: z.string(),
  /** Deploy step or image tag. */
  step: z.string(),
  value: z.number(),
  /** Derived rather than read (a docker-archive's compressed sizes, gzipped here to count them). */
  estimated: z.boolean().optional(),
});
export type Measurement = z.infer<typeof measurementSchema>;

/** Per strategy and step, over measured repeats only (warmups are kept in results but not judged). */
export function measurementsFromResults(results: RunResults): Measurement[] {
  const warmup = new Set(results.steps.filter((s) => s.warmup).map(repeatKey));
  const groups = new Map<string, { strategy: string; step: string; steps: RunResults['steps']; seconds: number[] }>();
  const group = (strategy: string, step: string) => {
    const k = stepKey({ strategy, step });
    let g = groups.get(k);
    if (g === undefined) {
      g = { strategy, step, steps: [], seconds: [] };
      groups.set(k, g);
    }
    return g;
  };
  for (const s of results.steps) if (!s.warmup) group(s.strategy, s.step).steps.push(s);
  for (const sample of results.samples) {
    if (warmup.has(repeatKey(sample))) continue;
    group(sample.strategy, sample.step).seconds.push(sample.totalSeconds);
  }
  const out: Measurement[] = [];
  for (const g of groups.values()) {
    const at = { strategy: g.strategy, step: g.step };
    if (g.seconds.length > 0) out.push({ metric: 'p99-node-seconds', ...at, value: quantile(g.seconds, 0.99) });
    if (g.steps.length > 0) {
      out.push({ metric: 'makespan-seconds', ...at, value: Math.max(...g.steps.map((s) => s.makespanSeconds)) });
      const totals = g.steps.flatMap((s) => (s.deploy === undefined ? [] : [s.deploy.total]));
      if (totals.length > 0) out.push({ metric: 'deploy-total-seconds', ...at, value: Math.max(...totals) });
      out.push({ metric: 'registry-egress-bytes', ...at, value: Math.max(...g.steps.map((s) => s.registryBytesServed)) });
      out.push({ metric: 'failed-nodes', ...at, value: g.steps.reduce((n, s) => n + s.failedNodes, 0) });
      const perGiB = g.steps.flatMap((s) => (s.registry?.cpuSecondsPerGiB == null ? [] : [s.registry.cpuSecondsPerGiB]));
      if (perGiB.length > 0) out.push({ metric: 'registry-cpu-seconds-per-gib', ...at, value: Math.max(...perGiB) });
    }
  }
  out.push(...neighbourMeasurements(results));
  return out;
}

/** The worst neighbour's p99 slow-down per strategy and step (crashed neighbours and empty phases have none). */
function neighbourMeasurements(results: RunResults): Measurement[] {
  const worst = new Map<string, Measurement>();
  for (const s of results.neighbours?.steps ?? []) {
    if (s.status !== 'measured' || s.p99Ratio === null) continue;
    const k = stepKey(s);
    const seen = worst.get(k);
    if (seen === undefined || s.p99Ratio > seen.value) worst.set(k, { metric: 'neighbour-p99-slowdown', strategy: s.strategy, step: s.step, value: s.p99Ratio });
  }
  return [...worst.values()];
}
