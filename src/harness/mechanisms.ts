import { hybridMechanism } from './hybrid-mechanism.ts';
import { imageMechanism } from './image-mechanism.ts';
import type { MechanismEntry, MechanismKind } from './mechanism.ts';
import { volumeMechanism } from './volume-mechanism.ts';

/** Shipping mechanisms by kind: adding one is a file beside image-mechanism.ts, a line here and its place in mechanism-choice.ts. */
export const MECHANISMS: { readonly [K in MechanismKind]: MechanismEntry } = {
  image: imageMechanism,
  volume: volumeMechanism,
  hybrid: hybridMechanism,
};

export { mechanismKinds, type RunMechanisms } from './mechanism-choice.ts';
