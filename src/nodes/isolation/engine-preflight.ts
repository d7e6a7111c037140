import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ShipbenchError } from '../../core/errors.ts';
import type { ResolvedFleet } from '../../scenario/resolved.ts';
import { BLKIO_ROOT } from './blkio-root.ts';

/** One thing real engines or emulated hosts need from this machine, and whether it is there. */
export interface Prerequisite {
  readonly piece: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix: string;
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin'])) {
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

function tool(command: string, debianPackage: string, why: string): Prerequisite {
  const path = onPath(command);
  return { piece: command, ok: path !== undefined, detail: path ?? `not on PATH (${why})`, fix: `apt-get install ${debianPackage} (or run scripts/setup.sh)` };
}

function kernel(piece: string, ok: boolean, detail: string, fix: string): Prerequisite {
  return { piece, ok, detail, fix };
}

function filesystemKnown(name: string): boolean {
  const listed = readFileSync('/proc/filesystems', 'utf8').split('\n').some((l) => l.trim().split(/\s+/).at(-1) === name);
  // A module not loaded yet is loaded on the first mount; its presence on disk is enough.
  return listed || existsSync(`/sys/module/${name}`);
}

/** Loop-device ext4 disks, one per node: emulated hosts' (netns) and virtual nodes' with fleet.node.disk.own. */
function nodeDiskChecks(): Prerequisite[] {
  return [
    tool('losetup', 'util-linux', 'node disks'), tool('mount', 'mount', 'node disks'), tool('mkfs.ext4', 'e2fsprogs', 'node disks'),
    kernel('loop devices', existsSync('/dev/loop-control'), '/dev/loop-control', 'modprobe loop (a kernel with CONFIG_BLK_DEV_LOOP); in a container, give it the loop devices'),
    kernel('ext4', filesystemKnown('ext4'), 'node disks are ext4', 'a kernel with ext4'),
  ];
}

function rootCheck(why: string): Prerequisite {
  const root = process.getuid?.() === 0;
  return kernel('root', root, root ? 'running as root' : `running as uid ${process.getuid?.() ?? '?'}`, `run as root (sudo): ${why}`);
}

/** What the fleet's backends, isolation and own disks need here; empty for virtual nodes in the harness's file system. */
export function enginePrerequisites(fleet: ResolvedFleet): Prerequisite[] {
  const engines = fleet.backends.filter((b) => b !== 'virtual');
  if (fleet.hosts.length > 0) return [];
  if (engines.length === 0) {
    return fleet.node.disk.own ? [rootCheck('virtual nodes with fleet.node.disk.own each mount a loop-device disk'), ...nodeDiskChecks()] : [];
  }
  const checks: Prerequisite[] = [rootCheck('shipbench starts its own container engines, and mounts, namespaces and cgroups need it')];
  if (engines.includes('docker')) checks.push(tool('dockerd', 'docker.io', 'docker nodes are Docker Engines'));
  if (engines.includes('containerd')) checks.push(tool('containerd', 'containerd', 'containerd nodes'), tool('ctr', 'containerd', 'drives containerd nodes'));
  checks.push(kernel('overlay filesystem', filesystemKnown('overlay'), 'engines unpack layers into overlayfs snapshots', 'a kernel with overlayfs (CONFIG_OVERLAY_FS), or modprobe overlay'));
  if (fleet.isolation === 'netns') {
    checks.push(tool('ip', 'iproute2', 'network namespaces, veth pairs, bridge'), tool('tc', 'iproute2', 'NIC shaping'), tool('nsenter', 'util-linux', 'starts engines inside namespaces'));
    checks.push(kernel('network namespaces', existsSync('/proc/self/ns/net'), '/proc/self/ns/net', 'a kernel with CONFIG_NET_NS'));
    checks.push(...nodeDiskChecks());
    const d = fleet.node.disk;
    if (d.readBytesPerSecond !== undefined || d.writeBytesPerSecond !== undefined || d.iops !== undefined) {
      const blkio = existsSync(join(BLKIO_ROOT, 'blkio.throttle.write_bps_device'));
      checks.push(kernel('cgroup v1 blkio', blkio, `${BLKIO_ROOT} (fleet.node.disk limits)`, 'mount the cgroup v1 blkio controller at /sys/fs/cgroup/blkio, or drop fleet.node.disk limits'));
    }
  }
  return checks;
}

/** `run`'s guard: every missing piece named at once, before anything is started. */
export function assertEnginePrerequisites(fleet: ResolvedFleet): void {
  const missing = enginePrerequisites(fleet).filter((c) => !c.ok);
  if (missing.length === 0) return;
  const withWhat = fleet.isolation === 'netns' ? ' with netns isolation' : fleet.node.disk.own ? ' with own node disks' : '';
  throw new ShipbenchError('engine-prerequisites-missing', `this machine lacks what fleet.backend ${fleet.backends.join(', ')}${withWhat} needs:\n${missing.map((m) => `  - ${m.piece}: ${m.detail}; fix: ${m.fix}`).join('\n')}`, {
    hint: 'run `shipbench doctor <scenario>` for the full list',
  });
}
