import { access, constants, mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
    const code = await explainUnwritable(dir, error);
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

/**
 * Node's recursive mkdir reports ENOENT when a parent is on a read-only file system; the nearest existing
 * ancestor tells the real reason (EROFS, EACCES).
 */
async function explainUnwritable(dir: string, error: unknown): Promise<string> {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  if (code !== 'ENOENT') return code;
  let ancestor = dirname(dir);
  while (ancestor !== dirname(ancestor)) {
    try {
      await access(ancestor, constants.F_OK);
      break;
    } catch {
      ancestor = dirname(ancestor);
    }
  }
  try {
    const probe = join(ancestor, `.shipbench-probe-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe);
    return code;
  } catch (probeError) {
    return (probeError as NodeJS.ErrnoException).code ?? code;
  }
}
