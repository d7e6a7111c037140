import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TeardownRegistry } from '../../core/teardown-registry.ts';
import { BLKIO_ROOT } from './blkio-root.ts';
import { hostCommand } from './host-command.ts';

/** A node's own disk: an ext4 file system on a loop device, mounted where the node's engine keeps its data. */
export interface NodeDisk {
  /** e.g. `loop3`: its line in /proc/diskstats is this node's disk I/O. */
  readonly device: string;
  readonly mountpoint: string;
  /** cgroup v1 blkio directory the node's engine runs in; undefined when no limit was asked for. */
  readonly cgroupDir: string | undefined;
}

export interface DiskLimits {
  readonly readBytesPerSecond: number | undefined;
  readonly writeBytesPerSecond: number | undefined;
  readonly readIops: number | undefined;
  readonly writeIops: number | undefined;
}

/** A disk no blkio cgroup throttles: virtual nodes' (they meter their writes themselves, in this process). */
export const NO_DISK_LIMITS: DiskLimits = { readBytesPerSecond: undefined, writeBytesPerSecond: undefined, readIops: undefined, writeIops: undefined };


/** Where a fleet's node disks (images and mountpoints) go: named by the owner tag, so a sweep knows them. */
export function nodeDisksDirName(ownerTag: string): string {
  return `shipbench-disks-${ownerTag}`;
}

export function hasDiskLimits(limits: DiskLimits): boolean {
  return Object.values(limits).some((v) => v !== undefined);
}

/**
 * Creates `<imageFile>` (sparse, `sizeBytes`), makes ext4 on a loop device over it, mounts it at
 * `mountpoint`, and, when limits are set, a blkio cgroup throttling that loop device. Everything is recorded
 * in `teardown` as it is made.
 */
export async function createNodeDisk(options: {
  readonly imageFile: string;
  readonly mountpoint: string;
  readonly sizeBytes: number;
  readonly limits: DiskLimits;
  /** cgroup name under the blkio root, e.g. `shipbench-ab12/node-1`. */
  readonly cgroupName: string;
  readonly teardown: TeardownRegistry;
}): Promise<NodeDisk> {
  const { teardown } = options;
  const file = await open(options.imageFile, 'w');
  await file.truncate(options.sizeBytes);
  await file.close();
  teardown.add(`disk image ${options.imageFile}`, () => rm(options.imageFile, { force: true }));
  // Lazy inode tables: mkfs takes a moment, not a minute; noinit_itable below keeps the kernel from
  // zeroing them in the background during the measurement.
  await hostCommand('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=1,lazy_journal_init=1', '-L', 'shipbench', options.imageFile]);
  const loopPath = (await hostCommand('losetup', ['--find', '--show', options.imageFile])).trim();
  teardown.add(`loop device ${loopPath}`, () => hostCommand('losetup', ['-d', loopPath]).then(() => undefined));
  await mkdir(options.mountpoint, { recursive: true });
  await hostCommand('mount', ['-t', 'ext4', '-o', 'noinit_itable', loopPath, options.mountpoint]);
  teardown.add(`mount ${options.mountpoint}`, () => unmount(options.mountpoint));
  const device = basename(loopPath);

  let cgroupDir: string | undefined;
  if (hasDiskLimits(options.limits)) {
    cgroupDir = join(BLKIO_ROOT, options.cgroupName);
    await mkdir(cgroupDir, { recursive: true });
    const made = cgroupDir;
    teardown.add(`blkio cgroup ${made}`, () => removeCgroup(made));
    const majorMinor = readFileSync(`/sys/block/${device}/dev`, 'utf8').trim();
    const set = async (file: string, value: number | undefined) => {
      if (value !== undefined) await writeFile(join(made, file), `${majorMinor} ${Math.floor(value)}\n`);
    };
    await set('blkio.throttle.read_bps_device', options.limits.readBytesPerSecond);
    await set('blkio.throttle.write_bps_device', options.limits.writeBytesPerSecond);
    await set('blkio.throttle.read_iops_device', options.limits.readIops);
    await set('blkio.throttle.write_iops_device', options.limits.writeIops);
  }
  return { device, mountpoint: options.mountpoint, cgroupDir };
}

/** Flushes the node's file system, so its diskstats line counts what the engine wrote, not what waits in the page cache. */
export async function syncDisk(disk: NodeDisk): Promise<void> {
  await hostCommand('sync', ['-f', disk.mountpoint]);
}

async function unmount(mountpoint: string): Promise<void> {
  // An engine may have mounted overlays below its data root; those go first (deepest first).
  const below = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(`${mountpoint}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of below) await hostCommand('umount', [p]);
  for (let attempt = 1; ; attempt++) {
    try {
      await hostCommand('umount', [mountpoint]);
      break;
    } catch (error) {
      // A daemon that just exited can hold the file system for a moment more.
      if (attempt >= 20) throw error;
      await sleep(250);
    }
  }
  await rmdir(mountpoint).catch(() => undefined);
}

/** A cgroup can only be removed once empty: whatever still runs in it (ours) is killed first. */
async function removeCgroup(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (let attempt = 1; ; attempt++) {
    const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter((p) => p !== '');
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      await rmdir(dir);
      break;
    } catch (error) {
      if (attempt >= 40) throw error;
      await sleep(100);
    }
  }
  // The run's parent directory goes with its last node.
  const parent = join(dir, '..');
  if (parent !== BLKIO_ROOT && basename(parent).startsWith('shipbench-')) await rmdir(parent).catch(() => undefined);
}
