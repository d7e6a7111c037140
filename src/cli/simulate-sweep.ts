import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { ShipbenchError } from '../core/errors.ts';
import { SerialQueue } from '../core/serial-queue.ts';
import { searchThreshold, type ThresholdAnswer } from '../model/threshold-search.ts';
import { readResultsFile } from '../report/read-results.ts';
import { pointFigures } from '../report/sweep-figures.ts';
import { sweepExporters } from '../report/sweep-report.ts';
import { SWEEP_SCHEMA, type PointFigures, type SweepPoint, type SweepResults, type TargetAnswer } from '../report/sweep-results.ts';
import { checkOverriddenScenario } from './scenario-with-overrides.ts';
import { sharedFleetPlan, SWEEP_PLANS_ENV } from './sweep-plan-cache.ts';
import { SweepPointPool } from './sweep-point-pool.ts';
import { writeExports } from './write-exports.ts';
import { meetsTarget, type SweepTarget } from '../scenario/sweep-target.ts';
import type { ScenarioOverride, SweepAxis } from '../scenario/scenario-overrides.ts';

/**
 * `simulate FILE --sweep KEY=...`: every point of the cartesian product of the swept keys, each the command line
 * `shipbench simulate --set ...` run in a sweep worker (so a point is exactly what a user gets by setting the
 * keys by hand, and points run on all cores), then an optional target search along one key.
 */
export interface SweepOptions {
  readonly file: string;
  readonly outDir: string;
  readonly axes: readonly SweepAxis[];
  /** `--set` overrides applied at every point. */
  readonly sets: readonly ScenarioOverride[];
  readonly target: SweepTarget | undefined;
  readonly jobs: number;
  readonly onPoint?: (point: SweepPoint, done: number, total: number) => void;
}

type PointValues = ReadonlyArray<{ axis: SweepAxis; value: unknown }>;

function cartesian(axes: readonly SweepAxis[]): PointValues[] {
  return axes.reduce<PointValues[]>((points, axis) => points.flatMap((p) => axis.values.map((value) => [...p, { axis, value }])), [[]]);
}

function overridesAt(values: PointValues, sets: readonly ScenarioOverride[]): ScenarioOverride[] {
  const swept = values.map(({ axis, value }) => ({ key: axis.key, path: axis.path, value, argument: axis.argument }));
  return [...sets.filter((s) => !swept.some((o) => o.key === s.key)), ...swept];
}

/** Each point's scenario must pass the file's checks before any point runs: a bad value stops the sweep at once. */
export async function validateSweep(options: SweepOptions): Promise<void> {
  const points = cartesian(options.axes);
  for (const values of points) await checkOverriddenScenario(options.file, overridesAt(values, options.sets));
  if (options.target === undefined) return;
  const axis = targetAxis(options.axes);
  for (const value of [Math.min(...axis.numbers), Math.max(...axis.numbers)]) {
    await checkOverriddenScenario(options.file, overridesAt([{ axis: axis.axis, value }], options.sets));
  }
}

function targetAxis(axes: readonly SweepAxis[]): { axis: SweepAxis; numbers: number[] } {
  const [axis, ...others] = axes;
  if (axis === undefined || others.length > 0) {
    throw new ShipbenchError('target-needs-one-key', `--target searches along one swept key; ${axes.length} are swept`, { hint: 'sweep exactly one key with --sweep KEY=LOW..HIGH, and fix the others with --set' });
  }
  const numbers = axis.values.filter((v): v is number => typeof v === 'number');
  if (numbers.length !== axis.values.length || numbers.length < 2) {
    throw new ShipbenchError('target-needs-numbers', `--target searches a numeric range, but ${axis.key} is swept over ${JSON.stringify(axis.values)}`, { hint: `give ${axis.key} a range, e.g. ${axis.key}=1..16` });
  }
  return { axis, numbers };
}

const pointLabel = (values: PointValues) => values.map(({ axis, value }) => `${axis.key}=${String(value)}`).join(',');

class SweepRecorder {
  readonly results: SweepResults;
  private readonly outDir: string;

  constructor(options: SweepOptions) {
    this.outDir = options.outDir;
    this.results = {
      schema: SWEEP_SCHEMA,
      status: 'running',
      startedAt: new Date().toISOString(),
      scenario: { name: '', file: options.file },
      axes: options.axes.map((a) => ({ key: a.key, values: [...a.values], scale: a.scale })),
      points: [],
    };
  }

  private readonly writes = new SerialQueue();

  /**
   * sweep.json through its exporter and the one atomic writer, after every point. Points finish side by side
   * (--jobs): writes go one after another, so a later snapshot never lands before an earlier one.
   */
  write(): Promise<void> {
    return this.writes.run(async () => {
      await writeExports(this.outDir, await sweepExporters.json(this.results));
    });
  }
}

const plansDir = (options: SweepOptions) => join(options.outDir, 'plans');

/**
 * Plans the first point's content before any point runs, so points that share it (all of them, unless the
 * sweep varies content) read the plan instead of each planning it at once. A previous sweep's plans go first.
 */
async function planSharedContent(options: SweepOptions, first: PointValues | undefined): Promise<void> {
  await rm(plansDir(options), { recursive: true, force: true });
  if (first === undefined) return;
  const { scenario } = await checkOverriddenScenario(options.file, overridesAt(first, options.sets));
  // A real content source is read by each point (a git source's blobs under its own --out): they plan it themselves.
  if (scenario.content.source !== undefined) return;
  await sharedFleetPlan(scenario, plansDir(options));
}

