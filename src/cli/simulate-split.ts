import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.ts';
import type { StepOutcome } from '../model/step-outcome.ts';
import { imageVariants, simulateVariants, type ImageVariant, type SimulationInput } from '../model/simulate-fleet.ts';
import type { ModelTopology } from '../scenario/model-resolved.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { SIMULATE_CHILD_ENV, type VariantsReply, type VariantsRequest } from './simulate-child.ts';
import { SWEEP_PLANS_ENV } from './sweep-plan-cache.ts';

/** `off` keeps a simulate in one process, `on` splits even a small one (tests); unset: split when it pays. */
export const SIMULATE_SPLIT_ENV = 'SHIPBENCH_SIMULATE_SPLIT';

/** Below this many nodes a simulate takes well under a second: a second process costs more than it saves. */
const SPLIT_MIN_NODES = 300;

/** bin/shipbench.js's flag (its first line): a simulation's many live transfers make a small young generation costly. */
const SIMULATION_SEMI_SPACE = '--max-semi-space-size=64';

/**
 * Rough CPU per node and layer of one variant, by topology, to share variants between two processes: a P2P
 * swarm's chunk transfers cost several times a registry pull (wikimedia-fleet, 600 nodes, load about 2: P2P 2.2 s,
 * direct 1.2 s, cache 0.3 s for the same three steps). Only the balance depends on it, never an answer.
 */
const TOPOLOGY_COST: { readonly [K in ModelTopology]: number } = {
  direct: 1,
  cache: 1,
  p2p: 4,
  tree: 2,
  lazy: 1,
  'lazy-cache': 1,
  'lazy-p2p': 4,
  'lazy-tree': 2,
};

/**
 * A `simulate` on two cores: every image variant (a strategy through a topology) is independent of the others,
 * so a second process (shipbench re-executed: simulate-child.ts) simulates some of them while this one simulates
 * the rest and the volume side; simulateFleet then records them all in its usual order, so results are the same
 * to the bit as in one process. The child is started before the plan is built, so its start-up overlaps the plan.
 */
export class SimulateSplit {
  /** How many variants the child simulated (0 until its outcomes are in, and when it failed). */
  childVariants = 0;

  private constructor(private readonly child: ChildProcess) {}

  /**
   * A second process when this simulate is large enough to gain from one and the machine has a core to spare: on
   * a busy machine the two processes only take turns, and each compiles the simulator afresh (wikimedia-fleet at
   * load 3.5 on 2 cores: simulate 3.2 to 4.0 s split against 2.3 to 2.8 s in one process).
   */
  static start(scenario: ResolvedScenario): SimulateSplit | undefined {
    const wanted = process.env[SIMULATE_SPLIT_ENV];
    const cores = availableParallelism();
    if (wanted === 'off' || cores < 2) return undefined;
    // A sweep runs its points side by side already.
    const busy = loadavg()[0]! > cores - 1 || (process.env[SWEEP_PLANS_ENV] ?? '') !== '';
    if (wanted !== 'on' && (scenario.fleet.nodes < SPLIT_MIN_NODES || busy)) return undefined;
    if (scenario.model.topologies.length * scenario.image.strategies.length + (scenario.model.volume ? 1 : 0) < 2) return undefined;
    const child = fork(join(packageRoot(), 'bin', 'shipbench.js'), [], {
      execArgv: [SIMULATION_SEMI_SPACE],
      env: { ...process.env, [SIMULATE_CHILD_ENV]: '1' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    child.on('error', () => undefined);
    return new SimulateSplit(child);
  }

  /**
   * Sends the child its share of the variants, simulates the others here, and returns every variant's outcomes
   * for simulateFleet. A child that fails or dies leaves its variants undefined: simulateFleet simulates them here.
   */
  async outcomes(input: SimulationInput): Promise<(variant: ImageVariant) => readonly StepOutcome[] | undefined> {
    const variants = imageVariants(input);
    const { mine, theirs } = shareVariants(input, variants);
    const key = (v: ImageVariant) => `${v.strategy}:${v.topology}`;
    const known = new Map<string, readonly StepOutcome[]>();
    if (theirs.length > 0 && mine.length + (input.model.volume ? 1 : 0) > 0) {
      const { model, fleet, volume, hybrid, plan, seed, layerSamplesUpToNodes } = input;
      const request: VariantsRequest = { input: { model, fleet, volume, hybrid, plan: { strategies: plan.strategies, volume: [] }, seed, layerSamplesUpToNodes }, variants: theirs };
      const reply = this.reply();
      if (await this.send(request)) {
        simulateVariants(input, mine).forEach((outcomes, i) => known.set(key(mine[i]!), outcomes));
        const answer = await reply;
        if (answer !== undefined && 'outcomes' in answer) {
          answer.outcomes.forEach((outcomes, i) => known.set(key(theirs[i]!), outcomes));
          this.childVariants = theirs.length;
        }
      }
    }
    this.close();
    return (v) => known.get(key(v));
  }

  /** Lets the child go (it ends when its channel closes); safe to call more than once. */
  close(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private send(request: VariantsRequest): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.child.connected) return resolve(false);
      this.child.send(request, (error) => resolve(error === null));
    });
  }

  private reply(): Promise<VariantsReply | undefined> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve(undefined);
      this.child.once('message', (reply: VariantsReply) => resolve(reply));
      this.child.once('exit', () => resolve(undefined));
    });
  }
}

/**
 * The variants for each process, largest first to whichever has less so far (the volume side counts to this
 * one's share); the child takes the first, so it has at least one.
 */
function shareVariants(input: SimulationInput, variants: readonly ImageVariant[]): { mine: ImageVariant[]; theirs: ImageVariant[] } {
  const nodes = input.fleet.nodes;
  const costOf = (v: ImageVariant) => TOPOLOGY_COST[v.topology] * nodes * input.plan.strategies[v.strategy]!.steps.reduce((n, s) => n + s.layers.length, 0);
  const sorted = [...variants].sort((a, b) => costOf(b) - costOf(a));
  const mine: ImageVariant[] = [];
  const theirs: ImageVariant[] = [];
  let mineCost = input.model.volume ? nodes * input.plan.volume.length : 0;
  let theirCost = 0;
  for (const v of sorted) {
    if (theirs.length === 0 || theirCost <= mineCost) {
      theirs.push(v);
      theirCost += costOf(v);
    } else {
      mine.push(v);
      mineCost += costOf(v);
    }
  }
  return { mine, theirs };
}
