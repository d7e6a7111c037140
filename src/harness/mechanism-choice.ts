import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { MechanismKind } from './mechanism.ts';

/**
 * What `run --mechanism` chooses (light: the command line loads it at start). `scenario`, the default:
 * image and volume, and hybrid when the scenario has a `hybrid:` section; `both`: image and volume (the
 * comparison shipbench has always made); `all`: every mechanism; or one mechanism alone.
 */
export type RunMechanisms = 'scenario' | 'both' | 'all' | MechanismKind;

/** Where each mechanism runs in a run: exhaustive, so a new kind must be given its place. */
const RUN_ORDER: { readonly [K in MechanismKind]: number } = { image: 0, volume: 1, hybrid: 2 };

/** Every mechanism, in run order. */
export const MECHANISM_KINDS: readonly MechanismKind[] = (Object.keys(RUN_ORDER) as MechanismKind[]).sort((a, b) => RUN_ORDER[a] - RUN_ORDER[b]);

const CHOSEN: { readonly [C in Exclude<RunMechanisms, MechanismKind>]: (scenario: Pick<ResolvedScenario, 'hybrid'>) => readonly MechanismKind[] } = {
  all: () => MECHANISM_KINDS,
  both: () => ['image', 'volume'],
  scenario: (scenario) => (scenario.hybrid === undefined ? ['image', 'volume'] : MECHANISM_KINDS),
};

/** The mechanisms a run measures, in the order they run. */
export function mechanismKinds(choice: RunMechanisms, scenario: Pick<ResolvedScenario, 'hybrid'>): MechanismKind[] {
  return choice in CHOSEN ? [...CHOSEN[choice as keyof typeof CHOSEN](scenario)] : [choice as MechanismKind];
}
