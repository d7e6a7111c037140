import type { CadenceResults } from '../metrics/cadence-results.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { median } from '../stats/percentiles.ts';
import type { RunAnalysis } from './run-analysis.ts';

/** One strategy's (or the volume side's) week under the run's build cadence. */
export interface CadenceWeek {
  readonly strategy: string;
  /** Deploys after the initial rollout: one per build. */
  readonly deploys: number;
  /** What one node received over those deploys (median per step, summed). */
  readonly bytesPerNode: number;
  /** Per merge (the initial rollout left out): merge to every node serving it, in seconds. */
  readonly latencies: ReadonlyArray<{ readonly merge: string; readonly seconds: number }>;
}

/** A step's deploy time: its parts' total when measured, else its rollout (simulated steps). */
const deploySeconds = (s: StepResult): number => s.deploy?.total ?? s.makespanSeconds;

/**
 * The week per strategy: each build starts at its slot (or when the deploy before it is done: deploys do not
 * overlap), and a merge is served when its build's deploy is done. Steps without measured results are skipped.
 */
export function cadenceWeeks(cadence: CadenceResults, analysis: RunAnalysis): CadenceWeek[] {
  const order = [...new Set(cadence.merges.map((m) => m.step))];
  const initialStep = cadence.merges.find((m) => m.kind === 'initial')?.step;
  return analysis.strategies.flatMap((strategy): CadenceWeek[] => {
    const stepsOf = (step: string) => analysis.measuredSteps.filter((s) => s.strategy === strategy && s.step === step);
    if (!order.some((step) => stepsOf(step).length > 0)) return [];
    let servedAt = 0;
    let deploys = 0;
    let bytesPerNode = 0;
    const latencies: Array<{ merge: string; seconds: number }> = [];
    for (const step of order) {
      const results = stepsOf(step);
      if (results.length === 0) continue;
      const merges = cadence.merges.filter((m) => m.step === step);
      const start = Math.max(servedAt, ...merges.map((m) => m.buildAtSeconds));
      servedAt = start + median(results.map(deploySeconds));
      if (step === initialStep) continue;
      deploys++;
      bytesPerNode += median(results.map((s) => s.bytesDownloaded / Math.max(1, s.nodes)));
      for (const m of merges) latencies.push({ merge: m.name, seconds: servedAt - m.atSeconds });
    }
    return [{ strategy, deploys, bytesPerNode, latencies }];
  });
}
