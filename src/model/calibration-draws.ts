import type { MeasuredRun } from './measured-run.ts';
import { simulateFleet, type SimulationInput } from './simulate-fleet.ts';

/**
 * Fleets the calibration compares against, the scenario's own draw first. A measured run is a handful of
 * nodes over a repeat or two, and one simulated draw of as few nodes is as noisy: a node whose last blob lands
 * just after ctr's progress tick waits a whole tick more, so a small fleet's p90 is one tick or the next by
 * chance. The comparison takes the model's figures over this many draws of the per-node spread (each a seed
 * of its own), so what it holds against the measurement is the model, not one roll of its dice.
 */
export const CALIBRATION_DRAWS = 16;

/** The scenario's simulation (`first`, already run) and CALIBRATION_DRAWS - 1 more, each with its own seed. */
export function calibrationDraws(input: SimulationInput, first: MeasuredRun): MeasuredRun[] {
  const draws: MeasuredRun[] = [first];
  for (let d = 1; d < CALIBRATION_DRAWS; d++) {
    const { steps, samples } = simulateFleet({ ...input, seed: `${input.seed ?? 0}/calibration-draw-${d}`, onStep: undefined });
    draws.push({ steps, samples });
  }
  return draws;
}