/** Runs one point, `shipbench simulate FILE --out DIR --set ...` in a sweep worker, and keeps its figures. */
async function simulatePoint(options: SweepOptions, pool: SweepPointPool, values: PointValues, index: number, probe: boolean): Promise<{ point: SweepPoint; name: string }> {
  const dir = join('points', String(index).padStart(3, '0'));
  const sets = overridesAt(values, options.sets).flatMap((o) => ['--set', `${o.key}=${JSON.stringify(o.value)}`]);
  const outcome = await pool.run(['simulate', options.file, '--out', join(options.outDir, dir), ...sets]);
  if (outcome.exitCode !== 0) {
    const tail = outcome.output.trim().split('\n').slice(-6).join('\n  ');
    throw new ShipbenchError('sweep-point-failed', `point ${pointLabel(values)} failed (${outcome.died ?? `exit ${outcome.exitCode ?? '?'}`}):\n  ${tail}`, { exitCode: 1, hint: 'run that point alone with simulate --set to see the whole failure' });
  }
  const results = await readResultsFile(join(options.outDir, dir, 'results.json'));
  const point = { index, values: Object.fromEntries(values.map(({ axis, value }) => [axis.key, value])), probe, results: join(dir, 'results.json'), figures: pointFigures(results) };
  return { point, name: results.scenario.name };
}

function figureOf(f: PointFigures, metric: SweepTarget['metric']): number {
  switch (metric) {
    case 'makespan':
      return f.makespanSeconds;
    case 'p50':
      return f.p50Seconds;
    case 'p90':
      return f.p90Seconds;
    case 'p99':
      return f.p99Seconds;
    case 'registry-egress':
      return f.registryEgressBytes;
  }
}

/** A strategy variant meets the target at a point when every step it names (or every step) does, with no failed node. */
export function variantMeets(figures: readonly PointFigures[], strategy: string, target: SweepTarget): boolean {
  const steps = figures.filter((f) => f.strategy === strategy && (target.step === undefined || f.step === target.step));
  return steps.length > 0 && steps.every((f) => f.failedNodes === 0 && meetsTarget(figureOf(f, target.metric), target));
}

export async function runSweep(options: SweepOptions): Promise<SweepResults> {
  await mkdir(options.outDir, { recursive: true });
  const recorder = new SweepRecorder(options);
  const limit = pLimit(Math.max(1, options.jobs));
  const grid = cartesian(options.axes);
  const pool = new SweepPointPool({ [SWEEP_PLANS_ENV]: plansDir(options) });
  let next = 0;
  const run = async (values: PointValues, probe: boolean): Promise<SweepPoint> => {
    const { point, name } = await simulatePoint(options, pool, values, next++, probe);
    recorder.results.scenario.name = name;
    recorder.results.points.push(point);
    recorder.results.points.sort((a, b) => a.index - b.index);
    await recorder.write();
    options.onPoint?.(point, recorder.results.points.length, grid.length);
    return point;
  };
  try {
    await recorder.write();
    await planSharedContent(options, grid[0]);
    await Promise.all(grid.map((values) => limit(() => run(values, false))));
    if (options.target !== undefined) recorder.results.target = await searchTarget(options, options.target, recorder, (values) => limit(() => run(values, true)));
    recorder.results.status = 'completed';
  } catch (error) {
    recorder.results.status = 'failed';
    recorder.results.failure = { message: error instanceof Error ? error.message : String(error) };
    await recorder.write();
    throw error;
  } finally {
    await pool.close();
  }
  await recorder.write();
  return recorder.results;
}

async function searchTarget(options: SweepOptions, target: SweepTarget, recorder: SweepRecorder, run: (values: PointValues) => Promise<SweepPoint>): Promise<NonNullable<SweepResults['target']>> {
  const { axis, numbers } = targetAxis(options.axes);
  const known = new Map<number, Promise<SweepPoint>>();
  for (const p of recorder.results.points) known.set(Number(p.values[axis.key]), Promise.resolve(p));
  const pointAt = (value: number) => {
    let p = known.get(value);
    if (p === undefined) {
      p = run([{ axis, value }]);
      known.set(value, p);
    }
    return p;
  };
  const strategies = [...new Set(recorder.results.points.flatMap((p) => p.figures.map((f) => f.strategy)))];
  const integer = numbers.every(Number.isInteger);
  const answers = await Promise.all(
    strategies.map(async (strategy): Promise<TargetAnswer> => {
      const answer: ThresholdAnswer = await searchThreshold({
        low: Math.min(...numbers),
        high: Math.max(...numbers),
        integer,
        meets: async (value) => variantMeets((await pointAt(value)).figures, strategy, target),
      });
      if (answer.kind === 'everywhere' || answer.kind === 'nowhere') return { strategy, kind: answer.kind };
      const at = (await pointAt(answer.value)).figures.filter((f) => f.strategy === strategy && (target.step === undefined || f.step === target.step));
      const bottleneck = at.find((f) => f.bottleneck !== undefined)?.bottleneck;
      return { strategy, kind: answer.kind, value: answer.value, ...(bottleneck === undefined ? {} : { bottleneck }) };
    }),
  );
  return { text: target.text, metric: target.metric, comparison: target.comparison, threshold: target.threshold, ...(target.step === undefined ? {} : { step: target.step }), key: axis.key, answers };
}
