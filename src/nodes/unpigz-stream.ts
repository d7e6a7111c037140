import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';

/**
 * A gzip blob decompressed by an `unpigz` child process, as both runtimes do when unpigz is on PATH:
 * containerd's archive/compression/compression.go (unless CONTAINERD_DISABLE_PIGZ) and moby's
 * pkg/archive/archive.go gzDecompress (unless MOBY_DISABLE_PIGZ). Decompression then runs beside the tar
 * parsing, on another core, and costs a process per layer, like theirs.
 */
let unpigz: string | null | undefined;

/** unpigz's path, looked up once on PATH (as the runtimes do); null when absent. */
export function unpigzPath(): string | null {
  if (unpigz !== undefined) return unpigz;
  unpigz = null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'unpigz');
    try {
      accessSync(candidate, constants.X_OK);
      unpigz = candidate;
      break;
    } catch {
      // not in this directory
    }
  }
  return unpigz;
}

/** The tar inside the gzip file `blob`; the stream errors when unpigz fails (a corrupt blob says so). */
export function unpigzStream(command: string, blob: string): Readable {
  const child = spawn(command, ['-d', '-c', blob], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.pipe(out, { end: false });
  let exited = false;
  let drained = false;
  let code: number | null = null;
  const finish = () => {
    if (!exited || !drained) return;
    if (code === 0) out.end();
    else out.destroy(new Error(`unpigz failed (exit ${code}): ${stderr.trim() || 'no message'}`));
  };
  child.stdout.once('end', () => {
    drained = true;
    finish();
  });
  child.once('exit', (c) => {
    exited = true;
    code = c;
    finish();
  });
  child.once('error', (err) => out.destroy(err));
  // The reader gave up (unpacking failed): the child goes too, by its own handle.
  out.once('close', () => {
    if (!exited) child.kill();
  });
  return out;
}
