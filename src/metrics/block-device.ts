import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DISKSTATS_PATH, readDiskstats } from './diskstats.ts';

/** Where a directory's file system sits, as found by `blockDeviceFor`. */
export type BlockDeviceLookup = FoundBlockDevice | NoBlockDevice;

interface MountFacts {
  major: number;
  minor: number;
  /** From /proc/self/mountinfo; absent when that file could not be read or had no matching mount. */
  fsType?: string;
  mountPoint?: string;
}

export interface FoundBlockDevice extends MountFacts {
  /** The kernel's name, as /proc/diskstats spells it: `sda1`, `nvme0n1p2`, `dm-0`, `vda`. */
  device: string;
  partition: boolean;
  /** The disk a partition belongs to; the device itself when it is a whole disk. */
  wholeDisk: string;
}

export interface NoBlockDevice extends MountFacts {
  device: undefined;
  /** Why there is none, for a warning: e.g. `tmpfs has no block device (it lives in memory)`. */
  reason: string;
}

/** Split a Linux dev_t the way glibc's major()/minor() do; bigint because dev_t is 64 bits wide. */
function splitDev(dev: bigint): { major: number; minor: number } {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n);
  const minor = (dev & 0xffn) | ((dev >> 12n) & 0xffffff00n);
  return { major: Number(major), minor: Number(minor) };
}

// mountinfo escapes space, tab, newline and backslash in paths as octal.
const unescapeMountPath = (p: string) => p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

/** The mount holding `dir` among those with this device number (bind mounts share one): the longest prefix. */
function findMount(dir: string, major: number, minor: number): { fsType: string; mountPoint: string } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  let best: { fsType: string; mountPoint: string } | undefined;
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 0 || fields[2] !== `${major}:${minor}`) continue;
    const mountPoint = unescapeMountPath(fields[4] ?? '');
    const fsType = fields[sep + 1] ?? 'unknown';
    const inside = mountPoint === '/' || dir === mountPoint || dir.startsWith(`${mountPoint}/`);
    if (inside && (best === undefined || mountPoint.length > best.mountPoint.length)) best = { fsType, mountPoint };
  }
  return best;
}

const WHY_NO_DEVICE: Record<string, string> = {
  tmpfs: 'it lives in memory',
  ramfs: 'it lives in memory',
  overlay: 'it stacks directories of other file systems',
  btrfs: 'btrfs gives each subvolume an anonymous device number; its disks are listed under /sys/fs/btrfs',
  nfs: 'it is a network file system',
  nfs4: 'it is a network file system',
  fuse: 'it is served by a user-space process',
  zfs: 'ZFS pools span devices; see zpool iostat',
};

function noDeviceReason(facts: MountFacts): string {
  const what = facts.fsType ?? 'this file system';
  const why = facts.fsType === undefined ? undefined : (WHY_NO_DEVICE[facts.fsType] ?? (facts.fsType.startsWith('fuse.') ? WHY_NO_DEVICE.fuse : undefined));
  const where = facts.mountPoint === undefined ? '' : ` at ${facts.mountPoint}`;
  return `${what}${where} has no block device (${why ?? `device number ${facts.major}:${facts.minor} is virtual`})`;
}

/**
 * The block device under `dir`: stat's device number, then /sys/dev/block/MAJ:MIN for the kernel's name
 * (a partition has its own line in /proc/diskstats, so it is measured as itself). File systems without a
 * block device (tmpfs, overlay, btrfs subvolumes, NFS, FUSE: device major 0) give `device: undefined` and a
 * reason rather than an error, so a run can go on without disk metrics and say why.
 */
export async function blockDeviceFor(dir: string): Promise<BlockDeviceLookup> {
  const resolved = realpathSync(path.resolve(dir));
  const { dev } = await stat(resolved, { bigint: true });
  const { major, minor } = splitDev(dev);
  const mount = findMount(resolved, major, minor);
  const facts: MountFacts = { major, minor, ...mount };
  if (major === 0) return { ...facts, device: undefined, reason: noDeviceReason(facts) };

  const sysPath = `/sys/dev/block/${major}:${minor}`;
  if (existsSync(sysPath)) {
    const real = realpathSync(sysPath);
    const device = path.basename(real);
    const partition = existsSync(path.join(real, 'partition'));
    return { ...facts, device, partition, wholeDisk: partition ? path.basename(path.dirname(real)) : device };
  }
  // No sysfs (some containers): /proc/diskstats carries the same numbers, though not which disk a partition is on.
  const entry = readDiskstats().find((e) => e.major === major && e.minor === minor);
  if (entry !== undefined) return { ...facts, device: entry.device, partition: false, wholeDisk: entry.device };
  return { ...facts, device: undefined, reason: `device ${major}:${minor} is in neither ${sysPath} nor ${DISKSTATS_PATH}` };
}
