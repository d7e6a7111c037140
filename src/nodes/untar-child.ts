import { type ExitCode, ShipbenchError } from '../core/errors.ts';
import { unpackLayer, type UnpackOptions, type UnpackStats } from './rootfs-unpacker.ts';

/**
 * The child side of a layer untarred in a process of its own (untar-in-child.ts): shipbench re-executed with
 * this variable set to the request, as dockerd re-executes itself as `docker-untar` (moby 20.10
 * pkg/chrootarchive/archive_unix.go `untar`): the tar arrives on stdin, the reply is one JSON line on stdout.
 * The CLI's launcher (bin/shipbench.js) serves it before loading anything else (this module is an entry of the
 * bundle of its own, dist/untar-child.mjs).
 */
export const UNTAR_CHILD_ENV = 'SHIPBENCH_UNTAR_CHILD';

export interface UntarRequest {
  readonly dir: string;
  /** What the applier does per entry; the parent decompresses and hashes, so no compression or diffId here. */
  readonly options: Omit<UnpackOptions, 'compression' | 'diffId'>;
}

/** Why the child failed, as far as JSON carries it: a ShipbenchError's code and hint, or an errno code (ENOSPC). */
export interface UntarFailure {
  readonly message: string;
  readonly code?: string;
  readonly hint?: string;
  readonly exitCode?: ExitCode;
  readonly expected: boolean;
}

export type UntarReply = { readonly stats: UnpackStats } | { readonly error: UntarFailure };

/** Untars stdin into the request's directory and says how it went; exits 0 only when the layer is applied. */
export async function serveUntarChild(request: string): Promise<void> {
  let reply: UntarReply;
  try {
    const { dir, options } = JSON.parse(request) as UntarRequest;
    reply = { stats: await unpackLayer(process.stdin, dir, { ...options, compression: 'none' }) };
  } catch (error) {
    reply = { error: describeFailure(error) };
  }
  process.exitCode = 'stats' in reply ? 0 : 1;
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}

function describeFailure(error: unknown): UntarFailure {
  if (error instanceof ShipbenchError) return { message: error.message, code: error.code, ...(error.hint === undefined ? {} : { hint: error.hint }), exitCode: error.exitCode, expected: true };
  const code = (error as { code?: unknown } | undefined)?.code;
  return { message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}), expected: false };
}

/** The child's failure as the parent throws it: the same code, so a full disk is still a full disk. */
export function rebuildFailure(failure: UntarFailure): Error {
  if (failure.expected) return new ShipbenchError(failure.code ?? 'untar-failed', failure.message, { ...(failure.hint === undefined ? {} : { hint: failure.hint }), ...(failure.exitCode === undefined ? {} : { exitCode: failure.exitCode }) });
  return Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
}
