import { execa } from 'execa';
import type { RsyncStats } from '../metrics/volume-sample.ts';
import { type HeldOutcome, HeldProcess } from './held-process.ts';
import { RSYNC_BINARY } from './rsync-binary.ts';
import { parseRsyncStats } from './rsync-stats.ts';

export interface RsyncSyncOptions {
  /** `rsync://host:port/module/` */
  readonly source: string;
  /** A local directory; made by rsync when missing. */
  readonly dest: string;
  /** rsync's --bwlimit, in bytes per second (rsync counts in units of 1024 bytes). */
  readonly bandwidthBytesPerSecond?: number | undefined;
  /** --compress and --delay-updates, which scap passes too. */
  readonly compress?: boolean;
  readonly delayUpdates?: boolean;
  /** Extra filter rules, e.g. scap's excludes (l10n-rebuild.ts). */
  readonly excludes?: readonly string[];
  readonly signal?: AbortSignal | undefined;
  readonly binary?: string;
  /** Runs rsync in this process forked ahead (held-process.ts) rather than forking it now. */
  readonly held?: HeldProcess | undefined;
}

/** The C locale keeps --stats numbers in one format. */
export const RSYNC_ENV = { LC_ALL: 'C' };

export type RsyncOutcome = { readonly ok: true; readonly stats: RsyncStats } | { readonly ok: false; readonly exitCode: number | undefined; readonly message: string };

/**
 * One incremental sync as scap runs it: archive mode (times, links) with --no-perms (new files take the
 * source's modes less the umask, existing ones keep theirs), deleting what the source no longer has once the
 * transfer is done, with the counters of `--stats`. A failure is returned, not thrown: the caller decides between
 * failing over and recording the failure.
 */
export async function rsyncSync(options: RsyncSyncOptions): Promise<RsyncOutcome> {
  const args = ['--archive', '--delete', '--delete-delay', '--no-perms', '--stats', ...(options.excludes ?? [])];
  if (options.compress === true) args.push('--compress');
  if (options.delayUpdates === true) args.push('--delay-updates');
  if (options.bandwidthBytesPerSecond !== undefined) args.push(`--bwlimit=${Math.max(1, Math.floor(options.bandwidthBytesPerSecond / 1024))}`);
  args.push(options.source, `${options.dest.replace(/\/+$/, '')}/`);
  const binary = options.binary ?? RSYNC_BINARY;
  const result = options.held !== undefined && HeldProcess.carries(binary, args) ? await options.held.run(binary, args, options.signal) : await forkNow(binary, args, options.signal);
  if (result.exitCode === 0) {
    try {
      return { ok: true, stats: parseRsyncStats(result.stdout) };
    } catch (error) {
      return { ok: false, exitCode: 0, message: error instanceof Error ? error.message : String(error) };
    }
  }
  const why = result.cancelled ? 'cancelled' : result.stderr.trim().split('\n').slice(-3).join(' | ') || `no message (${result.signal ?? `exit code ${result.exitCode ?? '?'}`})`;
  return { ok: false, exitCode: result.exitCode, message: `rsync from ${options.source} failed (exit ${result.exitCode ?? result.signal ?? '?'}): ${why}` };
}

/** rsync forked from this process now (a held process not given, or one that cannot carry the words). */
async function forkNow(binary: string, args: readonly string[], signal: AbortSignal | undefined): Promise<HeldOutcome> {
  const result = await execa(binary, args, {
    reject: false,
    cancelSignal: signal,
    env: RSYNC_ENV,
    stripFinalNewline: true,
  });
  return { exitCode: result.exitCode, signal: result.signal, stdout: String(result.stdout), stderr: String(result.stderr), cancelled: result.isCanceled };
}
