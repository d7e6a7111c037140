import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createGunzip, createGzip, type Gunzip, type Gzip } from 'node:zlib';
import { type Extract, extract as tarExtract, type Header } from 'tar-stream';
import { ShipbenchError } from '../core/errors.ts';

/**
 * One pass over a layer blob as it arrives (from a file, a registry response or an archive entry): gunzip
 * when gzip, read tar headers, drain file bodies unread. Only the list of paths (what later layers may
 * shadow) is kept, never content, so memory follows the number of files, not their bytes.
 */

/** What a layer does to the tree below it, in the order that matters for shadowing. */
export type LayerChange =
  | { readonly kind: 'file'; readonly path: string; readonly bytes: number; readonly link?: true }
  /** `.wh.NAME`: NAME (a file, or a directory and all below it) is gone from lower layers. */
  | { readonly kind: 'delete'; readonly path: string }
  /** `.wh..wh..opq`: everything lower layers put below this directory is hidden. */
  | { readonly kind: 'opaque'; readonly path: string };

export interface LayerScan {
  readonly compression: 'gzip' | 'none';
  /** Blob bytes as stored and their sha256 (the layer digest). */
  readonly blobBytes: number;
  readonly digest: string;
  /** Uncompressed tar bytes and their sha256 (the diff_id). */
  readonly tarBytes: number;
  readonly diffId: string;
  /** Regular files (whiteouts excluded) and their bytes. */
  readonly files: number;
  readonly fileBytes: number;
  readonly whiteouts: number;
  /** An uncompressed blob's size after gzip at the asked level: what a push would store. */
  readonly estimatedGzipBytes: number | undefined;
  readonly changes: readonly LayerChange[];
}

export interface ScanOptions {
  /** Gzip an uncompressed blob at this level and count the bytes (docker-archive layers are stored plain). */
  readonly estimateGzipLevel?: number;
  /** For messages: where the blob came from. */
  readonly what: string;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** `./srv/a/`, `/srv/a` and `srv/a` are the same path in a layer. */
export function normalizeLayerPath(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

export async function scanLayer(blob: AsyncIterable<Buffer>, options: ScanOptions): Promise<LayerScan> {
  const blobHash = createHash('sha256');
  const tarHash = createHash('sha256');
  let blobBytes = 0;
  let tarBytes = 0;
  let compression: 'gzip' | 'none' | undefined;
  let gzipBytes = 0;
  let estimator: Gzip | undefined;

  const extract = tarExtract();
  const feedTar = async (chunk: Buffer) => {
    tarHash.update(chunk);
    tarBytes += chunk.length;
    if (estimator !== undefined && !estimator.write(chunk)) await once(estimator, 'drain');
    if (!extract.write(chunk)) await drained(extract);
  };

  const feeding = (async () => {
    let gunzip: Gunzip | undefined;
    let gunzipDone: Promise<void> | undefined;
    try {
      for await (const raw of blob) {
        const chunk = raw as Buffer;
        if (compression === undefined) {
          compression = chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b ? 'gzip' : 'none';
          if (compression === 'gzip') {
            ({ gunzip, done: gunzipDone } = gunzipInto(feedTar));
          } else if (options.estimateGzipLevel !== undefined) {
            estimator = createGzip({ level: options.estimateGzipLevel, chunkSize: 256 * 1024 });
            estimator.on('data', (d: Buffer) => (gzipBytes += d.length));
          }
        }
        blobHash.update(chunk);
        blobBytes += chunk.length;
        if (gunzip !== undefined) {
          if (!gunzip.write(chunk)) await drained(gunzip);
          // A gunzip that failed (corrupt deflate data) is destroyed: its error ends the feed, no more writes.
          if (gunzip.destroyed) await gunzipDone;
        } else {
          await feedTar(chunk);
        }
      }
      if (gunzip !== undefined) {
        gunzip.end();
        await gunzipDone;
      }
      if (estimator !== undefined) await endAndWait(estimator);
      extract.end(null);
    } catch (error) {
      gunzip?.destroy();
      estimator?.destroy();
      extract.destroy(error as Error);
      throw error;
    }
  })();
  feeding.catch(() => undefined); // awaited below, after the entries loop has seen the failure too

  let tally: ChangeTally;
  try {
    tally = await readChanges(extract);
    await feeding;
  } catch (error) {
    if (error instanceof ShipbenchError) throw error; // the blob's reader said what is wrong (a digest mismatch)
    throw new ShipbenchError('layer-unreadable', `${options.what} is not a readable ${compression === 'gzip' ? 'gzip tar' : 'tar'}: ${(error as Error).message}`, {
      hint: 'the layer is truncated, corrupt, or compressed with something other than gzip (zstd layers are not supported)',
      exitCode: 2,
      cause: error,
    });
  }
  return {
    compression: compression ?? 'none',
    blobBytes,
    digest: `sha256:${blobHash.digest('hex')}`,
    tarBytes,
    diffId: `sha256:${tarHash.digest('hex')}`,
    files: tally.files,
    fileBytes: tally.fileBytes,
    whiteouts: tally.whiteouts,
    estimatedGzipBytes: estimator === undefined ? undefined : gzipBytes,
    changes: tally.changes,
  };
}

type ChangeTally = Pick<LayerScan, 'changes' | 'files' | 'fileBytes' | 'whiteouts'>;

/** The layer's changes in tar order, counting files and whiteouts; file bodies are drained unread. */
async function readChanges(extract: Extract): Promise<ChangeTally> {
  const changes: LayerChange[] = [];
  let files = 0;
  let fileBytes = 0;
  let whiteouts = 0;
  for await (const entry of extract) {
    const change = changeOf(entry.header);
    if (change !== undefined) {
      changes.push(change);
      if (change.kind === 'file') {
        if (change.link !== true) files++;
        fileBytes += change.bytes;
      } else {
        whiteouts++;
      }
    }
    entry.resume(); // drain the body without keeping it
  }
  return { changes, files, fileBytes, whiteouts };
}

/** A gunzip whose output is fed to the tar side as it comes; `done` settles once all of it was fed. */
function gunzipInto(feedTar: (chunk: Buffer) => Promise<void>): { gunzip: Gunzip; done: Promise<void> } {
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const done = (async () => {
    for await (const out of gunzip) await feedTar(out as Buffer);
  })();
  done.catch(() => undefined); // awaited by the feeder; a failure also reaches it through the stream
  return { gunzip, done };
}

async function endAndWait(stream: Gzip): Promise<void> {
  const ended = once(stream, 'end');
  stream.end();
  await ended;
}

function changeOf(header: Header): LayerChange | undefined {
  const path = normalizeLayerPath(header.name);
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dir = slash === -1 ? '' : path.slice(0, slash);
  if (base === OPAQUE) return { kind: 'opaque', path: dir };
  if (base.startsWith(WHITEOUT)) return { kind: 'delete', path: (dir === '' ? '' : `${dir}/`) + base.slice(WHITEOUT.length) };
  if (header.type === 'file' || header.type === 'contiguous-file') return { kind: 'file', path, bytes: header.size ?? 0 };
  // A symlink or hard link put over a lower file shadows it as well; it holds no bytes of its own.
  if (header.type !== 'directory') return { kind: 'file', path, bytes: 0, link: true };
  return undefined;
}

/** Waits for 'drain', or 'close' too: a reader that failed never drains (and one already closed never will). */
function drained(stream: NodeJS.EventEmitter & { readonly destroyed?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed === true) return resolve();
    const go = () => {
      stream.off('drain', go);
      stream.off('close', go);
      resolve();
    };
    stream.on('drain', go);
    stream.on('close', go);
  });
}
