import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What dockerd's layer store writes, and syncs, when it registers a layer (moby layer/filestore.go): a
 * directory per ChainID under layerdb/sha256 holding `diff`, `size`, `cache-id`, `parent` (not for the
 * bottom layer) and the tar-split stream, each through pkg/ioutils AtomicWriteFile (temp file, fsync,
 * rename). The virtual node writes the same small files with the same syncs; the tar-split stream (the
 * tar headers, gzipped) is stood for by one record per entry.
 */
export async function writeDockerLayerMetadata(root: string, layer: { chain: string; parent: string | undefined; diffId: string; size: number; entries: number }): Promise<number> {
  const dir = join(root, 'layerdb', 'sha256', layer.chain.replace(/^sha256:/, ''));
  await mkdir(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ['diff', layer.diffId],
    ['size', String(layer.size)],
    ['cache-id', layer.chain.slice(-32)],
    ...(layer.parent === undefined ? [] : [['parent', layer.parent] as [string, string]]),
    ['tar-split.json.gz', '{"type":1}\n'.repeat(layer.entries)],
  ];
  let bytes = 0;
  for (const [name, text] of files) bytes += await atomicWriteFile(join(dir, name), text);
  return bytes;
}


async function atomicWriteFile(path: string, text: string): Promise<number> {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  return Buffer.byteLength(text);
}
