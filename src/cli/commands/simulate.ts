import { loadContentSource, type FlattenImage } from '../../content/source/content-source-loader.ts';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CommandModule } from 'yargs';
import { ShipbenchError } from '../../core/errors.ts';
import { claimOutputDir } from '../../core/output-contract.ts';
import type { MeasuredRun } from '../../model/calibration.ts';
import type { CalibrationBackend } from '../../model/calibration-backend.ts';
import type { FleetPlan } from '../../model/fleet-plan.ts';
import type { ModelFleet } from '../../model/model-fleet.ts';
import { simulateFleet, type SimulationInput } from '../../model/simulate-fleet.ts';
import { ResultsWriter } from '../../report/results-writer.ts';
import { parseSetArgument } from '../../scenario/scenario-overrides.ts';
import { flagArguments } from '../command-line-arguments.ts';
import { checkOverriddenScenario } from '../scenario-with-overrides.ts';
import { buildFleetPlan } from '../model-plan.ts';
import { cachedFleetPlan } from '../persistent-plan-cache.ts';
import { sharedFleetPlan, SWEEP_PLANS_ENV } from '../sweep-plan-cache.ts';
import { newRunResults } from '../../harness/new-run-results.ts';
import { defaultTimedDir } from '../default-paths.ts';
import { describeEnvironment } from '../../harness/run-environment.ts';
import { renderCalibration, renderSimulation } from '../simulate-text.ts';
import { renderCadence } from '../cadence-text.ts';

/*
 * A sweep, a calibration and an image as content source load their modules when asked for: a plain simulate
 * then compiles and evaluates none of them (the registry client, the image readers, the sweep's worker pool).
 */
const flattenContentImage: FlattenImage = async (image, into) => (await import('../image-content-source.ts')).flattenContentImage(image, into);

export interface SimulateArgs {
  file: string;
  out: string | undefined;
  calibrate: string | undefined;
  'calibrate-backend': CalibrationBackend | undefined;
  set: string[] | undefined;
  sweep: string[] | undefined;
  target: string | undefined;
  jobs: number | undefined;
  force: boolean;
}

/**
 * A real run's results for calibration: read like every results file (report/read-results.ts), then held to
 * being measured, and cut to one backend's nodes (the virtual ones unless --calibrate-backend says otherwise).
 */
async function readMeasured(file: string, wanted: CalibrationBackend | undefined): Promise<MeasuredRun & { scenarioName: string; backend: CalibrationBackend }> {
  const [{ readResultsFile }, { measuredBackends, measuredOnBackend }] = await Promise.all([import('../../report/read-results.ts'), import('../../model/calibration-backend.ts')]);
  const results = await readResultsFile(file);
  if (results.source !== 'measured') throw new ShipbenchError('calibration-invalid', `${file} holds simulated results; calibration needs a measured run`, { hint: 'run the scenario for real first: shipbench run SCENARIO' });
  if (results.steps.length === 0) throw new ShipbenchError('calibration-invalid', `${file} has no completed step to calibrate from`, { hint: 'let the real run complete at least one step' });
  const backends = measuredBackends(results);
  const backend = wanted ?? (backends.includes('virtual') ? 'virtual' : backends[0]!);
  if (!backends.includes(backend)) throw new ShipbenchError('calibration-invalid', `${file} has no ${backend} nodes; it measured ${backends.join(', ')}`, { hint: `use --calibrate-backend ${backends.join(' or ')}` });
  if (backends.length > 1) process.stderr.write(`calibrating on the ${backend} nodes of a run that measured ${backends.join(', ')} (--calibrate-backend picks another)\n`);
  return { ...measuredOnBackend(results, backend), scenarioName: results.scenario.name, backend };
}

/** Blob bytes as measured over the plan's estimate, over distinct layers: the estimate leans high on purpose. */
function blobScaleFrom(measured: MeasuredRun, plan: FleetPlan): number {
  const measuredBytes = new Map(measured.samples.flatMap((s) => s.layers.map((l) => [l.digest, l.bytes] as const)));
  const planned = new Map(plan.strategies.flatMap((s) => s.steps.flatMap((st) => st.layers.map((l) => [l.id, l.compressedBytes] as const))));
  const m = [...measuredBytes.values()].reduce((a, b) => a + b, 0);
  const p = [...planned.values()].reduce((a, b) => a + b, 0);
  return m > 0 && p > 0 ? m / p : 1;
}

function uncompressedPerBlobByte(plan: FleetPlan): number {
  const layers = new Map(plan.strategies.flatMap((s) => s.steps.flatMap((st) => st.layers.map((l) => [l.id, l] as const))));
  let c = 0;
  let u = 0;
  for (const l of layers.values()) {
    c += l.compressedBytes;
    u += l.uncompressedBytes;
  }
  return c > 0 ? u / c : 1;
}

async function calibrationModules() {
  const [calibration, backend, draws] = await Promise.all([import('../../model/calibration.ts'), import('../../model/calibration-backend.ts'), import('../../model/calibration-draws.ts')]);
  return { calibrateFrom: calibration.calibrateFrom, compareWithMeasured: calibration.compareWithMeasured, runtimeOfBackend: backend.runtimeOfBackend, calibrationDraws: draws.calibrationDraws };
}

