import { access, constants, mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShipbenchError } from './errors.ts';
import { formatBytes } from './units.ts';

/** Bytes free for an unprivileged writer on the file system holding `dir` (or its nearest existing parent). */
export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

/**
 * Checks an output directory before any work starts (ARCHITECTURE.md rule 4): it can be created and written
 * to, and its file system has room for `plannedBytes`. Refuses with the numbers otherwise.
 */
export async function prepareOutputDir(dir: string, plannedBytes: number, what: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    const probe = join(dir, `.shipbench-probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ShipbenchError('output-not-writable', `cannot write to output directory ${dir} (${code})`, {
      hint: 'choose another --out directory, or fix its permissions or mount',
      cause: error,
    });
  }
  const free = await freeBytes(dir);
  if (plannedBytes > free) {
    throw new ShipbenchError('disk-too-small', `${what} need about ${formatBytes(plannedBytes)} in ${dir}, but only ${formatBytes(free)} is free there`, {
      hint: 'free some space, choose another --out directory, or lower content.scale or the number of strategies',
    });
  }
}
