import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ShipbenchError } from '../core/errors.ts';
import { packageRoot } from '../core/package-root.ts';
import type { UnpackStats } from './rootfs-unpacker.ts';
import { rebuildFailure, UNTAR_CHILD_ENV, type UntarReply, type UntarRequest } from './untar-child.ts';

/** Enough of a dying child's stderr to say why. */
const STDERR_KEPT = 4096;

/**
 * Untars a layer's uncompressed `tar` into `request.dir` in a child process of its own, as dockerd does for
 * every layer (moby 20.10: overlay2 ApplyDiff -> chrootarchive.UntarUncompressed -> invokeUnpack runs
 * `reexec.Command("docker-untar", dest, root)`, i.e. /proc/self/exe, with the tar stream as its stdin through a
 * pipe, and waits for it; strace of a MediaWiki pull: one execve of docker-untar per layer). The child is the
 * shipbench CLI itself (bin/shipbench.js, which runs the bundle or the sources), told by UNTAR_CHILD_ENV to
 * serve the request (untar-child.ts); it does the untar, the parent only feeds it and waits. dockerd's child
 * also pivot_roots into the layer's directory; this one cannot (no chroot from Node) and keeps to the
 * directory by the applier's own path checks. A child that fails or dies fails the layer, saying how; the
 * caller removes what it left, as dockerd removes a layer that failed to apply.
 */
export function untarInChild(tar: Readable, request: UntarRequest, onSpawn?: (child: ChildProcess) => void): Promise<UnpackStats> {
  const layer = request.options.layer ?? 'layer';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'shipbench.js')], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, [UNTAR_CHILD_ENV]: JSON.stringify(request) },
    });
    let stdout = '';
    let stderr = '';
    // The first failure of the stream feeding the child wins over whatever the child then says of a cut-off tar.
    let inputError: unknown;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-STDERR_KEPT)));
    // EPIPE once the child is gone: its exit says why.
    child.stdin.on('error', () => undefined);
    tar.on('error', (error) => {
      inputError ??= error;
      child.stdin.destroy();
    });
    tar.pipe(child.stdin);
    child.once('error', (error) => {
      tar.destroy();
      reject(new ShipbenchError('untar-child-failed', `layer ${layer}: could not start its untar process (${process.execPath}): ${error.message}`, { exitCode: 1, cause: error }));
    });
    child.once('close', (code, signal) => {
      tar.unpipe(child.stdin);
      const reply = parseReply(stdout);
      if (inputError === undefined && code === 0 && reply !== undefined && 'stats' in reply) return resolve(reply.stats);
      // Nothing more is read: the stream's source (an unpigz child, a blob file) stops too.
      tar.destroy();
      if (inputError !== undefined) return reject(inputError);
      if (reply !== undefined && 'error' in reply) return reject(rebuildFailure(reply.error));
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code} without a reply`;
      const said = stderr.trim() === '' ? '' : `: ${stderr.trim()}`;
      reject(new ShipbenchError('untar-child-failed', `layer ${layer}: its untar process (pid ${child.pid}) ${how} before the layer was applied${said}`, { exitCode: 1 }));
    });
    onSpawn?.(child);
  });
}

function parseReply(stdout: string): UntarReply | undefined {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    const reply = JSON.parse(line) as UntarReply;
    return typeof reply === 'object' && reply !== null && ('stats' in reply || 'error' in reply) ? reply : undefined;
  } catch {
    return undefined;
  }
}
