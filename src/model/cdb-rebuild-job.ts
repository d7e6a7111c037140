import { batchJob } from './admission-queue.ts';
import type { RolloutClock } from './rollout-gate.ts';

/**
 * scap's l10n CDB rebuild, an ssh job of its own after a stage's syncs (main.py `_after_sync_rebuild_cdbs`: for the
 * canaries in `sync_targets`, for production in `_after_cluster_sync`): `batch` nodes at once (scap's ssh batch),
 * each running `scap cdb-rebuild`, which builds the changed languages' CDB files in a pool of its cores less two
 * (tasks.py `merge_cdb_updates`, utils.py `cpus_for_jobs`), and then writes them (`write`). `done` follows the
 * last node; `seconds` sums the job's spans over the step's stages.
 */
export class CdbRebuildJob {
  seconds = 0;

  constructor(
    private readonly clock: RolloutClock,
    private readonly batch: number,
    /** One node's rebuild on its pool, before its writes. */
    private readonly buildSeconds: number,
    private readonly write: (node: number, then: () => void) => void,
  ) {}

  run(nodes: readonly number[], done: () => void): void {
    const began = this.clock.now;
    batchJob(nodes, this.batch, (node, finished) => this.clock.at(this.clock.now + this.buildSeconds, () => this.write(node, finished)), () => {
      this.seconds += this.clock.now - began;
      done();
    });
  }
}
