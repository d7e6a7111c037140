import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { MechanismKind } from './mechanism.ts';

/**
 * What `run --mechanism` chooses (light: the command line loads it at start). `scenario`, the default:
 * image and volume, and hybrid when the scenario has a `hybrid:` section; `both`: image and volume (the
 * comparison shipbench has always made); `all`: every mechanism; or one mechanism alone.
 */
export type RunMechanisms = 'scenario' | 'both' | 'all' | MechanismKind;

export const RUN_MECHANISM_CHOICES = ['scenario', 'both', 'all', 'image', 'volume', 'hybrid'] as const satisfies readonly RunMechanisms[];

/** Every mechanism in run order; mechanisms.ts checks it against its exhaustive map. */
export const MECHANISM_KINDS: readonly MechanismKind[] = ['image', 'volume', 'hybrid'];

const CHOSEN: { readonly [C in Exclude<RunMechanisms, MechanismKind>]: (scenario: Pick<ResolvedScenario, 'hybrid'>) => readonly MechanismKind[] } = {
  all: () => MECHANISM_KINDS,
  both: () => ['image', 'volume'],
  scenario: (scenario) => (scenario.hybrid === undefined ? ['image', 'volume'] : MECHANISM_KINDS),
};

/** The mechanisms a run measures, in the order they run. */
export function mechanismKinds(choice: RunMechanisms, scenario: Pick<ResolvedScenario, 'hybrid'>): MechanismKind[] {
  return choice in CHOSEN ? [...CHOSEN[choice as keyof typeof CHOSEN](scenario)] : [choice as MechanismKind];
}
