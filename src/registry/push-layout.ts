import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ShipbenchError } from '../core/errors.ts';
import { blobPath } from '../image/layer-writer.ts';
import { readImage } from '../image/oci-layout-reader.ts';
import { layoutBlobsDir } from '../image/oci-layout-writer.ts';
import { OciMediaType } from '../image/oci-media-types.ts';
import type { DistributionClient } from './distribution-client.ts';

export interface PushLayoutOptions {
  /** Blobs uploaded at once. Default 3 (what Docker and containerd use). */
  readonly concurrency?: number;
  /** PATCH chunk size; one PUT per blob when undefined. */
  readonly chunkBytes?: number;
  readonly signal?: AbortSignal;
}

export interface PushedImage {
  readonly manifestDigest: string;
  readonly blobsPushed: number;
  readonly blobsSkipped: number;
  /** Bytes of the blobs uploaded and of the manifest (retried bytes are in the client's stats). */
  readonly bytesUp: number;
  /** Of those, the layer blobs only (no config, no manifest): what a step's new code costs to push. */
  readonly layersPushed: number;
  readonly layerBytesUp: number;
}

/**
 * Pushes one tagged image of an OCI layout to `repo`: its config and layers (those the registry lacks),
 * then the manifest, byte for byte, so the registry's digest equals the layout's.
 */
export async function pushLayoutImage(
  client: DistributionClient,
  layoutDir: string,
  tag: string,
  repo: string,
  destTag: string = tag,
  options: PushLayoutOptions = {},
): Promise<PushedImage> {
  const image = await readImage(layoutDir, tag);
  const seen = new Set<string>();
  const blobs = [image.manifest.config, ...image.manifest.layers].filter((d) => !seen.has(d.digest) && seen.add(d.digest));
  let blobsPushed = 0;
  let blobsSkipped = 0;
  let bytesUp = 0;
  let layersPushed = 0;
  let layerBytesUp = 0;
  const queue = [...blobs];
  const worker = async () => {
    for (let blob = queue.shift(); blob !== undefined; blob = queue.shift()) {
      const path = blobPath(layoutBlobsDir(layoutDir), blob.digest);
      const { skipped } = await client.pushBlob(repo, blob.digest, blob.size, () => createReadStream(path, { highWaterMark: 1 << 20 }), {
        chunkBytes: options.chunkBytes,
        signal: options.signal,
      });
      if (skipped) {
        blobsSkipped++;
      } else {
        blobsPushed++;
        bytesUp += blob.size;
        if (blob.digest !== image.manifest.config.digest) {
          layersPushed++;
          layerBytesUp += blob.size;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 3, blobs.length)) }, worker));

  const manifestBytes = await readFile(blobPath(layoutBlobsDir(layoutDir), image.manifestDigest));
  const actual = `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`;
  if (actual !== image.manifestDigest) {
    throw new ShipbenchError('oci-layout-invalid', `${layoutDir}: manifest ${image.manifestDigest} of ${tag} hashes to ${actual}`, {
      hint: 'the layout is corrupt: regenerate it',
    });
  }
  const manifestDigest = await client.pushManifest(repo, destTag, manifestBytes, image.manifest.mediaType ?? OciMediaType.manifest, options.signal);
  return { manifestDigest, blobsPushed, blobsSkipped, bytesUp: bytesUp + manifestBytes.length, layersPushed, layerBytesUp };
}
