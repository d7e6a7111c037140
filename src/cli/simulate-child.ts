import type { StepOutcome } from '../model/step-outcome.ts';
import { simulateVariants, type ImageVariant, type SimulationInput } from '../model/simulate-fleet.ts';

/**
 * The second process of a split `simulate` (simulate-split.ts): shipbench re-executed with this variable set,
 * served by the CLI's launcher (bin/shipbench.js) before it loads the CLI (this module is an entry of the
 * bundle of its own, dist/simulate-child.mjs). It takes one request over IPC, simulates the variants it names
 * and replies with their outcomes.
 */
export const SIMULATE_CHILD_ENV = 'SHIPBENCH_SIMULATE_CHILD';

/** What the child needs of the simulation: its data (no callbacks) and its share of the variants. */
export interface VariantsRequest {
  readonly input: Omit<SimulationInput, 'onStep' | 'outcomesOf'>;
  readonly variants: readonly ImageVariant[];
}

export type VariantsReply = { readonly outcomes: StepOutcome[][] } | { readonly error: string };

/** Serves the one request, then lets the channel go (the process ends with nothing left to do). */
export function serveSimulateChild(): void {
  process.once('message', (request: VariantsRequest) => {
    let reply: VariantsReply;
    try {
      reply = { outcomes: simulateVariants(request.input, request.variants) };
    } catch (error) {
      reply = { error: error instanceof Error ? error.message : String(error) };
    }
    process.send?.(reply, undefined, undefined, () => process.disconnect());
  });
}
