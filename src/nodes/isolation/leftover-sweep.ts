import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OWNER_TAG_PATTERN, ownerOfTag } from '../../core/owner-tag.ts';
import { processAlive } from '../../core/process-alive.ts';
import { sweepStaleTempDirs } from '../../registry/embedded-registry.ts';
import { sweepStaleCtrAuthDirs } from '../engines/ctr-registry-auth.ts';
import { BLKIO_ROOT } from './blkio-root.ts';
import { hostCommand } from './host-command.ts';

/**
 * What a shipbench killed with SIGKILL leaves on the host (no handler of its ran): engine daemons, their
 * mounts, node disks' loop devices, network namespaces, bridges and veths, blkio cgroups, temp dirs. Each
 * of these carries its owner's PID in its name (core/owner-tag.ts, `sbe-<pid>-` state dirs, the registry's
 * `shipbench-registry-<pid>-` dirs); the sweep undoes those whose owner is dead, and nothing else: a
 * resource of a live run, or one whose name does not say it is shipbench's, is never touched.
 */

export type LeftoverKind = 'engine process' | 'mount' | 'loop device' | 'network namespace' | 'link' | 'cgroup' | 'directory';

export interface SweptLeftover {
  readonly kind: LeftoverKind;
  readonly name: string;
  readonly ownerPid: number;
}

export interface SweepResult {
  readonly removed: SweptLeftover[];
  /** What could not be undone (it stays, and the next sweep tries again). */
  readonly failures: Array<{ readonly what: string; readonly message: string }>;
}

const STATE_DIR_PREFIX = 'sbe-';
/** An engine state dir in a path: `/tmp/sbe-<pid>-XXXXXX` (mkdtemp's suffix has no dash). */
const STATE_DIR_IN_PATH = new RegExp(`/${STATE_DIR_PREFIX}(\\d+)-[A-Za-z0-9]+(?=/|\\s|$)`);
const NODE_DISKS_IN_PATH = new RegExp(`/shipbench-disks-(${OWNER_TAG_PATTERN})(?=/|\\s|$)`);
const NETNS_NAME = new RegExp(`^shipbench-(${OWNER_TAG_PATTERN})-`);
const LINK_NAME = new RegExp(`^sb(${OWNER_TAG_PATTERN})(?:br|r|n\\d+)i?$`);
const CGROUP_NAME = new RegExp(`^shipbench-(${OWNER_TAG_PATTERN})$`);
const NETNS_DIR = '/run/netns';

/** A fresh engine state dir (sockets, pid files, logs) under /tmp, named by our PID. */
export function engineStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), `${STATE_DIR_PREFIX}${process.pid}-`));
}

/** The dead owner a path names (an engine state dir or a node disks dir in it), or undefined. */
function deadOwnerOfPath(path: string): number | undefined {
  const state = STATE_DIR_IN_PATH.exec(path);
  const disks = NODE_DISKS_IN_PATH.exec(path);
  const owner = state !== null ? Number(state[1]) : disks !== null ? ownerOfTag(disks[1] as string) : undefined;
  return owner !== undefined && !processAlive(owner) ? owner : undefined;
}

function deadOwnerOfTag(name: string, pattern: RegExp): number | undefined {
  const tag = pattern.exec(name)?.[1];
  if (tag === undefined) return undefined;
  const owner = ownerOfTag(tag);
  return processAlive(owner) ? undefined : owner;
}

