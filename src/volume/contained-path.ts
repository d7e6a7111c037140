import { isAbsolute, relative, resolve } from 'node:path';
import { ShipbenchError } from '../core/errors.ts';

/**
 * `root/parts...`, refused when it would land outside `root`: everything the volume side creates, syncs
 * into or deletes goes through here, so no name (a step's, a proxy's) can make it touch another directory.
 */
export function containedPath(root: string, ...parts: string[]): string {
  const base = resolve(root);
  const path = resolve(base, ...parts);
  const rel = relative(base, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new ShipbenchError('path-outside-work-dir', `refusing to use ${JSON.stringify(parts.join('/'))}: it is not inside the work directory ${base}`, { exitCode: 1 });
  }
  return path;
}
