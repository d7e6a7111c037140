import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltLayer } from './layer-spec.ts';
import { blobPath } from './layer-writer.ts';

/** What the cache stores per key: the built layer and the compressor that made its blob. */
type CacheRecord = BuiltLayer & { readonly compressor: string };

/**
 * Built layers by content key: `<dir>/blobs/sha256/<hex>` holds the blobs, `<dir>/layers/<key>.json` what
 * was built for the key. A record counts only while its blob is still there at its recorded size, so a
 * deleted or truncated blob is rebuilt rather than trusted, and only for the compressor that made it
 * (another libdeflate or zlib version may write other bytes for the same tar).
 */
export class LayerCache {
  readonly blobsDir: string;
  private readonly recordsDir: string;

  constructor(dir: string) {
    this.blobsDir = join(dir, 'blobs');
    this.recordsDir = join(dir, 'layers');
  }

  async get(key: string, compressor: string): Promise<BuiltLayer | undefined> {
    let record: CacheRecord;
    try {
      record = JSON.parse(await readFile(join(this.recordsDir, `${key}.json`), 'utf8')) as CacheRecord;
    } catch {
      return undefined;
    }
    if (record.compressor !== compressor) return undefined;
    const { compressor: _, ...layer } = record;
    const size = await stat(blobPath(this.blobsDir, layer.digest)).then((s) => s.size, () => -1);
    return size === layer.bytes ? layer : undefined;
  }

  async put(key: string, layer: BuiltLayer, compressor: string): Promise<void> {
    await mkdir(this.recordsDir, { recursive: true });
    const path = join(this.recordsDir, `${key}.json`);
    const record: CacheRecord = { ...layer, compressor };
    await writeFile(`${path}.tmp`, JSON.stringify(record));
    await rename(`${path}.tmp`, path);
  }
}