/** Undoes every leftover of dead shipbench runs; safe to call at any time, from any number of runs. */
export async function sweepLeftovers(): Promise<SweepResult> {
  const result: SweepResult = { removed: [], failures: [] };
  // `gone` says whether the piece is no longer there: an undo that fails on a piece that went meanwhile (the
  // kernel's own clean-up, or another run's sweep) has still been undone.
  const attempt = async (kind: LeftoverKind, name: string, ownerPid: number, undo: () => Promise<unknown>, gone: () => boolean | Promise<boolean> = () => false) => {
    try {
      await undo();
      result.removed.push({ kind, name, ownerPid });
    } catch (error) {
      if (await gone()) result.removed.push({ kind, name, ownerPid });
      else result.failures.push({ what: `${kind} ${name}`, message: error instanceof Error ? error.message : String(error) });
    }
  };

  // Daemons first: they hold the mounts, loop devices and namespaces below.
  const doomed = enginesOfDeadOwners();
  for (const { pid, owner, args } of doomed) await attempt('engine process', `${pid} ${args.slice(0, 160)}`, owner, () => killAndWait(pid));

  // Deepest mounts first: an engine's overlays sit inside its node disk.
  const mounts = mountPoints().flatMap((path) => {
    const owner = deadOwnerOfPath(path);
    return owner === undefined ? [] : [{ path, owner }];
  });
  mounts.sort((a, b) => b.path.length - a.path.length);
  for (const { path, owner } of mounts) await attempt('mount', path, owner, () => unmount(path), () => !mountPoints().includes(path));

  const loops = await loopDevicesOfDeadOwners();
  for (const { device, file, owner } of loops) {
    const detached = async () => !(await loopDevicesOfDeadOwners()).some((l) => l.device === device);
    await attempt('loop device', `${device} (${file})`, owner, () => hostCommand('losetup', ['-d', device]), detached);
  }

  for (const name of existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR) : []) {
    const owner = deadOwnerOfTag(name, NETNS_NAME);
    if (owner !== undefined) await attempt('network namespace', name, owner, () => hostCommand('ip', ['netns', 'del', name]), () => !existsSync(join(NETNS_DIR, name)));
  }
  // A veth goes with its namespace, but not at once: the kernel destroys a deleted namespace's devices in
  // the background, so a host end listed here may vanish before its own delete runs.
  for (const name of existsSync('/sys/class/net') ? readdirSync('/sys/class/net') : []) {
    const owner = deadOwnerOfTag(name, LINK_NAME);
    const link = `/sys/class/net/${name}`;
    if (owner !== undefined && existsSync(link)) await attempt('link', name, owner, () => hostCommand('ip', ['link', 'del', name]), () => !existsSync(link));
  }
  for (const name of existsSync(BLKIO_ROOT) ? readdirSync(BLKIO_ROOT) : []) {
    const owner = deadOwnerOfTag(name, CGROUP_NAME);
    const dir = join(BLKIO_ROOT, name);
    if (owner !== undefined) await attempt('cgroup', dir, owner, () => removeCgroupTree(dir), () => !existsSync(dir));
  }

  // Directories last, and only with nothing mounted below them any more.
  const dirs = new Map<string, number>();
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    const path = join(tmpdir(), name);
    const owner = deadOwnerOfPath(`${path}/`);
    if (owner !== undefined && name.startsWith(STATE_DIR_PREFIX)) dirs.set(path, owner);
  }
  for (const { path, owner } of [...mounts, ...loops.map((l) => ({ path: l.file, owner: l.owner }))]) {
    const disks = NODE_DISKS_IN_PATH.exec(path);
    if (disks !== null) dirs.set(path.slice(0, disks.index + disks[0].length), owner);
  }
  for (const [path, owner] of dirs) {
    await attempt('directory', path, owner, async () => {
      const below = mountPoints().filter((m) => m === path || m.startsWith(`${path}/`));
      if (below.length > 0) throw new Error(`still mounted: ${below.join(', ')}`);
      await rm(path, { recursive: true, force: true });
    });
  }
  for (const { path, ownerPid } of await sweepStaleTempDirs()) result.removed.push({ kind: 'directory', name: path, ownerPid });
  // A containerd pull's registry credentials (a hosts.toml with the Authorization header): a secret on disk.
  for (const { path, ownerPid } of await sweepStaleCtrAuthDirs()) result.removed.push({ kind: 'directory', name: path, ownerPid });
  return result;
}

interface EngineProcess {
  readonly pid: number;
  readonly owner: number;
  readonly args: string;
}

/** Live processes whose command line names a dead run's engine state dir or node disks. */
function enginesOfDeadOwners(): EngineProcess[] {
  const found: EngineProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let args: string;
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue; // exited while we looked
    }
    const owner = deadOwnerOfPath(args);
    if (owner !== undefined && !isZombie(Number(name))) found.push({ pid: Number(name), owner, args });
  }
  return found;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function killAndWait(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw error;
  }
  for (let i = 0; i < 100; i++) {
    if (!processAlive(pid) || isZombie(pid)) return;
    await sleep(50);
  }
  throw new Error(`pid ${pid} still runs 5 s after SIGKILL`);
}

/** Mount points, unescaped (mountinfo writes a space as \040). */
function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((path) => path !== '');
}

async function unmount(path: string): Promise<void> {
  try {
    await hostCommand('umount', [path]);
  } catch {
    // Busy (a process we could not see holds it): detach it now, the kernel frees it when the last user goes.
    await hostCommand('umount', ['-l', path]);
  }
}

/** Loop devices over a dead run's node disk images. */
async function loopDevicesOfDeadOwners(): Promise<Array<{ device: string; file: string; owner: number }>> {
  const text = await hostCommand('losetup', ['-a', '-n', '-O', 'NAME,BACK-FILE']).catch(() => '');
  const found: Array<{ device: string; file: string; owner: number }> = [];
  for (const line of text.split('\n')) {
    const [device, ...rest] = line.trim().split(/\s+/);
    const file = rest.join(' ').replace(/ \(deleted\)$/, '');
    if (device === undefined || device === '' || file === '') continue;
    const owner = deadOwnerOfPath(file);
    if (owner !== undefined && NODE_DISKS_IN_PATH.test(file)) found.push({ device, file, owner });
  }
  return found;
}

/** A cgroup tree, leaves first; whatever still runs in it is a dead run's and is killed. */
async function removeCgroupTree(dir: string): Promise<void> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) await removeCgroupTree(join(dir, entry.name));
  for (let attempt = 1; ; attempt++) {
    const pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((p) => p !== '');
    for (const pid of pids) await killAndWait(Number(pid)).catch(() => undefined);
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      if (attempt >= 40) throw error;
      await sleep(100);
    }
  }
}
