import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The directory holding shipbench's package.json, found by walking up from this module: the same answer from
 * the sources (src/core/), the bundle's entry (dist/) and its split chunks (dist/chunks/), where relative
 * URLs written for one layout would miss in the others.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'shipbench') return (root = dir);
    if (dirname(dir) === dir) throw new Error(`shipbench's package.json not found above ${fileURLToPath(import.meta.url)}`);
  }
}