export const simulateCommand: Pick<CommandModule<object, SimulateArgs>, 'handler'> = {
  handler: async (argv) => {
    const raw = process.argv.slice(2);
    const sets = flagArguments(raw, '--set', argv.set ?? []).map(parseSetArgument);
    if (argv.sweep !== undefined && argv.sweep.length > 0) return (await import('../simulate-sweep-command.ts')).simulateSweep(argv, raw, sets);
    if (argv.target !== undefined) throw new ShipbenchError('target-without-sweep', '--target needs a --sweep to search along', { hint: "e.g. --sweep model.registry.replicas=1..8 --target 'makespan<=15m'" });
    const { scenario } = await checkOverriddenScenario(argv.file, sets);
    const measured = argv.calibrate === undefined ? undefined : await readMeasured(argv.calibrate, argv['calibrate-backend']);
    if (measured !== undefined && measured.scenarioName !== scenario.name) {
      process.stderr.write(`warning: ${argv.calibrate} measured scenario "${measured.scenarioName}", not "${scenario.name}"; errors compare different scenarios\n`);
    }
    const outDir = argv.out ?? defaultTimedDir(scenario.name, 'simulate');
    await claimOutputDir(outDir, { command: 'simulate', force: argv.force });
    // The samples are the model's: typed, not read from anywhere (results-writer.ts).
    const writer = new ResultsWriter(join(outDir, 'results.json'), { checkSamples: false });
    const { environment } = await describeEnvironment(outDir, {});
    // A real content source is read as generate reads it (a git source's blobs under --out).
    const source = await loadContentSource(scenario, outDir, flattenContentImage);
    const results = newRunResults('simulated', scenario, environment, source?.label);

    const t0 = performance.now();
    // A sweep's point reads its sweep's plan; a run of its own, the plan an earlier run of this code kept.
    const sweepPlans = process.env[SWEEP_PLANS_ENV];
    const planned = sweepPlans !== undefined && sweepPlans !== '' ? { plan: await sharedFleetPlan(scenario, sweepPlans, source), cached: false } : await cachedFleetPlan(scenario, source);
    let plan = planned.plan;
    let model = scenario.model;
    let fleet: ModelFleet = scenario.fleet;
    let parameters: Record<string, number> = {};
    const calibration = measured === undefined ? undefined : await calibrationModules();
    if (measured !== undefined && calibration !== undefined) {
      const { calibrateFrom, runtimeOfBackend } = calibration;
      const blobScale = blobScaleFrom(measured, plan);
      plan = buildFleetPlan(scenario, blobScale, source);
      // The measured nodes' pull rules: a docker engine downloads again every layer above a change.
      model = { ...model, node: { ...model.node, runtime: runtimeOfBackend(measured.backend, model.node.runtime) } };
      const calibrated = calibrateFrom(measured, model, fleet, uncompressedPerBlobByte(plan), plan.volume[0]?.treeFiles);
      parameters = { blobBytesOverEstimate: blobScale, ...calibrated.parameters };
      model = calibrated.model;
      fleet = calibrated.fleet;
    }
    const planSeconds = (performance.now() - t0) / 1000;
    results.phases.push({ name: 'plan', startedSeconds: 0, seconds: planSeconds, details: { strategies: plan.strategies.length, steps: scenario.deploy.length, cached: planned.cached && measured === undefined } });
    await writer.write(results);
    const t1 = performance.now();
    const input: SimulationInput = { model, fleet, volume: scenario.volume, hybrid: scenario.hybrid, plan, seed: scenario.seed };
    try {
      const out = simulateFleet({ ...input, onStep: (s) => process.stderr.write(`${s.strategy} ${s.step}: ${s.makespanSeconds.toFixed(2)} s\n`) });
      results.steps = out.steps;
      results.samples = out.samples;
    } catch (error) {
      results.status = 'failed';
      results.failure = { phase: 'simulate', message: error instanceof Error ? error.message : String(error) };
      await writer.write(results);
      throw error;
    }
    const simulateSeconds = (performance.now() - t1) / 1000;
    results.phases.push({ name: 'simulate', startedSeconds: planSeconds, seconds: simulateSeconds, details: { nodes: fleet.nodes, events: results.steps.reduce((n, s) => n + (s.model?.events ?? 0), 0) } });
    if (measured !== undefined && calibration !== undefined && argv.calibrate !== undefined) {
      results.calibration = calibration.compareWithMeasured(argv.calibrate, parameters, measured, calibration.calibrationDraws(input, results));
    }
    results.status = 'completed';
    await writer.write(results);
    process.stdout.write(renderSimulation(results.steps, fleet.nodes, planSeconds + simulateSeconds));
    process.stdout.write(renderCadence(results));
    if (results.calibration !== undefined) process.stdout.write(renderCalibration(results.calibration));
    process.stdout.write(`results: ${join(outDir, 'results.json')}\n`);
  },
};
