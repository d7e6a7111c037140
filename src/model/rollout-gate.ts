import type { RolloutStage } from '../scenario/resolved.ts';
import { rolloutWaves } from '../scenario/rollout-waves.ts';

/** The virtual clock a rollout waits on (the step's flow network). */
export interface RolloutClock {
  readonly now: number;
  at(seconds: number, fn: () => void): void;
}

/** Who starts pulling when, as a step's nodes pull (image-step-model.ts). */
export interface StepRollout {
  begin(): void;
  /** The node holds what its containers need: the whole image, or a lazy pull's working set. */
  imageReady(node: number): void;
  /** The node's pull is complete. */
  nodeDone(node: number): void;
  /** Whether a node (or a pod) ever waited for the rollout rather than for a capacity. */
  readonly heldBack: boolean;
  /** When the rollout's last pod was ready; 0 where nodes are the deployments (the pulls' ends are the step's). */
  readonly endSeconds: number;
}

/** What a rollout waits between stages: scap's check of a stage (model.rollout.canaryWait), on the step's clock. */
export interface StageChecks {
  readonly clock: RolloutClock;
  readonly waitSeconds: number;
  /** Work before a stage's nodes start (the volume side's proxies sync as production opens); `open` starts them. */
  readonly opening?: (wave: number, open: () => void) => void;
}

/**
 * Node by node, each node a deployment of its own: stages in order (canaries, then the rest; a stage finishes
 * before the next starts, and the next waits for the finished one's checks), at most `maxConcurrent` nodes at
 * once across the fleet and `perDatacentre` in each data centre. Nodes are taken in order within a stage,
 * skipping a data centre that is full.
 */
export class RolloutGate implements StepRollout {
  private readonly waves: number[][];
  private wave = 0;
  /** Per data centre: the wave's waiting nodes in order, and the next one's position. */
  private queues: number[][] = [];
  private heads: number[] = [];
  private running = 0;
  private left = 0;
  private readonly runningIn: number[];
  /** Whether a node of an open wave ever waited for a slot (maxConcurrent or the data centre's limit). */
  heldBack = false;
  readonly endSeconds = 0;

  constructor(
    private readonly datacentreOf: Int32Array,
    datacentres: number,
    stages: readonly RolloutStage[],
    private readonly maxConcurrent: number,
    private readonly perDatacentre: number,
    private readonly start: (node: number) => void,
    private readonly checks: StageChecks,
    /**
     * Work between a stage's last node and its checks (the volume side's l10n rebuild and php-fpm restarts);
     * `next` goes on, `last` says it is the rollout's last stage.
     */
    private readonly afterStage?: (stage: readonly number[], next: () => void, last: boolean) => void,
  ) {
    this.waves = rolloutWaves(Array.from(datacentreOf, (_, i) => i), stages);
    this.runningIn = new Array<number>(datacentres).fill(0);
  }

  begin(): void {
    this.openWave();
  }

  imageReady(): void {}

  nodeDone(node: number): void {
    this.running--;
    this.runningIn[this.datacentreOf[node]!]!--;
    this.left--;
    if (this.left === 0) {
      const finished = this.waves[this.wave++]!;
      if (this.afterStage === undefined) this.checkStage();
      else this.afterStage(finished, () => this.checkStage(), this.wave >= this.waves.length);
    } else this.admit();
  }

  /** The finished stage's checks, then the next stage (none after the last: its nodes are done). */
  private checkStage(): void {
    if (this.wave >= this.waves.length) return;
    const { clock, waitSeconds } = this.checks;
    if (waitSeconds > 0) clock.at(clock.now + waitSeconds, () => this.openWave());
    else this.openWave();
  }

  private openWave(): void {
    const wave = this.waves[this.wave];
    if (wave === undefined) return;
    const { opening } = this.checks;
    if (opening === undefined) this.open(wave);
    else opening(this.wave, () => this.open(wave));
  }

  private open(wave: readonly number[]): void {
    this.queues = this.runningIn.map(() => []);
    this.heads = this.runningIn.map(() => 0);
    for (const node of wave) this.queues[this.datacentreOf[node]!]!.push(node);
    this.left = wave.length;
    this.admit();
  }

  /** Fills free slots with the lowest-numbered waiting node of any data centre that has room. */
  private admit(): void {
    const starting: number[] = [];
    while (this.running < this.maxConcurrent) {
      let best = -1;
      for (let dc = 0; dc < this.queues.length; dc++) {
        const head = this.queues[dc]![this.heads[dc]!];
        if (head === undefined || this.runningIn[dc]! >= this.perDatacentre) continue;
        if (best < 0 || head < this.queues[best]![this.heads[best]!]!) best = dc;
      }
      if (best < 0) break;
      const node = this.queues[best]![this.heads[best]!++]!;
      this.running++;
      this.runningIn[best]!++;
      starting.push(node);
    }
    if (this.queues.some((queue, dc) => this.heads[dc]! < queue.length)) this.heldBack = true;
    for (const node of starting) this.start(node);
  }
}
