import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OWNER_TAG_PATTERN, ownerOfTag } from '../core/owner-tag.ts';
import { processAlive } from '../core/process-alive.ts';

/** The per-run cgroup directories the neighbours' isolation and pressure groups create: `shipbench-<owner tag>`. */
const GROUP_NAME = new RegExp(`^shipbench-(${OWNER_TAG_PATTERN})$`);

/** Empties a `shipbench-*` group into `home` and removes it, leaves first; a group still busy is left for the next run's sweep. */
export function removeGroup(dir: string, home: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeGroup(join(dir, entry.name), home);
  for (let attempt = 0; attempt < 20; attempt++) {
    let pids: string[] = [];
    try {
      pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((p) => p !== '');
    } catch {
      return;
    }
    for (const pid of pids) {
      try {
        writeFileSync(join(home, 'cgroup.procs'), pid);
      } catch {
        // exited meanwhile, or a zombie the kernel drops on its own
      }
    }
    try {
      rmdirSync(dir);
      return;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25); // a just-exited child may linger for a moment
    }
  }
}

/** The groups under `root` of runs whose process is gone (killed with SIGKILL): theirs, by the PID in the name, and nothing else. */
export function sweepDeadGroups(root: string, home: string): void {
  for (const name of readdirSync(root)) {
    const tag = GROUP_NAME.exec(name)?.[1];
    if (tag !== undefined && !processAlive(ownerOfTag(tag))) removeGroup(join(root, name), home);
  }
}

