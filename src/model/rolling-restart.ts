import { batchJob } from './admission-queue.ts';
import type { RolloutClock } from './rollout-gate.ts';

/**
 * scap's php-fpm restarts after a stage's syncs (main.py `_restart_php`; php_fpm.py `restart_all`: ssh batches of
 * 10% of each group's hosts, each host running conftool's safe-service-restart): at most `share` of the stage's
 * nodes at once (at least one), each taking `seconds`, the next starting as one ends. A node serves the new code
 * from its restart's end (`restarted`); `done` follows the last.
 */
export function rollingRestart(clock: RolloutClock, nodes: readonly number[], seconds: number, share: number, restarted: (node: number) => void, done: () => void): void {
  if (seconds <= 0 || nodes.length === 0) {
    for (const node of nodes) restarted(node);
    return done();
  }
  const atOnce = Math.max(1, Math.ceil(share * nodes.length - 1e-9));
  const restart = (node: number, finished: () => void) =>
    clock.at(clock.now + seconds, () => {
      restarted(node);
      finished();
    });
  batchJob(nodes, atOnce, restart, done);
}

/** Each rollout stage's restarts in turn (RolloutGate's afterStage): when the last ended, and how long they took in all. */
export class StageRestarts {
  endSeconds = 0;
  seconds = 0;

  constructor(
    private readonly clock: RolloutClock,
    private readonly restart: { readonly restartSeconds: number; readonly restartShare: number },
    private readonly restarted: (node: number) => void,
  ) {}

  readonly afterStage = (stage: readonly number[], next: () => void): void => {
    const began = this.clock.now;
    rollingRestart(this.clock, stage, this.restart.restartSeconds, this.restart.restartShare, this.restarted, () => {
      this.endSeconds = this.clock.now;
      this.seconds += this.clock.now - began;
      next();
    });
  };
}
