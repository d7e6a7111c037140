import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { ShipbenchError } from '../core/errors.ts';
import { freeBytes } from '../core/output-dir.ts';
import { formatBytes } from '../core/units.ts';

/**
 * A node whose disk filled up: what a real node's kubelet would report as an image pull failing with
 * "no space left on device", said with the numbers that tell the user how much bigger the disk must be.
 */

/** Whether `error` (or any cause of it) is the file system running out of room. */
export function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'disk-full') return true;
  }
  return false;
}

function bytes(n: number): string {
  return `${formatBytes(n)} (${n} bytes)`;
}

/** A download that found no room for its blob. */
export async function blobDiskFull(dir: string, digest: string, size: number, cause: unknown): Promise<ShipbenchError> {
  const free = await freeBytes(dir).catch(() => 0);
  return new ShipbenchError('node-disk-full', `node disk full: ${bytes(free)} free, blob ${digest} needs ${bytes(size)}`, {
    hint: 'give the node a bigger disk, or pull smaller images',
    exitCode: 1,
    cause,
  });
}

/**
 * An unpack that found no room for its layer. Called once the half-unpacked snapshot is removed, so the
 * free figure is what the layer had to work with; what it needs is its tar's size, counted by
 * decompressing the blob again (only on this failure path).
 */
export async function layerDiskFull(dir: string, digest: string, blobFile: string, gzip: boolean, cause: unknown): Promise<ShipbenchError> {
  const [free, needed] = await Promise.all([freeBytes(dir).catch(() => 0), unpackedBytes(blobFile, gzip).catch(() => undefined)]);
  const needs = needed === undefined ? 'more' : bytes(needed);
  return new ShipbenchError('node-disk-full', `node disk full: ${bytes(free)} free, layer ${digest} needs ${needs} unpacked`, {
    hint: 'give the node a bigger disk (it holds the compressed blobs and the unpacked layers of two images), or set fleet.node.unpack: false',
    exitCode: 1,
    cause,
  });
}

async function unpackedBytes(blobFile: string, gzip: boolean): Promise<number> {
  let total = 0;
  const source = createReadStream(blobFile, { highWaterMark: 1 << 20 });
  for await (const chunk of gzip ? source.pipe(createGunzip()) : source) total += (chunk as Buffer).length;
  return total;
}
