import { performance } from 'node:perf_hooks';
import { harnessWarnings } from '../metrics/harness-warnings.ts';
import type { NodeStepSample, RunWarning } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import type { Phase, RunResults } from '../report/results.ts';
import { ResultsWriter } from '../report/results-writer.ts';
import { measuredSamples } from '../report/run-analysis.ts';
import { measurementWarnings } from '../stats/measurement-warnings.ts';
import type { RunEvent } from './run-events.ts';

/** How a run ended, for its final status. */
export interface RunOutcome {
  readonly aborted: boolean;
  /** Why rollouts stopped early (every node of a step failed), in order. */
  readonly stopped: readonly string[];
  /** Thrown by a phase; the run failed (or was interrupted) there. */
  readonly error?: unknown;
}

// Samples arrive node by node; results.json is rewritten at most this often between completed steps.
const SAMPLE_PERSIST_MS = 1000;

/**
 * The one owner of a run's results.json: phases (timed and persisted as each completes), samples (recorded
 * the moment each node is done), steps, warnings and the final status. Every write replaces the file
 * atomically, and writes never overlap, so a crash or Ctrl-C keeps everything measured up to then.
 */
export class RunRecorder {
  readonly results: RunResults;
  private readonly writer: ResultsWriter;
  private current: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    path: string,
    results: RunResults,
    private readonly options: { readonly runStartMs: number; readonly firstPhase: string; readonly onEvent: (event: RunEvent) => void },
  ) {
    this.writer = new ResultsWriter(path);
    this.results = results;
    this.current = options.firstPhase;
  }

  /** The phase a failure is blamed on. */
  get phaseName(): string {
    return this.current;
  }

  /** From now on, a failure is blamed on `name` (an untimed stretch, like the rollout). */
  enter(name: string): void {
    this.current = name;
  }

  /** A phase is timed, recorded and persisted as soon as it completes. */
  async phase<T>(name: string, work: () => Promise<{ details: Phase['details']; value: T }>): Promise<T> {
    this.current = name;
    const t0 = performance.now();
    this.options.onEvent({ type: 'phase', name, detail: 'started' });
    const { details, value } = await work();
    this.results.phases.push({ name, startedSeconds: (t0 - this.options.runStartMs) / 1000, seconds: (performance.now() - t0) / 1000, details });
    await this.persist();
    return value;
  }

  /** A node's sample, kept the moment it is done; on disk within a second. */
  sample(sample: NodeStepSample): void {
    this.results.samples.push(sample);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.persist().catch(() => undefined);
    }, SAMPLE_PERSIST_MS).unref();
  }

  /** A completed step (its samples were recorded one by one), with the harness's saturation warnings. */
  async step(result: StepResult): Promise<void> {
    this.results.steps.push(result);
    for (const w of harnessWarnings({ cpu: result.cpu, disk: result.disk })) this.warnOnce(w);
    await this.persist();
  }

  /** A warning of a kind not yet recorded. */
  warnOnce(warning: RunWarning): void {
    if (!this.results.warnings.some((w) => w.kind === warning.kind)) this.results.warnings.push(warning);
  }

  /** Writes the results as they are now, after any write under way (the writer keeps its writes in order). */
  persist(): Promise<void> {
    return this.writer.write(this.results);
  }

  /** The final status: interrupted, failed (where and why) or completed; measurement warnings are data too. */
  async finish(outcome: RunOutcome): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const results = this.results;
    // Measurement warnings (too few samples, disagreeing repeats, a cold first repeat) are data too.
    for (const w of measurementWarnings(measuredSamples(results))) results.warnings.push(w);
    if (outcome.aborted) {
      results.status = 'interrupted';
      if (outcome.error !== undefined) results.failure = { phase: this.current, message: messageOf(outcome.error) };
    } else if (outcome.error !== undefined) {
      results.status = 'failed';
      results.failure = { phase: this.current, message: messageOf(outcome.error) };
    } else if (results.steps.some((s) => s.failedNodes > 0)) {
      results.status = 'failed';
      const failed = results.samples.filter((s) => s.error !== undefined).length;
      results.failure = { phase: this.current, message: outcome.stopped.length === 0 ? `${failed} node deploys failed` : `stopped: ${outcome.stopped.join('; ')}` };
    } else {
      results.status = 'completed';
    }
    await this.persist();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
