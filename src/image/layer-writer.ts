import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContentSynthesizer } from '../content/file-entry.ts';
import type { ResolvedCompression } from '../scenario/resolved.ts';
import type { BuiltLayer, LayerSpec } from './layer-spec.ts';
import { writeLayerTar } from './layer-tar.ts';
import { OciMediaType } from './oci-media-types.ts';
import { GZIP_BLOCK_BYTES, ParallelGzip, type GzipWorkerPool } from './parallel-gzip.ts';

/** Where a blob lives under a blobs directory (a layout's `blobs/` or a shared store laid out the same way). */
export function blobPath(blobsDir: string, digest: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (match === null) throw new Error(`not a sha256 digest: ${digest}`);
  return join(blobsDir, 'sha256', match[1] as string);
}

/** Appends blob bytes to the temp file in order, hashing them on the way. */
class BlobFile {
  private readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly handle: FileHandle) {}

  async append(data: Uint8Array): Promise<void> {
    this.hash.update(data);
    this.bytes += data.length;
    for (let offset = 0; offset < data.length; ) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** The uncompressed path: batches the transient tar chunks into 1 MiB writes, one at a time. */
class PlainBlob {
  private block = Buffer.allocUnsafe(GZIP_BLOCK_BYTES);
  private filled = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly file: BlobFile) {}

  write(chunk: Uint8Array): boolean {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.block.length - this.filled);
      this.block.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.block.length) this.flush();
    }
    return false; // the caller waits for the one pending write before going on
  }

  ready(): Promise<void> {
    return this.pending;
  }

  async end(): Promise<void> {
    if (this.filled > 0) this.flush();
    await this.pending;
  }

  private flush(): void {
    const full = this.block.subarray(0, this.filled);
    this.block = Buffer.allocUnsafe(GZIP_BLOCK_BYTES);
    this.filled = 0;
    const previous = this.pending;
    this.pending = previous.then(() => this.file.append(full));
    this.pending.catch(() => undefined); // surfaced by ready() or end()
  }
}

/**
 * Renders a layer spec into a blob: tar (sha256 = diffId) -> parallel gzip (sha256 = digest) -> a temp file
 * in `blobsDir`, renamed to `blobsDir/sha256/<hex>`. An existing blob of that digest is kept (same bytes).
 */
export async function writeLayer(
  spec: LayerSpec,
  synth: ContentSynthesizer,
  compression: ResolvedCompression,
  pool: GzipWorkerPool,
  blobsDir: string,
): Promise<BuiltLayer> {
  await mkdir(join(blobsDir, 'sha256'), { recursive: true });
  const tempPath = join(blobsDir, `.tmp-layer-${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(tempPath, 'wx', 0o644);
  let renamed = false;
  try {
    const file = new BlobFile(handle);
    const tarHash = createHash('sha256');
    const encoder =
      compression.kind === 'gzip'
        ? new ParallelGzip(pool, compression, (member) => file.append(member), { onBlock: (tar) => tarHash.update(tar) })
        : new PlainBlob(file);
    const stats = await writeLayerTar(spec, synth, encoder);
    await encoder.end();
    await handle.close();

    const digest = file.digest();
    // An uncompressed blob is the tar itself: its digest is the diff_id.
    const diffId = compression.kind === 'gzip' ? `sha256:${tarHash.digest('hex')}` : digest;
    const finalPath = blobPath(blobsDir, digest);
    if (await exists(finalPath)) await unlink(tempPath);
    else await rename(tempPath, finalPath);
    renamed = true;
    return {
      role: spec.role,
      digest,
      diffId,
      bytes: file.bytes,
      uncompressedBytes: stats.tarBytes,
      files: stats.files,
      fileBytes: stats.fileBytes,
      whiteouts: stats.whiteouts,
      mediaType: compression.kind === 'gzip' ? OciMediaType.layerGzip : OciMediaType.layerTar,
    };
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
