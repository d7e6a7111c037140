import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCleanup } from '../core/exit-cleanup.ts';
import { newOwnerTag } from '../core/owner-tag.ts';
import { processAlive } from '../core/process-alive.ts';
import { removeGroup, sweepDeadGroups } from './cgroup-dirs.ts';

/**
 * CPU isolation of the neighbours from the harness: two cpuset cgroups under a per-run
 * `shipbench-<owner tag>` directory, `neighbours` on the last core(s) and `harness` on the others. The
 * harness side is shipbench's own process (virtual nodes unpack in its threads), every process it started
 * (registry, rsync daemons and clients, dockerd/containerd and their children) and whatever they start
 * later (a fork inherits its parent's cgroup). Disk I/O is not separated: that is the contention measured.
 *
 * Processes are moved by PID (cgroup.procs moves all of a process's threads). `close` moves them back to
 * the cgroup shipbench started in and removes the directories; it also runs synchronously on exit, SIGINT
 * and SIGTERM, and a later run removes the directories of a run killed with SIGKILL.
 */

export type IsolationMode = 'cpuset' | 'shared';

/** What a run got: the mode in force, the cores on each side, and why when it is not what was asked. */
export interface IsolationOutcome {
  readonly requested: IsolationMode | undefined;
  readonly mode: IsolationMode;
  readonly neighbourCpus: string | undefined;
  readonly harnessCpus: string | undefined;
  /** Why isolation is off, or which cgroup version made it. */
  readonly note: string;
}

interface Hierarchy {
  readonly version: 1 | 2;
  /** Where the cpuset controller's hierarchy is mounted. */
  readonly root: string;
  /** This process's cpuset cgroup, relative to the root: processes go back there at the end. */
  readonly home: string;
}

const V1_ROOT = '/sys/fs/cgroup/cpuset';
const V2_ROOT = '/sys/fs/cgroup';

const exitCleanup = new ExitCleanup<CpuIsolation>((isolation) => isolation.close());

/** The cpuset hierarchy this machine has, or why there is none to use. */
function findHierarchy(): Hierarchy | string {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  if (existsSync(join(V1_ROOT, 'cpuset.cpus'))) {
    const home = lines.find((l) => l.split(':')[1]?.split(',').includes('cpuset'))?.split(':')[2] ?? '/';
    return { version: 1, root: V1_ROOT, home };
  }
  const controllers = existsSync(join(V2_ROOT, 'cgroup.controllers')) ? readFileSync(join(V2_ROOT, 'cgroup.controllers'), 'utf8') : '';
  if (controllers.split(/\s+/).includes('cpuset')) {
    return { version: 2, root: V2_ROOT, home: lines.find((l) => l.startsWith('0::'))?.slice(3) ?? '/' };
  }
  return 'no cpuset cgroup controller is mounted (neither cgroup v1 /sys/fs/cgroup/cpuset nor cpuset in cgroup v2 /sys/fs/cgroup)';
}

/** A cpu list (`0-3,6`) as numbers. */
export function parseCpuList(list: string): number[] {
  return list.trim().split(',').filter((p) => p !== '').flatMap((part) => {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  });
}

/** The cores this process may run on (its affinity and cpuset both), from /proc/self/status. */
export function allowedCpus(): number[] {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
  return parseCpuList(line?.split(':')[1] ?? '0');
}

/** A quarter of the cores for the neighbours, at least one: on 2 cores, one each. */
export function splitCpus(cpus: readonly number[]): { neighbours: number[]; harness: number[] } {
  const n = Math.max(1, Math.floor(cpus.length / 4));
  return { neighbours: cpus.slice(cpus.length - n), harness: cpus.slice(0, cpus.length - n) };
}

export class CpuIsolation {
  readonly outcome: IsolationOutcome;
  private readonly hierarchy: Hierarchy;
  private readonly dir: string;
  private closed = false;

  private constructor(hierarchy: Hierarchy, dir: string, outcome: IsolationOutcome) {
    this.hierarchy = hierarchy;
    this.dir = dir;
    this.outcome = outcome;
  }

