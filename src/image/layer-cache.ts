import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShipbenchError } from '../core/errors.ts';
import type { BuiltLayer } from './layer-spec.ts';
import { blobPath } from './layer-writer.ts';
import { VerifiedBlob } from './verified-blob.ts';

/** What the cache stores per key: the built layer, the compressor that made its blob, and how long building it took. */
type CacheRecord = BuiltLayer & { readonly compressor: string; readonly buildSeconds?: number };

/** A cached blob that no longer matched its digest: dropped, so the layer is built again. */
export interface CorruptCacheEntry {
  readonly key: string;
  readonly digest: string;
  readonly path: string;
  readonly reason: string;
}

/**
 * Built layers by content key: `<dir>/blobs/sha256/<hex>` holds the blobs, `<dir>/layers/<key>.json` what
 * was built for the key. A record counts only while its blob is still there at its recorded size and its
 * bytes still hash to its digest (checked on every hit: a blob of the right size can still be corrupt),
 * and only for the compressor that made it (another libdeflate or zlib version may write other bytes for
 * the same tar). A corrupt blob is removed, so the rebuilt one takes its place, and listed in `corrupt`.
 */
export class LayerCache {
  readonly blobsDir: string;
  private readonly recordsDir: string;
  private readonly dropped: CorruptCacheEntry[] = [];

  constructor(dir: string) {
    this.blobsDir = join(dir, 'blobs');
    this.recordsDir = join(dir, 'layers');
  }

  /** Entries found corrupt (and dropped) by `get` so far. */
  get corrupt(): readonly CorruptCacheEntry[] {
    return this.dropped;
  }

  async get(key: string, compressor: string): Promise<BuiltLayer | undefined> {
    let record: CacheRecord;
    try {
      record = JSON.parse(await readFile(join(this.recordsDir, `${key}.json`), 'utf8')) as CacheRecord;
    } catch {
      return undefined;
    }
    if (record.compressor !== compressor) return undefined;
    const { compressor: _, buildSeconds: __, ...layer } = record;
    const path = blobPath(this.blobsDir, layer.digest);
    const size = await stat(path).then((s) => (s.isFile() ? s.size : -1), () => -1);
    if (size !== layer.bytes) return undefined;
    try {
      await new VerifiedBlob(path, { digest: layer.digest, size: layer.bytes }, `cached layer ${layer.digest}`).verify();
    } catch (error) {
      if (!(error instanceof ShipbenchError)) throw error;
      // Layouts written earlier hold hard links to this file: unlinking the cache's name leaves them alone.
      await rm(path, { force: true });
      await rm(join(this.recordsDir, `${key}.json`), { force: true });
      this.dropped.push({ key, digest: layer.digest, path, reason: error.message });
      return undefined;
    }
    return layer;
  }

  /** Seconds the generator took to build the key's layer, when its record says (records before it do not). */
  async buildSeconds(key: string): Promise<number | undefined> {
    const record = await readFile(join(this.recordsDir, `${key}.json`), 'utf8').then((t) => JSON.parse(t) as Partial<CacheRecord>, () => undefined);
    return typeof record?.buildSeconds === 'number' ? record.buildSeconds : undefined;
  }

  async put(key: string, layer: BuiltLayer, compressor: string, buildSeconds?: number): Promise<void> {
    await mkdir(this.recordsDir, { recursive: true });
    const path = join(this.recordsDir, `${key}.json`);
    const record: CacheRecord = { ...layer, compressor, ...(buildSeconds === undefined ? {} : { buildSeconds }) };
    await writeFile(`${path}.tmp`, JSON.stringify(record));
    await rename(`${path}.tmp`, path);
  }
}
