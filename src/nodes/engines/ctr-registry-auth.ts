import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  const dir = await mkdtemp(join(tmpdir(), 'shipbench-ctr-auth-'));
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
