import { ShipbenchError } from '../core/errors.ts';
import { loadResolvedScenario, readScenarioSource, resolveScenarioSource, type LoadedResolvedScenario } from '../scenario/load.ts';
import { applyOverrides, blameOverrides, type ScenarioOverride } from '../scenario/scenario-overrides.ts';

const concerns = (keyPath: string, o: ScenarioOverride) => keyPath === o.key || keyPath.startsWith(`${o.key}.`) || o.key.startsWith(`${keyPath}.`);

/**
 * A scenario file with `--set`/`--sweep` values written in, checked like the file itself. Problems the file has on
 * its own are reported first, at their exact place in it; problems of an overridden key point at its argument.
 */
export async function checkOverriddenScenario(file: string, overrides: readonly ScenarioOverride[]): Promise<LoadedResolvedScenario> {
  if (overrides.length === 0) return loadResolvedScenario(file);
  try {
    await loadResolvedScenario(file);
  } catch (error) {
    if (!(error instanceof ShipbenchError) || error.problems.length === 0) throw error;
    const own = error.problems.filter((p) => !overrides.some((o) => concerns(p.keyPath, o)));
    if (own.length > 0) throw new ShipbenchError(error.code, `${file}: ${own.length} problem${own.length === 1 ? '' : 's'}; nothing was run`, { exitCode: error.exitCode, problems: own, ...(error.hint === undefined ? {} : { hint: error.hint }) });
  }
  const source = await readScenarioSource(file);
  try {
    return resolveScenarioSource(applyOverrides(source, overrides), file);
  } catch (error) {
    throw error instanceof ShipbenchError ? blameOverrides(error, overrides, source) : error;
  }
}
