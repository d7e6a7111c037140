import { z } from 'zod';
import { quantileSorted } from '../core/quantile.ts';

/**
 * What only the volume (rsync) side has, as optional additions to the shared sample types: the shared
 * fields (bytes, files, times) stay comparable across mechanisms, these say how rsync got there.
 */

const bytes = z.number().int().nonnegative();
const count = z.number().int().nonnegative();
const seconds = z.number().nonnegative();

/** The counters of one `rsync --stats` run, as the receiving client printed them. */
export const rsyncStatsSchema = z.object({
  /** Regular files rsync (re)wrote. */
  filesTransferred: count,
  filesCreated: count,
  filesDeleted: count,
  /** Size of the whole tree on the sending side. */
  totalFileBytes: bytes,
  /** Size of the files transferred (what the receiver rewrote). */
  transferredFileBytes: bytes,
  /** Bytes sent as literal data; the rest of a changed file came from the receiver's old copy. */
  literalBytes: bytes,
  matchedBytes: bytes,
  /** What the client sent (file list requests, block checksums). */
  bytesSent: bytes,
  /** What the client received: the server's egress for this sync. */
  bytesReceived: bytes,
});
export type RsyncStats = z.infer<typeof rsyncStatsSchema>;

/** A node's l10n cache rebuild after its rsync (scap's cdb-rebuild): languages whose upstream JSON changed. */
export const l10nRebuildSchema = z.object({
  languages: count,
  jsonBytesRead: bytes,
  cdbBytesWritten: bytes,
  /** CDB files whose upstream JSON was gone (a branch that left). */
  removed: count,
  seconds,
});
export type L10nRebuildFigures = z.infer<typeof l10nRebuildSchema>;

/** Per node and step: which proxy served it, and how long its tree held files of two versions. */
export const volumeNodeSchema = z.object({
  /** The proxy that completed the sync (after any failover). */
  proxy: z.string(),
  /** Proxies given up on during this sync because their daemon died. */
  failovers: count,
  rsync: rsyncStatsSchema.optional(),
  /**
   * First to last file change in the node's tree during the sync (from file ctimes): while this lasts the
   * node serves a mix of old and new files. An image switch has no such window. Measured once the step's
   * nodes are done (a walk of the tree), so the walk is no part of the node's time.
   */
  mixedVersionSeconds: seconds,
  /** The l10n CDB files rebuilt on the node from the shipped JSON (volume.l10n: rebuild; absent with ship). */
  l10n: l10nRebuildSchema.optional(),
});
export type VolumeNode = z.infer<typeof volumeNodeSchema>;

export const proxyStepSchema = z.object({
  proxy: z.string(),
  /** rsync received from the master while the proxy synced (the master's egress to it). */
  bytesFromMaster: bytes,
  syncSeconds: seconds,
  /** Bytes the proxy's daemon sent to nodes (the sum of its clients' received bytes). */
  egressBytes: bytes,
  nodesServed: count,
  /** Its daemon died before or during the step. */
  failed: z.boolean(),
});
export type ProxyStep = z.infer<typeof proxyStepSchema>;

/** Per step: master and proxy traffic. */
export const volumeStepSchema = z.object({
  masterEgressBytes: bytes,
  /** The proxy tier's sync from the master, before any node starts (part of the makespan). */
  proxySyncSeconds: seconds,
  proxies: z.array(proxyStepSchema),
  failovers: count,
});
export type VolumeStep = z.infer<typeof volumeStepSchema>;

/** When some nodes already run the new version and others the old one; both mechanisms report it. */
export const versionSkewSchema = z.object({
  firstDoneSeconds: seconds,
  lastDoneSeconds: seconds,
  /** First node done to last node done: the fleet serves two versions meanwhile. */
  windowSeconds: seconds,
  /** An image switches a node in one step; an rsync'd tree changes file by file. */
  atomicPerNode: z.boolean(),
  /** The per-node mixed window (volume only): p50 and max over the nodes of the step. */
  perNodeMixedSeconds: z.object({ p50: seconds, max: seconds }).optional(),
});
export type VersionSkew = z.infer<typeof versionSkewSchema>;

/** Skew over the successful nodes of one step; undefined when none finished. */
export function versionSkewOf(doneSeconds: readonly number[], atomicPerNode: boolean, perNodeMixed?: readonly number[]): VersionSkew | undefined {
  if (doneSeconds.length === 0) return undefined;
  const first = Math.min(...doneSeconds);
  const last = Math.max(...doneSeconds);
  const mixed = perNodeMixed === undefined || perNodeMixed.length === 0 ? undefined : [...perNodeMixed].sort((a, b) => a - b);
  return {
    firstDoneSeconds: first,
    lastDoneSeconds: last,
    windowSeconds: last - first,
    atomicPerNode,
    ...(mixed === undefined ? {} : { perNodeMixedSeconds: { p50: quantileSorted(mixed, 0.5), max: mixed[mixed.length - 1] as number } }),
  };
}
