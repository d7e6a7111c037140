import { performance } from 'node:perf_hooks';
import { ShipbenchError } from '../core/errors.ts';
import { rsyncSync } from './rsync-sync.ts';

/**
 * `scap prep`'s part of a step: the master's staging tree updated to the step's tree, in place and
 * incrementally (a local rsync: only changed files are rewritten, deleted ones removed). Returns its seconds.
 */
export async function prepStagingTree(stepTreeDir: string, stagingDir: string, signal: AbortSignal | undefined): Promise<number> {
  const t0 = performance.now();
  const outcome = await rsyncSync({ source: `${stepTreeDir.replace(/\/+$/, '')}/`, dest: stagingDir, signal });
  if (!outcome.ok) throw new ShipbenchError('internal', `preparing the staging tree from ${stepTreeDir} failed: ${outcome.message}`, { exitCode: 1 });
  return (performance.now() - t0) / 1000;
}
