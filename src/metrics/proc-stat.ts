import { readFileSync } from 'node:fs';

/**
 * The aggregate `cpu` line of /proc/stat, in clock ticks (USER_HZ) summed over all online CPUs, plus how many
 * `cpuN` lines there were. Only differences between two readings mean anything.
 */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  /** user + nice + system + idle + iowait + irq + softirq + steal: guest time is already inside user/nice. */
  total: number;
  /** total - idle - iowait. Steal counts as busy: the CPU was not ours to use. */
  busy: number;
  cpus: number;
}

export const PROC_STAT_PATH = '/proc/stat';

export function parseProcStat(text: string): CpuTimes {
  let aggregate: number[] | undefined;
  let cpus = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) aggregate = line.trim().split(/\s+/).slice(1).map(Number);
    else if (/^cpu\d+\s/.test(line)) cpus++;
  }
  // Fields after idle arrived over kernel versions (iowait 2.5.41, steal 2.6.11); missing ones read as 0.
  if (aggregate === undefined || aggregate.length < 4 || aggregate.some((v) => !Number.isFinite(v))) {
    throw new Error('/proc/stat has no readable aggregate "cpu" line');
  }
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = aggregate;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { user, nice, system, idle, iowait, irq, softirq, steal, total, busy: total - idle - iowait, cpus };
}

export function readProcStat(path = PROC_STAT_PATH): CpuTimes {
  return parseProcStat(readFileSync(path, 'utf8'));
}
