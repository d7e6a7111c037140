import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltLayer } from './layer-spec.ts';
import { blobPath } from './layer-writer.ts';

/**
 * Built layers by content key: `<dir>/blobs/sha256/<hex>` holds the blobs, `<dir>/layers/<key>.json` what
 * was built for the key. A record counts only while its blob is still there at its recorded size, so a
 * deleted or truncated blob is rebuilt rather than trusted.
 */
export class LayerCache {
  readonly blobsDir: string;
  private readonly recordsDir: string;

  constructor(dir: string) {
    this.blobsDir = join(dir, 'blobs');
    this.recordsDir = join(dir, 'layers');
  }

  async get(key: string): Promise<BuiltLayer | undefined> {
    let layer: BuiltLayer;
    try {
      layer = JSON.parse(await readFile(join(this.recordsDir, `${key}.json`), 'utf8')) as BuiltLayer;
    } catch {
      return undefined;
    }
    const size = await stat(blobPath(this.blobsDir, layer.digest)).then((s) => s.size, () => -1);
    return size === layer.bytes ? layer : undefined;
  }

  async put(key: string, layer: BuiltLayer): Promise<void> {
    await mkdir(this.recordsDir, { recursive: true });
    const path = join(this.recordsDir, `${key}.json`);
    await writeFile(`${path}.tmp`, JSON.stringify(layer));
    await rename(`${path}.tmp`, path);
  }
}
