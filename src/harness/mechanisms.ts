import { imageMechanism } from './image-mechanism.ts';
import type { MechanismEntry, MechanismKind } from './mechanism.ts';
import { volumeMechanism } from './volume-mechanism.ts';

/** Shipping mechanisms by kind: adding one (hybrid) is a file beside image-mechanism.ts and a line here. */
export const MECHANISMS: { readonly [K in MechanismKind]: MechanismEntry } = {
  image: imageMechanism,
  volume: volumeMechanism,
};

/** What `run --mechanism` chooses: every mechanism by default, so every result is a comparison. */
export type RunMechanisms = 'both' | MechanismKind;

/** The mechanisms a run measures, in the order they run. */
export function mechanismKinds(choice: RunMechanisms): MechanismKind[] {
  return choice === 'both' ? (Object.keys(MECHANISMS) as MechanismKind[]) : [choice];
}
