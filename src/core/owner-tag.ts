import { randomBytes } from 'node:crypto';

/**
 * The name tag of host resources a run creates (network namespaces, links, cgroups, node disks): the PID of
 * the process that owns them, so a later shipbench can tell a dead run's leftovers from a live run's
 * resources, and both from anything that is not shipbench's. Five base-36 digits of PID (pid_max is at
 * most 2^22) and two random ones, for runs in one process: seven characters, so `sb<tag>n239i` still fits
 * a 15-byte interface name.
 */
export const OWNER_TAG_PATTERN = '[0-9a-z]{7}';

const PID_DIGITS = 5;

export function newOwnerTag(pid: number = process.pid): string {
  const random = (randomBytes(2).readUInt16BE(0) % 36 ** 2).toString(36).padStart(2, '0');
  return `${ownerTagPrefix(pid)}${random}`;
}

/** The part of every tag of `pid`'s runs that names the owner: its PID in five base-36 digits. */
export function ownerTagPrefix(pid: number): string {
  return pid.toString(36).padStart(PID_DIGITS, '0');
}

/** The owner PID a tag names. */
export function ownerOfTag(tag: string): number {
  return parseInt(tag.slice(0, PID_DIGITS), 36);
}
