import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';
import { ShipbenchError } from '../core/errors.ts';
import { type BlobExpectation, openRegularFile, VerifiedBlob } from './verified-blob.ts';

/** A directory's share of a layer: where its bytes sit. */
export interface DirectoryShare {
  readonly path: string;
  /** Number of path components: `srv/mediawiki/php-1.45.0-wmf.1` has depth 3. */
  readonly depth: number;
  readonly bytes: number;
  readonly files: number;
}

export interface LayerListing {
  readonly compression: 'gzip' | 'none';
  /** Blob bytes as stored, and their sha256 (the layer digest). */
  readonly blobBytes: number;
  readonly digest: string;
  /** Uncompressed tar bytes, and their sha256 (the config's diff_id). */
  readonly tarBytes: number;
  readonly diffId: string;
  readonly entries: number;
  /** Regular files, whiteouts excluded. */
  readonly files: number;
  readonly fileBytes: number;
  readonly directories: number;
  readonly whiteouts: number;
  /** Symlinks, hard links, devices: entries shipbench itself never writes. */
  readonly otherEntries: number;
  /** The largest directories at each requested depth, largest first. */
  readonly largestDirectories: readonly DirectoryShare[];
}

export interface ListingOptions {
  /** The blob's descriptor: its bytes are hashed as they are read and must match. */
  readonly expected?: BlobExpectation;
  /** For messages: which blob this is. */
  readonly what?: string;
  /** Depths whose directories are ranked; default 3 and 4 (`srv/mediawiki/php-X/extensions`). */
  readonly depths?: readonly number[];
  /** How many directories to keep per depth; default 3. */
  readonly top?: number;
}

const READ_CHUNK_BYTES = 2 ** 20;

/**
 * Streams a layer blob (gzip detected by its magic bytes) through a tar reader, keeping counts and
 * per-directory byte totals only, never content: memory depends on the number of directories at the
 * ranked depths, not on layer size.
 */
export async function listLayer(blobFile: string, options: ListingOptions = {}): Promise<LayerListing> {
  const depths = options.depths ?? [3, 4];
  const top = options.top ?? 3;
  const what = options.what ?? `layer blob ${blobFile}`;
  const compression = (await isGzip(blobFile, what)) ? 'gzip' : 'none';
  const verified = options.expected === undefined ? undefined : new VerifiedBlob(blobFile, options.expected, what);

  const blobHash = createHash('sha256');
  const tarHash = createHash('sha256');
  let blobBytes = 0;
  let tarBytes = 0;
  async function* blobChunks() {
    for await (const chunk of verified ?? createReadStream(blobFile, { highWaterMark: READ_CHUNK_BYTES })) {
      blobHash.update(chunk as Buffer);
      blobBytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  const blob = Readable.from(blobChunks(), { objectMode: false });
  // pipeline() destroys the gunzip stream on a read error, which makes the loop below throw.
  const tar = compression === 'gzip' ? pipeline(blob, createGunzip({ chunkSize: 256 * 1024 }), () => undefined) : blob;

  const extract = tarExtract();
  const feeding = (async () => {
    try {
      for await (const chunk of tar) {
        tarHash.update(chunk as Buffer);
        tarBytes += (chunk as Buffer).length;
        if (!extract.write(chunk)) {
          // 'close' too: a reader that failed never drains.
          await new Promise<void>((resolve) => {
            const go = () => {
              extract.off('drain', go);
              extract.off('close', go);
              resolve();
            };
            extract.on('drain', go);
            extract.on('close', go);
          });
        }
      }
      extract.end(null);
    } catch (err) {
      extract.destroy(err as Error);
      throw err;
    }
  })();
  feeding.catch(() => undefined); // awaited below, after the entries loop has seen the failure too

  const counts = { entries: 0, files: 0, fileBytes: 0, directories: 0, whiteouts: 0, otherEntries: 0 };
  const perDepth = new Map<number, Map<string, { bytes: number; files: number }>>(depths.map((d) => [d, new Map()]));
  try {
    for await (const entry of extract) {
      count(entry.header, counts, perDepth);
      entry.resume(); // drain the content without keeping it
    }
    await feeding;
    await verified?.verify(); // a reader that stopped at the tar's end left trailing bytes unhashed
  } catch (err) {
    tar.destroy();
    blob.destroy();
    if (err instanceof ShipbenchError) throw err; // the blob's reader said what is wrong (a digest mismatch)
    // Corrupt gzip or tar in a blob that does not match its digest: the mismatch is the cause to name.
    await verified?.verify();
    throw new ShipbenchError('oci-layer-unreadable', `layer blob ${blobFile} is not a readable ${compression === 'gzip' ? 'gzip tar' : 'tar'}: ${(err as Error).message}`, {
      hint: 'the blob is truncated or corrupt: regenerate the layout',
      exitCode: 1,
      cause: err,
    });
  }

  const largestDirectories = depths.flatMap((depth) =>
    [...(perDepth.get(depth) ?? new Map<string, { bytes: number; files: number }>())]
      .map(([path, share]) => ({ path, depth, ...share }))
      .sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1))
      .slice(0, top),
  );
  return {
    compression,
    blobBytes,
    digest: `sha256:${blobHash.digest('hex')}`,
    tarBytes,
    diffId: `sha256:${tarHash.digest('hex')}`,
    ...counts,
    largestDirectories,
  };
}

function count(
  header: Header,
  counts: { entries: number; files: number; fileBytes: number; directories: number; whiteouts: number; otherEntries: number },
  perDepth: Map<number, Map<string, { bytes: number; files: number }>>,
): void {
  counts.entries++;
  const name = header.name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
  const slash = name.lastIndexOf('/');
  if (header.type === 'directory') {
    counts.directories++;
  } else if (name.startsWith('.wh.', slash + 1)) {
    counts.whiteouts++;
  } else if (header.type === 'file' || header.type === 'contiguous-file') {
    counts.files++;
    counts.fileBytes += header.size;
    const parts = slash === -1 ? [] : name.slice(0, slash).split('/');
    for (const [depth, dirs] of perDepth) {
      if (parts.length < depth) continue;
      const dir = parts.slice(0, depth).join('/');
      const share = dirs.get(dir);
      if (share === undefined) dirs.set(dir, { bytes: header.size, files: 1 });
      else {
        share.bytes += header.size;
        share.files++;
      }
    }
  } else {
    counts.otherEntries++;
  }
}

async function isGzip(path: string, what: string): Promise<boolean> {
  const handle = await openRegularFile(path, what); // a FIFO or device is refused, not read
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
