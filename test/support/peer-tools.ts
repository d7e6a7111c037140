import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Runs the real tools that read what shipbench writes (skopeo, umoci): they are the judges of whether our
 * OCI layouts are valid, so tests fail loudly when one is missing rather than skipping.
 */

const DEBIAN_PACKAGE: Record<string, string> = { skopeo: 'skopeo', umoci: 'umoci', pigz: 'pigz', tar: 'tar', cdb: 'tinycdb' };

export interface PeerResult {
  readonly stdout: string;
  readonly stderr: string;
}

export function runPeer(tool: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) => {
      if (err === null) {
        resolve({ stdout, stderr });
        return;
      }
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        const pkg = DEBIAN_PACKAGE[tool] ?? tool;
        reject(new Error(`${tool} is not installed (not on PATH); these tests need the real tool: apt-get install ${pkg}`));
        return;
      }
      const why = err.killed ? `killed after ${options.timeoutMs ?? 120_000} ms` : `exit ${String(err.code)}`;
      reject(new Error(`${tool} ${args.join(' ')} failed (${why}):\n${stderr.trim() || stdout.trim()}`));
    });
  });
}

export function skopeo(...args: string[]): Promise<PeerResult> {
  return runPeer('skopeo', args);
}

export function umoci(...args: string[]): Promise<PeerResult> {
  return runPeer('umoci', args);
}

/**
 * umoci applies the image's layers (whiteouts included) into `rootfs` and nothing else: `raw unpack` is
 * `unpack`'s layer application without the runtime bundle around it, whose mtree manifest hashes every file
 * again (a third of the time per image). Returns `rootfs`.
 */
export async function umociRootfs(layoutDir: string, tag: string, rootfs: string): Promise<string> {
  // Unlike `unpack`, `raw unpack` makes only the last directory of the path.
  await mkdir(dirname(rootfs), { recursive: true });
  await umoci('raw', 'unpack', '--rootless', '--image', `${layoutDir}:${tag}`, rootfs);
  return rootfs;
}

/** `skopeo inspect oci:DIR:TAG`, parsed. */
export async function skopeoInspect(layoutDir: string, tag: string): Promise<{ Digest: string; Layers: string[]; [key: string]: unknown }> {
  const { stdout } = await skopeo('inspect', `oci:${layoutDir}:${tag}`);
  return JSON.parse(stdout) as { Digest: string; Layers: string[] };
}
