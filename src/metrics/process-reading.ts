import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';

/**
 * One look at a process through /proc/PID: its CPU time (stat), resident memory (status) and the TCP
 * connections it holds open (its socket fds matched against net/tcp and net/tcp6). Undefined once the
 * process is gone: the caller keeps what it read before.
 */
export interface ProcessReading {
  /** utime + stime, seconds since the process started. */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  /** VmHWM: the peak RSS since start or since the last `resetPeakRss`. */
  readonly peakRssBytes: number;
  /** Established TCP connections whose socket this process holds. */
  readonly connections: number;
}

// USER_HZ: the unit of /proc/PID/stat times, 100 on every Linux architecture shipbench runs on.
const CLOCK_TICKS_PER_SECOND = 100;
const TCP_ESTABLISHED = '01';

export function readProcess(pid: number, procRoot = '/proc'): ProcessReading | undefined {
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    const status = readFileSync(`${procRoot}/${pid}/status`, 'utf8');
    return {
      cpuSeconds: cpuSecondsOfStat(stat),
      rssBytes: statusKib(status, 'VmRSS') * 1024,
      peakRssBytes: statusKib(status, 'VmHWM') * 1024,
      connections: establishedConnections(pid, procRoot),
    };
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/**
 * Resets the process's peak RSS to its current RSS (writing 5 to clear_refs, Linux 4.0+), so VmHWM then
 * says the peak of the window that follows. False when the kernel or permissions do not allow it.
 */
export function resetPeakRss(pid: number, procRoot = '/proc'): boolean {
  try {
    writeFileSync(`${procRoot}/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** utime and stime are fields 14 and 15; the command name before them may hold spaces and parentheses. */
export function cpuSecondsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc/PID/stat: ${stat.slice(0, 80)}`);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

export function statusKib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? 0 : Number(match[1]);
}

function establishedConnections(pid: number, procRoot: string): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`${procRoot}/${pid}/fd`)) {
    // An fd closed between the listing and the readlink is simply not counted.
    const target = tryReadlink(`${procRoot}/${pid}/fd/${fd}`);
    const inode = target === undefined ? undefined : /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  if (inodes.size === 0) return 0;
  let n = 0;
  for (const table of ['tcp', 'tcp6']) {
    const text = tryRead(`${procRoot}/${pid}/net/${table}`);
    if (text !== undefined) n += countEstablished(text, inodes);
  }
  return n;
}

/** Rows of a /proc net/tcp table in state ESTABLISHED whose socket inode is one of `inodes`. */
export function countEstablished(table: string, inodes: ReadonlySet<string>): number {
  let n = 0;
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
    if (cols[3] === TCP_ESTABLISHED && inodes.has(cols[9] ?? '')) n++;
  }
  return n;
}

function tryReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}
