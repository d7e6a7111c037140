import { execa } from 'execa';
import { ShipbenchError } from '../core/errors.ts';

export const RSYNC_BINARY = 'rsync';
export const RSYNC_INSTALL_HINT = 'install rsync: apt-get install rsync (or run scripts/setup.sh)';

/** `rsync --version`'s version, e.g. `3.2.7`; a clear error saying how to install it when it is missing. */
export async function rsyncVersion(binary = RSYNC_BINARY): Promise<string> {
  try {
    const { stdout } = await execa(binary, ['--version'], { timeout: 10_000 });
    return /version\s+(\S+)/.exec(stdout)?.[1] ?? 'unknown';
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') {
      throw new ShipbenchError('rsync-not-installed', `the volume side needs rsync, and ${JSON.stringify(binary)} is not installed (not on PATH)`, { hint: RSYNC_INSTALL_HINT });
    }
    throw new ShipbenchError('rsync-not-installed', `${binary} --version failed: ${error instanceof Error ? error.message : String(error)}`, { hint: RSYNC_INSTALL_HINT });
  }
}
