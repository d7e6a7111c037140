import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { claimOutputDir } from '../core/output-contract.ts';
import { renderSweepMarkdown, sweepExporters } from '../report/sweep-report.ts';
import { parseSweepArgument, type ScenarioOverride } from '../scenario/scenario-overrides.ts';
import { parseTarget } from '../scenario/sweep-target.ts';
import { defaultTimedDir } from './default-paths.ts';
import { flagArguments } from './command-line-arguments.ts';
import { checkOverriddenScenario } from './scenario-with-overrides.ts';
import { runSweep, validateSweep } from './simulate-sweep.ts';
import { writeExports } from './write-exports.ts';

interface SweepArgs {
  readonly file: string;
  readonly out: string | undefined;
  readonly sweep?: string[] | undefined;
  readonly target: string | undefined;
  readonly jobs: number | undefined;
  readonly force: boolean;
}

/** `simulate FILE --sweep ...`: checks every point first, runs them, writes sweep.json and its reports, prints the answer. */
export async function simulateSweep(argv: SweepArgs, raw: readonly string[], sets: readonly ScenarioOverride[]): Promise<void> {
  const axes = flagArguments(raw, '--sweep', argv.sweep ?? []).map(parseSweepArgument);
  const target = argv.target === undefined ? undefined : parseTarget(flagArguments(raw, '--target', [argv.target])[0]!);
  const jobs = Math.max(1, Math.floor(argv.jobs ?? availableParallelism()));
  const options = { file: argv.file, axes, sets, target, jobs, outDir: '' };
  await validateSweep(options);
  const { scenario } = await checkOverriddenScenario(argv.file, sets);
  const outDir = argv.out ?? defaultTimedDir(scenario.name, 'sweep');
  await claimOutputDir(outDir, { command: 'simulate --sweep', force: argv.force });
  const results = await runSweep({
    ...options,
    outDir,
    onPoint: (p, done, total) => process.stderr.write(`point ${done}${p.probe ? ' (target search)' : `/${total}`}: ${Object.entries(p.values).map(([k, v]) => `${k}=${String(v)}`).join(' ')}\n`),
  });
  // sweep.json is already on disk (written after every point); the reports are drawn once, at the end.
  for (const format of ['md', 'csv', 'html'] as const) await writeExports(outDir, await sweepExporters[format](results));
  process.stdout.write(renderSweepMarkdown(results).split('\n## Points')[0]!.trimEnd() + '\n');
  process.stdout.write(`sweep: ${join(outDir, 'sweep.json')} (and sweep.md, sweep.html, sweep.csv)\n`);
}
