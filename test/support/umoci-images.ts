import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { umoci } from './peer-tools.ts';

/**
 * Real images built the way image builders do, by umoci from real directory trees: each step unpacks the
 * previous tag to a bundle, changes its rootfs (write, overwrite, delete) and repacks it as a new tag, so
 * umoci computes the layer diff, whiteouts included.
 */

export type TreeChange = { readonly write: string; readonly bytes: number } | { readonly remove: string };

export async function buildUmociImage(layoutDir: string, steps: ReadonlyArray<{ tag: string; changes: readonly TreeChange[] }>): Promise<void> {
  await umoci('init', '--layout', layoutDir);
  await umoci('new', '--image', `${layoutDir}:empty`);
  let from = 'empty';
  for (const step of steps) {
    const bundle = `${layoutDir}.bundle`;
    await rm(bundle, { recursive: true, force: true });
    await umoci('unpack', '--rootless', '--image', `${layoutDir}:${from}`, bundle);
    for (const change of step.changes) {
      if ('write' in change) {
        const path = join(bundle, 'rootfs', change.write);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, randomBytes(change.bytes)); // incompressible: compressed sizes stay near file sizes
      } else {
        await rm(join(bundle, 'rootfs', change.remove), { recursive: true });
      }
    }
    await umoci('repack', '--image', `${layoutDir}:${step.tag}`, bundle);
    await rm(bundle, { recursive: true, force: true });
    from = step.tag;
  }
}
