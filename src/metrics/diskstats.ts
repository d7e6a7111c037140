import { readFileSync } from 'node:fs';
import { ShipbenchError } from '../core/errors.ts';

/**
 * One line of /proc/diskstats, fields named as in the kernel's Documentation/admin-guide/iostats.rst.
 * Sector counts are always 512-byte units, whatever the device's real sector size.
 */
export interface DiskstatsEntry {
  major: number;
  minor: number;
  device: string;
  readsCompleted: number;
  readsMerged: number;
  sectorsRead: number;
  readMs: number;
  writesCompleted: number;
  writesMerged: number;
  sectorsWritten: number;
  writeMs: number;
  iosInProgress: number;
  /** Milliseconds the device had I/O in flight: its busy time, the base of utilisation. */
  ioTicksMs: number;
  weightedIoMs: number;
  /** Kernel 4.18+. */
  discards?: { completed: number; merged: number; sectors: number; ms: number };
  /** Kernel 5.5+. */
  flushes?: { completed: number; ms: number };
}

export const SECTOR_BYTES = 512;
export const DISKSTATS_PATH = '/proc/diskstats';

/** major, minor, name, then 11 counters: the oldest layout still in use (kernel 2.6.25 to 4.17). */
const BASE_FIELDS = 14;

/**
 * Parses /proc/diskstats text by position, so the 14-field (pre-4.18), 18-field (discards) and 20-field
 * (discards + flushes) layouts all read the same; fields a newer kernel may append are ignored. Lines too
 * short to hold the 11 base counters (pre-2.6.25 partitions) are skipped: they carry no busy time.
 */
export function parseDiskstats(text: string): DiskstatsEntry[] {
  const entries: DiskstatsEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < BASE_FIELDS) continue;
    const [major, minor, device, ...rest] = fields as [string, string, string, ...string[]];
    const n = rest.map(Number);
    if (n.some((v) => !Number.isFinite(v)) || !/^\d+$/.test(major) || !/^\d+$/.test(minor)) continue;
    const at = (i: number) => n[i]!;
    const entry: DiskstatsEntry = {
      major: Number(major),
      minor: Number(minor),
      device,
      readsCompleted: at(0),
      readsMerged: at(1),
      sectorsRead: at(2),
      readMs: at(3),
      writesCompleted: at(4),
      writesMerged: at(5),
      sectorsWritten: at(6),
      writeMs: at(7),
      iosInProgress: at(8),
      ioTicksMs: at(9),
      weightedIoMs: at(10),
    };
    if (n.length >= 15) entry.discards = { completed: at(11), merged: at(12), sectors: at(13), ms: at(14) };
    if (n.length >= 17) entry.flushes = { completed: at(15), ms: at(16) };
    entries.push(entry);
  }
  return entries;
}

/** Reads /proc/diskstats once; `path` exists for a mounted copy of another host's /proc. */
export function readDiskstats(path = DISKSTATS_PATH): DiskstatsEntry[] {
  return parseDiskstats(readFileSync(path, 'utf8'));
}

/** One device's counters right now. Throws a ShipbenchError naming the devices there are when it is absent. */
export function diskstatsFor(device: string, path = DISKSTATS_PATH): DiskstatsEntry {
  const entries = readDiskstats(path);
  const entry = entries.find((e) => e.device === device);
  if (entry === undefined) {
    const known = entries.map((e) => e.device).filter((d) => !/^(loop|ram)\d+$/.test(d));
    throw new ShipbenchError('metrics.device-not-found', `block device "${device}" is not in ${path}`, {
      hint: `name one of: ${known.join(', ') || '(none)'}, or let shipbench find the device under a directory`,
    });
  }
  return entry;
}
