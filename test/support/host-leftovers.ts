import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { ownerTagPrefix } from '../../src/core/owner-tag.ts';

/**
 * What an emulated fleet could leave behind on this machine, listed so a test can compare before and after:
 * network namespaces, links, mounts, loop devices, blkio cgroups, and engine processes.
 */
export interface HostSnapshot {
  readonly namespaces: string[];
  readonly links: string[];
  readonly mounts: string[];
  readonly loopDevices: string[];
  readonly cgroups: string[];
  readonly engineProcesses: string[];
}

/** Mounts are listed under `workDir` and /run/netns only: other tests on this machine may mount elsewhere. */
export function snapshotHost(workDir: string): HostSnapshot {
  const links = readdirSync('/sys/class/net').filter((l) => l.startsWith('sb')).sort();
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(workDir) || p.startsWith('/run/netns'))
    .sort();
  const loopDevices = execFileSync('losetup', ['-a', '-n', '-O', 'NAME,BACK-FILE'], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '').sort();
  const blkio = '/sys/fs/cgroup/blkio';
  const cgroups = existsSync(blkio) ? readdirSync(blkio).filter((d) => d.startsWith('shipbench-')).sort() : [];
  const engineProcesses = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    // Engines shipbench starts keep their sockets under /tmp/sbe-*; other tests' processes are not ours to count.
    .filter((l) => /\b(dockerd|containerd)\b/.test(l) && /\/sbe-/.test(l))
    .map((l) => l.trim())
    .sort();
  return { namespaces: existsSync('/run/netns') ? readdirSync('/run/netns').sort() : [], links, mounts, loopDevices, cgroups, engineProcesses };
}

/**
 * What `after` holds that `before` did not, per kind: what a test left behind. Entries that vanished meanwhile
 * are not a test's leftovers (another run on a shared machine may have ended), so only additions count; with
 * `ownerPid`, only what that process's runs name as theirs (its owner tag, its engines' `sbe-PID-` dirs).
 */
export function addedSince(before: HostSnapshot, after: HostSnapshot, ownerPid?: number): Partial<Record<keyof HostSnapshot, string[]>> {
  const tag = ownerPid === undefined ? undefined : ownerTagPrefix(ownerPid);
  // Mounts outside /run/netns are under the test's own work dir (snapshotHost lists no others).
  const owned = (kind: keyof HostSnapshot, entry: string) =>
    tag === undefined || entry.includes(tag) || entry.includes(`sbe-${ownerPid}-`) || (kind === 'mounts' && !entry.startsWith('/run/netns'));
  const added: Partial<Record<keyof HostSnapshot, string[]>> = {};
  for (const kind of Object.keys(after) as (keyof HostSnapshot)[]) {
    const fresh = after[kind].filter((entry) => !before[kind].includes(entry) && owned(kind, entry));
    if (fresh.length > 0) added[kind] = fresh;
  }
  return added;
}
