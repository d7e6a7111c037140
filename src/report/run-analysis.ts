import type { NodeStepSample, RunWarning } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { measurementWarnings } from '../stats/measurement-warnings.ts';
import { summarize, type Summary } from '../stats/summary.ts';
import type { RunResults } from './results.ts';

/** What one strategy (a layer strategy, or `volume`) did at one deploy step over the measured repeats. */
export interface StepCell {
  readonly strategy: string;
  readonly step: string;
  /** Successful node samples of measured repeats. */
  readonly samples: readonly NodeStepSample[];
  readonly nodeDeploys: number;
  readonly failedNodeDeploys: number;
  readonly repeats: number;
  /** Per-node completion seconds. */
  readonly nodeSeconds: Summary;
  /** First node start to last node end, one value per repeat. */
  readonly makespanSeconds: Summary;
  readonly bytesDownloadedPerNode: Summary;
  readonly bytesWrittenPerNode: Summary;
  /** Everything the fleet downloaded in the step, one value per repeat. */
  readonly fleetBytesDownloaded: Summary;
  readonly registryBytesServed: Summary;
  readonly peakBytesPerSecond: number;
  readonly retries: number;
}

export interface RunAnalysis {
  /** In first-seen order, so a report's columns follow the scenario. */
  readonly strategies: readonly string[];
  readonly steps: readonly string[];
  readonly cells: readonly StepCell[];
  /** Stored warnings and those derived from the samples, each once. */
  readonly warnings: readonly RunWarning[];
  readonly measuredSteps: readonly StepResult[];
}

/** Warmup repeats are kept in results but left out of statistics; a sample belongs to its step's repeat. */
export function measuredSamples(results: RunResults): NodeStepSample[] {
  const warm = new Set(results.steps.filter((s) => s.warmup).map((s) => `${s.strategy}\u0000${s.step}\u0000${s.repeat}`));
  return results.samples.filter((s) => !warm.has(`${s.strategy}\u0000${s.step}\u0000${s.repeat}`));
}

const unique = (values: readonly string[]) => [...new Set(values)];

const warningKey = (w: RunWarning) => JSON.stringify([w.kind, 'step' in w ? w.step : '', 'strategy' in w ? w.strategy : '']);

/** Groups a run by strategy and step and summarizes each group: what every exporter renders. */
export function analyzeRun(results: RunResults): RunAnalysis {
  const samples = measuredSamples(results);
  const measuredSteps = results.steps.filter((s) => !s.warmup);
  const strategies = unique([...results.steps.map((s) => s.strategy), ...results.samples.map((s) => s.strategy)]);
  const steps = unique([...results.steps.map((s) => s.step), ...results.samples.map((s) => s.step)]);
  const cells: StepCell[] = [];
  for (const strategy of strategies) {
    for (const step of steps) {
      const mine = samples.filter((s) => s.strategy === strategy && s.step === step);
      const stepResults = measuredSteps.filter((s) => s.strategy === strategy && s.step === step);
      if (mine.length === 0 && stepResults.length === 0) continue;
      const ok = mine.filter((s) => s.error === undefined);
      cells.push({
        strategy,
        step,
        samples: ok,
        nodeDeploys: mine.length,
        failedNodeDeploys: mine.length - ok.length,
        repeats: new Set(mine.map((s) => s.repeat)).size,
        nodeSeconds: summarize(ok.map((s) => s.totalSeconds)),
        makespanSeconds: summarize(stepResults.map((s) => s.makespanSeconds)),
        bytesDownloadedPerNode: summarize(ok.map((s) => s.bytesDownloaded)),
        bytesWrittenPerNode: summarize(ok.map((s) => s.bytesWrittenToDisk)),
        fleetBytesDownloaded: summarize(stepResults.map((s) => s.bytesDownloaded)),
        registryBytesServed: summarize(stepResults.map((s) => s.registryBytesServed)),
        peakBytesPerSecond: Math.max(0, ...stepResults.flatMap((s) => s.throughput.points.map((p) => p.value))),
        retries: stepResults.reduce((n, s) => n + s.retries, 0),
      });
    }
  }
  const seen = new Set(results.warnings.map(warningKey));
  const derived = measurementWarnings(samples).filter((w) => !seen.has(warningKey(w)));
  return { strategies, steps, cells, warnings: [...results.warnings, ...derived], measuredSteps };
}

export function findCell(analysis: RunAnalysis, strategy: string, step: string): StepCell | undefined {
  return analysis.cells.find((c) => c.strategy === strategy && c.step === step);
}
