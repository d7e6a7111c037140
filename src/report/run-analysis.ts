import type { NodeStepSample, RunWarning } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { measurementWarnings } from '../stats/measurement-warnings.ts';
import { median } from '../stats/percentiles.ts';
import { summarize, type Summary } from '../stats/summary.ts';
import type { RunResults } from './results.ts';
import { repeatKey } from '../metrics/step-key.ts';

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
  readonly filesWrittenPerNode: Summary;
  /** What the registry (image) or the proxies (volume) served, one value per repeat. */
  readonly servedBytes: Summary;
  readonly peakBytesPerSecond: number;
  readonly retries: number;
  /** How long the fleet served two versions; undefined in results without it. */
  readonly skew: StepSkew | undefined;
  /** The volume side's egress; undefined for an image strategy. */
  readonly volumeEgress: VolumeEgress | undefined;
}

export interface StepSkew {
  /** First node done to last node done, one value per repeat. */
  readonly windowSeconds: Summary;
  readonly atomicPerNode: boolean;
  /** Volume only: the longest per-node mixed-version window seen in any repeat. */
  readonly perNodeMixedMaxSeconds: number | undefined;
}

export interface VolumeEgress {
  /** What the master sent the proxies, median over repeats. */
  readonly masterBytes: number;
  /** Per proxy, median egress over repeats. */
  readonly proxies: ReadonlyArray<{ readonly proxy: string; readonly bytes: number }>;
  readonly failovers: number;
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
  const warm = new Set(results.steps.filter((s) => s.warmup).map((s) => repeatKey(s)));
  return results.samples.filter((s) => !warm.has(repeatKey(s)));
}

const unique = (values: readonly string[]) => [...new Set(values)];

const warningKey = (w: RunWarning) => JSON.stringify([w.kind, 'step' in w ? w.step : '', 'strategy' in w ? w.strategy : '']);

function skewOf(stepResults: readonly StepResult[]): StepSkew | undefined {
  const skews = stepResults.flatMap((r) => (r.versionSkew === undefined ? [] : [r.versionSkew]));
  if (skews.length === 0) return undefined;
  const mixed = skews.flatMap((k) => (k.perNodeMixedSeconds === undefined ? [] : [k.perNodeMixedSeconds.max]));
  return {
    windowSeconds: summarize(skews.map((k) => k.windowSeconds)),
    atomicPerNode: skews[0]!.atomicPerNode,
    perNodeMixedMaxSeconds: mixed.length === 0 ? undefined : Math.max(...mixed),
  };
}

function volumeEgressOf(stepResults: readonly StepResult[]): VolumeEgress | undefined {
  const volumes = stepResults.flatMap((r) => (r.volume === undefined ? [] : [r.volume]));
  if (volumes.length === 0) return undefined;
  const proxies = [...new Set(volumes.flatMap((v) => v.proxies.map((p) => p.proxy)))];
  return {
    masterBytes: median(volumes.map((v) => v.masterEgressBytes)),
    proxies: proxies.map((proxy) => ({ proxy, bytes: median(volumes.map((v) => v.proxies.find((p) => p.proxy === proxy)?.egressBytes ?? 0)) })),
    failovers: volumes.reduce((k, v) => k + v.failovers, 0),
  };
}

/** Registry bytes for an image step, the proxies' egress for a volume step. */
const servedBytes = (s: StepResult) => (s.volume === undefined ? s.registryBytesServed : s.volume.proxies.reduce((k, p) => k + p.egressBytes, 0));

/**
 * Groups a run by strategy and step and summarizes each group: THE view model every exporter renders (the
 * verdict, report.md/html, charts, summary.md's matrix through comparisonMatrix, comparisons, sweeps), so
 * no figure is computed twice.
 */
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
        filesWrittenPerNode: summarize(ok.map((s) => s.filesWritten)),
        servedBytes: summarize(stepResults.map(servedBytes)),
        peakBytesPerSecond: Math.max(0, ...stepResults.flatMap((s) => s.throughput.points.map((p) => p.value))),
        retries: stepResults.reduce((n, s) => n + s.retries, 0),
        skew: skewOf(stepResults),
        volumeEgress: volumeEgressOf(stepResults),
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
