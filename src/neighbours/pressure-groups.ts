import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCleanup } from '../core/exit-cleanup.ts';
import { newOwnerTag } from '../core/owner-tag.ts';
import { processAlive } from '../core/process-alive.ts';
import { removeGroup, sweepDeadGroups } from './cgroup-dirs.ts';

/**
 * One cgroup v2 group per neighbour, only to read its pressure stall information (PSI: cpu.pressure and
 * io.pressure, `some` total): the wall time at least one of its tasks waited for a CPU, or for block I/O.
 * That is the I/O wait per neighbour that /proc/PID/stat only has with delay accounting on, and it needs no
 * controller. On a machine with cgroup v1 controllers the v2 hierarchy is mounted beside them
 * (/sys/fs/cgroup/unified); on a pure v2 machine with cpuset isolation the groups sit inside the
 * neighbours' cpuset group, since a process has one cgroup there. No v2 hierarchy: no groups, no PSI.
 */

const exitCleanup = new ExitCleanup<PressureGroups>((groups) => groups.close());

/** Where cgroup2 is mounted, from /proc/self/mounts; undefined without one. */
function cgroup2Mount(): string | undefined {
  const line = readFileSync('/proc/self/mounts', 'utf8').split('\n').find((l) => l.split(' ')[2] === 'cgroup2');
  return line?.split(' ')[1];
}

export class PressureGroups {
  private readonly dir: string;
  private readonly home: string;
  /** The groups are inside the cpuset isolation's neighbours group (pure v2): placing a process here also pins it. */
  readonly insideIsolation: boolean;
  private closed = false;

  private constructor(dir: string, home: string, insideIsolation: boolean) {
    this.dir = dir;
    this.home = home;
    this.insideIsolation = insideIsolation;
  }

  /** `isolationV2Dir`: the cpuset isolation's neighbours group when that is in the v2 hierarchy. Undefined when PSI cannot be had here. */
  static create(isolationV2Dir: string | undefined): PressureGroups | undefined {
    const mount = cgroup2Mount();
    if (mount === undefined || !existsSync(join(mount, 'cpu.pressure'))) return undefined;
    const homeLine = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
    const home = join(mount, homeLine?.slice(3) ?? '/');
    let groups: PressureGroups;
    if (isolationV2Dir !== undefined) {
      groups = new PressureGroups(isolationV2Dir, home, true);
    } else {
      try {
        sweepDeadGroups(mount, home);
        const dir = join(mount, `shipbench-${newOwnerTag()}`);
        mkdirSync(dir);
        groups = new PressureGroups(dir, home, false);
      } catch {
        return undefined; // not writable here: the attribution falls back to schedstat and delay accounting
      }
    }
    exitCleanup.track(groups);
    return groups;
  }

  private groupOf(name: string): string {
    const dir = join(this.dir, name);
    if (!existsSync(dir)) mkdirSync(dir);
    return dir;
  }

  /** Moves a neighbour's processes into its group; one that has exited meanwhile is skipped. */
  place(name: string, pids: readonly number[]): void {
    if (this.closed) return;
    const dir = this.groupOf(name);
    for (const pid of pids) {
      try {
        writeFileSync(join(dir, 'cgroup.procs'), String(pid));
      } catch (error) {
        if (processAlive(pid)) throw new Error(`cannot move process ${pid} into ${dir}: ${(error as Error).message}`);
      }
    }
  }

  /** Microseconds some of the neighbour's tasks stalled on CPU and on I/O, since its group was made. */
  stalls(name: string): { cpuUs: number; ioUs: number } | undefined {
    if (this.closed) return undefined;
    const some = (file: string) => Number(/^some .*total=(\d+)/m.exec(readFileSync(join(this.dir, name, file), 'utf8'))?.[1] ?? Number.NaN);
    try {
      const cpuUs = some('cpu.pressure');
      const ioUs = some('io.pressure');
      return Number.isFinite(cpuUs) && Number.isFinite(ioUs) ? { cpuUs, ioUs } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Moves everything back and removes the groups (inside the isolation: only the per-neighbour ones). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    exitCleanup.untrack(this);
    if (this.insideIsolation) return; // the isolation removes its own tree, with these in it
    removeGroup(this.dir, this.home);
  }
}
