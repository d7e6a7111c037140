import { execa } from 'execa';
import { ShipbenchError } from '../../core/errors.ts';

/**
 * Runs one host administration command (ip, tc, losetup, mount, mkfs.ext4) and returns its stdout. A
 * failure becomes a ShipbenchError that quotes the command and what it printed, so the user sees which
 * piece of the host refused.
 */
export async function hostCommand(command: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const result = await execa(command, args, { reject: false, timeout: options.timeoutMs ?? 60_000, stdin: 'ignore' });
  if (result.failed) {
    const missing = (result as { code?: string }).code === 'ENOENT';
    const output = `${result.stderr}`.trim() || `${result.stdout}`.trim() || result.shortMessage;
    throw new ShipbenchError(missing ? 'host-tool-missing' : 'host-command-failed', missing ? `${command} is not installed (not on PATH)` : `\`${command} ${args.join(' ')}\` failed: ${output}`, {
      hint: missing ? 'run scripts/setup.sh (it installs iproute2, e2fsprogs, util-linux, docker.io, containerd)' : 'run `shipbench doctor <scenario>` to check what isolation needs',
      exitCode: missing ? 2 : 1,
    });
  }
  return `${result.stdout}`;
}