  /**
   * Sets up isolation when asked for (or by default) and possible; otherwise returns undefined with the
   * reason in `shared`. Never throws for a machine that cannot: the run goes on shared, and says so.
   */
  static create(requested: IsolationMode | undefined): { isolation: CpuIsolation | undefined; outcome: IsolationOutcome } {
    const shared = (note: string): { isolation: undefined; outcome: IsolationOutcome } => ({
      isolation: undefined,
      outcome: { requested, mode: 'shared', neighbourCpus: undefined, harnessCpus: undefined, note },
    });
    if (requested === 'shared') return shared('neighbours share the CPUs with the harness (neighbours.isolation: shared)');
    const cpus = allowedCpus();
    if (cpus.length < 2) return shared(`only ${cpus.length} core available: the neighbours share it with the harness, so their slow-down includes the harness's CPU`);
    const hierarchy = findHierarchy();
    if (typeof hierarchy === 'string') return shared(`${hierarchy}: the neighbours share the CPUs with the harness`);
    sweepDeadGroups(hierarchy.root, join(hierarchy.root, hierarchy.home));
    const dir = join(hierarchy.root, `shipbench-${newOwnerTag()}`);
    const split = splitCpus(cpus);
    try {
      mkdirSync(dir);
    } catch (error) {
      return shared(`cgroups are not writable here (${(error as Error).message}): the neighbours share the CPUs with the harness`);
    }
    const outcome: IsolationOutcome = {
      requested,
      mode: 'cpuset',
      neighbourCpus: split.neighbours.join(','),
      harnessCpus: split.harness.join(','),
      note: `cgroup v${hierarchy.version} cpuset: neighbours on CPU ${split.neighbours.join(',')}, harness and nodes on CPU ${split.harness.join(',')}; disk shared`,
    };
    const isolation = new CpuIsolation(hierarchy, dir, outcome);
    exitCleanup.track(isolation);
    try {
      isolation.configure(cpus, split);
    } catch (error) {
      isolation.close();
      return shared(`the cpuset cgroups could not be set up (${(error as Error).message}): the neighbours share the CPUs with the harness`);
    }
    return { isolation, outcome };
  }

  private configure(all: readonly number[], split: { neighbours: number[]; harness: number[] }): void {
    const { version, root } = this.hierarchy;
    if (version === 2) writeFileSync(join(root, 'cgroup.subtree_control'), '+cpuset');
    const mems = version === 1 ? readFileSync(join(root, 'cpuset.effective_mems'), 'utf8').trim() : undefined;
    const setUp = (dir: string, cpus: readonly number[]) => {
      if (mems !== undefined) writeFileSync(join(dir, 'cpuset.mems'), mems);
      writeFileSync(join(dir, 'cpuset.cpus'), cpus.join(','));
    };
    setUp(this.dir, all);
    if (version === 2) writeFileSync(join(this.dir, 'cgroup.subtree_control'), '+cpuset');
    for (const [side, cpus] of [['harness', split.harness], ['neighbours', split.neighbours]] as const) {
      mkdirSync(join(this.dir, side));
      setUp(join(this.dir, side), cpus);
    }
  }

  /** The neighbours' cgroup when it is in the cgroup v2 hierarchy (where PSI is, and a process has only one cgroup). */
  get neighboursV2Dir(): string | undefined {
    return this.hierarchy.version === 2 ? join(this.dir, 'neighbours') : undefined;
  }

  /** Moves processes to one side; a process that has exited meanwhile is skipped. */
  move(side: 'harness' | 'neighbours', pids: Iterable<number>): void {
    if (this.closed) return;
    for (const pid of pids) {
      try {
        writeFileSync(join(this.dir, side, 'cgroup.procs'), String(pid));
      } catch (error) {
        if (processAlive(pid)) throw new Error(`cannot move process ${pid} into ${join(this.dir, side)}: ${(error as Error).message}`);
      }
    }
  }

  /** Moves every process back to where shipbench started and removes the cgroups; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    exitCleanup.untrack(this);
    removeGroup(this.dir, join(this.hierarchy.root, this.hierarchy.home));
  }
}

/** Every live descendant of `pid` (children, their children, ...), from /proc's parent links. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
