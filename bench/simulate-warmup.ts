/**
 * How much of a fresh process's simulation is the JIT's warm-up? The same scenario simulated twice in one process
 * (bundled, with the CLI's V8 flags: as-bundled.ts): the first run is what `shipbench simulate` pays, the second
 * what the same code costs once compiled. Printed per step and in all, with the ratio first / second. A second
 * process for some variants (tried in session 20, README) pays the first run's price again.
 *
 *   npx tsx bench/simulate-warmup.ts [scenario]      (from the repository; default: scenarios/wikimedia-fleet.yaml)
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { cachedFleetPlan } from '../src/cli/persistent-plan-cache.ts';
import { checkOverriddenScenario } from '../src/cli/scenario-with-overrides.ts';
import { simulateFleet } from '../src/model/simulate-fleet.ts';
import { rerunBundled } from './as-bundled.ts';

const bundledExit = await rerunBundled(import.meta.url);
if (bundledExit !== undefined) process.exit(bundledExit);

// Relative to the working directory: the bundle this runs as lives under node_modules/.cache.
const file = process.argv[2] ?? 'scenarios/wikimedia-fleet.yaml';
const { scenario } = await checkOverriddenScenario(file, []);
// The plan as simulate has it (from the plan cache when an earlier run kept it): not what this bench times.
const { plan } = await cachedFleetPlan(scenario, undefined);

function simulateOnce(): { steps: Array<{ name: string; seconds: number }>; seconds: number; cpuSeconds: number } {
  const steps: Array<{ name: string; seconds: number }> = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let last = t0;
  simulateFleet({
    model: scenario.model,
    fleet: scenario.fleet,
    volume: scenario.volume,
    hybrid: scenario.hybrid,
    plan,
    seed: scenario.seed,
    onStep: (s) => {
      const now = performance.now();
      steps.push({ name: `${s.strategy} ${s.step}`, seconds: (now - last) / 1000 });
      last = now;
    },
  });
  const cpu = process.cpuUsage(cpu0);
  return { steps, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const first = simulateOnce();
const second = simulateOnce();
const width = Math.max(...first.steps.map((s) => s.name.length));
for (const [i, s] of first.steps.entries()) {
  const again = second.steps[i]!.seconds;
  console.log(`${s.name.padEnd(width)}  first ${s.seconds.toFixed(2)} s  second ${again.toFixed(2)} s  ratio ${(s.seconds / again).toFixed(1)}`);
}
console.log(
  `${scenario.name}: first run ${first.seconds.toFixed(2)} s (${first.cpuSeconds.toFixed(2)} CPU-s), second ${second.seconds.toFixed(2)} s (${second.cpuSeconds.toFixed(2)} CPU-s): ratio ${(first.seconds / second.seconds).toFixed(2)}, load ${loadavg()[0]!.toFixed(1)}`,
);
