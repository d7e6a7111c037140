import { readdirSync, readFileSync } from 'node:fs';
import { diskstatsFor } from './diskstats.ts';

/**
 * Where a set of processes spent their time, summed over every thread, and what their disk did: the
 * counters behind a neighbour's attribution (CPU run-queue wait, I/O wait, the disk's queue and latency).
 * Two snapshots make a window's figures (`contentionBetween`).
 */
export interface ContentionSnapshot {
  readonly epochMs: number;
  /** Nanoseconds on a CPU, summed over the processes' threads (/proc/PID/task/TID/schedstat, field 1). */
  readonly cpuRunNs: number;
  /** Nanoseconds runnable but waiting for a CPU (schedstat field 2): the run-queue wait. */
  readonly cpuWaitNs: number;
  /** Clock ticks waiting for block I/O (/proc/PID/stat field 42, delayacct_blkio_ticks); null when delay accounting is off. */
  readonly ioWaitTicks: number | null;
  /** The disk's counters, or null without a block device (tmpfs). */
  readonly disk: DiskCounters | null;
  /** The processes' cgroup's pressure stall totals (PSI `some`, µs), or null without one. */
  readonly stalls: { readonly cpuUs: number; readonly ioUs: number } | null;
}

export interface DiskCounters {
  readonly ios: number;
  /** Milliseconds the reads and writes took, summed over them (per-op latency = ioMs / ios). */
  readonly ioMs: number;
  /** Milliseconds the device had I/O in flight. */
  readonly busyMs: number;
  /** Milliseconds of I/O in flight weighted by how many (average queue depth = weightedMs / elapsed). */
  readonly weightedMs: number;
}

/** A window's figures between two snapshots. */
export interface ContentionFigures {
  readonly seconds: number;
  readonly cpuRunMs: number;
  readonly cpuWaitMs: number;
  /** Null when delay accounting is off (kernel.task_delayacct=0 or the delayacct boot option missing). */
  readonly ioWaitMs: number | null;
  /** Wall time some of the processes waited for a CPU (PSI), null without a pressure group. */
  readonly cpuStallMs: number | null;
  /** Wall time some of the processes waited for block I/O (PSI), null without a pressure group. */
  readonly ioStallMs: number | null;
  readonly disk: { readonly ios: number; readonly latencyMs: number | null; readonly queueDepth: number; readonly utilisation: number } | null;
}

/** USER_HZ: /proc reports delayacct ticks in it; 100 on every Linux architecture shipbench runs on. */
const TICKS_PER_SECOND = 100;

/** Whether the kernel accounts block-I/O delay per task (the sysctl exists from 5.14; older kernels decide at boot). */
export function delayAccountingEnabled(): boolean {
  try {
    return readFileSync('/proc/sys/kernel/task_delayacct', 'utf8').trim() === '1';
  } catch {
    return /(?:^|\s)delayacct(?:\s|$)/.test(readFileSync('/proc/cmdline', 'utf8'));
  }
}

/** schedstat of every thread of `pid`; zeros for a process that is gone (it stops counting, which is what it did). */
function threadTimes(pid: number): { runNs: number; waitNs: number } {
  let runNs = 0;
  let waitNs = 0;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { runNs, waitNs };
  }
  for (const tid of tids) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      runNs += run ?? 0;
      waitNs += wait ?? 0;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return { runNs, waitNs };
}

/** delayacct_blkio_ticks of the whole process (field 42 of /proc/PID/stat, counted after the command's closing parenthesis). */
function blkioTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields from 3 on follow the `(comm)`, which may itself hold spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[42 - 3]) || 0;
  } catch {
    return 0;
  }
}

function diskCounters(device: string | undefined): DiskCounters | null {
  if (device === undefined) return null;
  try {
    const d = diskstatsFor(device);
    return { ios: d.readsCompleted + d.writesCompleted, ioMs: d.readMs + d.writeMs, busyMs: d.ioTicksMs, weightedMs: d.weightedIoMs };
  } catch {
    return null;
  }
}

export function contentionSnapshot(
  pids: readonly number[],
  options: { readonly device: string | undefined; readonly delayAccounting: boolean; readonly stalls: ContentionSnapshot['stalls']; readonly epochMs: number },
): ContentionSnapshot {
  const { device, delayAccounting, stalls, epochMs } = options;
  let cpuRunNs = 0;
  let cpuWaitNs = 0;
  let ticks = 0;
  for (const pid of pids) {
    const t = threadTimes(pid);
    cpuRunNs += t.runNs;
    cpuWaitNs += t.waitNs;
    if (delayAccounting) ticks += blkioTicks(pid);
  }
  return { epochMs, cpuRunNs, cpuWaitNs, ioWaitTicks: delayAccounting ? ticks : null, disk: diskCounters(device), stalls };
}

/** The figures of the window from `a` to `b`; a counter that went backwards (a process replaced in between) counts as 0. */
export function contentionBetween(a: ContentionSnapshot, b: ContentionSnapshot): ContentionFigures {
  const seconds = Math.max(0, (b.epochMs - a.epochMs) / 1000);
  const grew = (x: number, y: number) => Math.max(0, y - x);
  const disk = a.disk === null || b.disk === null ? null : (() => {
    const ios = grew(a.disk.ios, b.disk.ios);
    const elapsedMs = seconds * 1000;
    return {
      ios,
      latencyMs: ios === 0 ? null : grew(a.disk.ioMs, b.disk.ioMs) / ios,
      queueDepth: elapsedMs === 0 ? 0 : grew(a.disk.weightedMs, b.disk.weightedMs) / elapsedMs,
      utilisation: elapsedMs === 0 ? 0 : Math.min(1, grew(a.disk.busyMs, b.disk.busyMs) / elapsedMs),
    };
  })();
  return {
    seconds,
    cpuRunMs: grew(a.cpuRunNs, b.cpuRunNs) / 1e6,
    cpuWaitMs: grew(a.cpuWaitNs, b.cpuWaitNs) / 1e6,
    ioWaitMs: a.ioWaitTicks === null || b.ioWaitTicks === null ? null : (grew(a.ioWaitTicks, b.ioWaitTicks) * 1000) / TICKS_PER_SECOND,
    cpuStallMs: a.stalls === null || b.stalls === null ? null : grew(a.stalls.cpuUs, b.stalls.cpuUs) / 1000,
    ioStallMs: a.stalls === null || b.stalls === null ? null : grew(a.stalls.ioUs, b.stalls.ioUs) / 1000,
    disk,
  };
}
