import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../core/process-alive.ts';

const TEMP_PREFIX = 'shipbench-ctr-auth-';
const TEMP_DIR_OWNER = new RegExp(`^${TEMP_PREFIX}(\\d+)-`);

/**
 * A shipbench killed with SIGKILL mid-pull leaves its credentials file behind: the next one removes the
 * dirs whose owner (the PID in the name) is gone. A dir whose owner runs, or that names none, is left alone.
 */
export async function sweepStaleCtrAuthDirs(): Promise<Array<{ readonly path: string; readonly ownerPid: number }>> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  const removed: Array<{ path: string; ownerPid: number }> = [];
  for (const name of names) {
    const owner = TEMP_DIR_OWNER.exec(name)?.[1];
    if (owner === undefined || processAlive(Number(owner))) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
    removed.push({ path: join(tmpdir(), name), ownerPid: Number(owner) });
  }
  return removed;
}

/**
 * Registry credentials for one `ctr images pull`, kept off its command line (where `ps` shows them to
 * every user). ctr 1.6 takes a password only in `--user user:password` or typed on a terminal (it panics
 * on a pipe: "provided file is not a console"), so the Authorization header goes into a containerd
 * hosts.toml in a private directory (0700, file 0600) named with `--hosts-dir`, removed after the pull.
 */
export interface CtrAuthHosts {
  /** Arguments for `ctr images pull`. */
  readonly args: readonly string[];
  readonly remove: () => Promise<void>;
}

export async function writeCtrAuthHosts(registryHost: string, plainHttp: boolean, authorization: string): Promise<CtrAuthHosts> {
  await sweepStaleCtrAuthDirs();
  const dir = await mkdtemp(join(tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
  try {
    await chmod(dir, 0o700);
    const server = `${plainHttp ? 'http' : 'https'}://${registryHost}`;
    const hostDir = join(dir, registryHost);
    await mkdir(hostDir, { mode: 0o700 });
    const toml = [
      `server = ${JSON.stringify(server)}`,
      `[host.${JSON.stringify(server)}]`,
      '  capabilities = ["pull", "resolve"]',
      `  [host.${JSON.stringify(server)}.header]`,
      `    Authorization = ${JSON.stringify(authorization)}`,
      '',
    ].join('\n');
    await writeFile(join(hostDir, 'hosts.toml'), toml, { mode: 0o600 });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { args: ['--hosts-dir', dir], remove: () => rm(dir, { recursive: true, force: true }) };
}
