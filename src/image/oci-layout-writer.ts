import { createHash, randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.ts';
import { ShipbenchError } from '../core/errors.ts';
import type { BuiltLayer } from './layer-spec.ts';
import { blobPath } from './layer-writer.ts';
import { OCI_LAYOUT_VERSION, OciAnnotation, OciMediaType } from './oci-media-types.ts';

/** Default `created` of configs and history: fixed, so the same layers always give the same image digests. */
export const IMAGE_CREATED = '2000-01-01T00:00:00Z';

/** Tag grammar of the distribution spec; skopeo and umoci look images up by it. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export interface ImageToWrite {
  /** Bottom first; their blobs must already be in the layout (writeLayer into it, or linkBlob). */
  readonly layers: readonly BuiltLayer[];
  readonly tag: string;
  /** RFC 3339; defaults to IMAGE_CREATED. */
  readonly created?: string;
  readonly architecture?: string;
  readonly os?: string;
  /** Manifest annotations; written with sorted keys. */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface WrittenImage {
  readonly tag: string;
  readonly manifestDigest: string;
  readonly configDigest: string;
  /** Size of the manifest blob: what an index descriptor needs. */
  readonly manifestBytes: number;
}

export interface IndexEntry {
  readonly manifestDigest: string;
  readonly size: number;
  readonly tag: string;
}

export function layoutBlobsDir(layoutDir: string): string {
  return join(layoutDir, 'blobs');
}

/** Creates the `oci-layout` marker and `blobs/sha256` if missing. */
export async function initLayout(layoutDir: string): Promise<void> {
  await mkdir(join(layoutBlobsDir(layoutDir), 'sha256'), { recursive: true });
  await writeFileAtomic(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }), { mode: 0o644 });
}

/**
 * Writes an image's config and manifest blobs. JSON is built with a fixed key order and no timestamps
 * except `created`, so equal inputs give equal digests.
 */
export async function writeImage(layoutDir: string, image: ImageToWrite): Promise<WrittenImage> {
  checkTag(image.tag);
  await initLayout(layoutDir);
  const blobs = layoutBlobsDir(layoutDir);
  for (const layer of image.layers) await checkLayerBlob(blobs, layer);

  const created = image.created ?? IMAGE_CREATED;
  const config = {
    created,
    architecture: image.architecture ?? 'amd64',
    os: image.os ?? 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: image.layers.map((l) => l.diffId) },
    history: image.layers.map((l) => ({ created, created_by: l.role })),
  };
  const configBlob = await writeJsonBlob(blobs, config);

  const manifest = {
    schemaVersion: 2,
    mediaType: OciMediaType.manifest,
    config: { mediaType: OciMediaType.config, digest: configBlob.digest, size: configBlob.size },
    layers: image.layers.map((l) => ({
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.bytes,
      annotations: { [OciAnnotation.layerRole]: l.role },
    })),
    ...(image.annotations === undefined || Object.keys(image.annotations).length === 0 ? {} : { annotations: sortedRecord(image.annotations) }),
  };
  const manifestBlob = await writeJsonBlob(blobs, manifest);
  return { tag: image.tag, manifestDigest: manifestBlob.digest, configDigest: configBlob.digest, manifestBytes: manifestBlob.size };
}

/** Writes index.json naming each manifest by its tag (`org.opencontainers.image.ref.name`). */
export async function writeIndex(layoutDir: string, entries: readonly IndexEntry[]): Promise<void> {
  const seen = new Set<string>();
  for (const entry of entries) {
    checkTag(entry.tag);
    if (seen.has(entry.tag)) throw new ShipbenchError('oci-duplicate-tag', `tag ${entry.tag} appears twice in one OCI layout`, { exitCode: 1 });
    seen.add(entry.tag);
  }
  await initLayout(layoutDir);
  const index = {
    schemaVersion: 2,
    mediaType: OciMediaType.index,
    manifests: entries.map((e) => ({
      mediaType: OciMediaType.manifest,
      digest: e.manifestDigest,
      size: e.size,
      annotations: { [OciAnnotation.refName]: e.tag },
    })),
  };
  await writeFileAtomic(join(layoutDir, 'index.json'), JSON.stringify(index), { mode: 0o644 });
}

/**
 * Makes a blob of a shared store (laid out as `<fromBlobsDir>/sha256/<hex>`) part of a layout: a hard link,
 * or a copy where links cannot go (EXDEV across file systems, EPERM on some mounts). An existing blob is kept.
 */
export async function linkBlob(fromBlobsDir: string, toLayoutDir: string, digest: string): Promise<'linked' | 'copied' | 'present'> {
  const from = blobPath(fromBlobsDir, digest);
  const to = blobPath(layoutBlobsDir(toLayoutDir), digest);
  await mkdir(join(layoutBlobsDir(toLayoutDir), 'sha256'), { recursive: true });
  try {
    await link(from, to);
    return 'linked';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'present';
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw err;
  }
  const temp = tempPathFor(to);
  try {
    await copyFile(from, temp);
    await rename(temp, to);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  return 'copied';
}

async function checkLayerBlob(blobsDir: string, layer: BuiltLayer): Promise<void> {
  const path = blobPath(blobsDir, layer.digest);
  const size = await stat(path).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) {
    throw new ShipbenchError('oci-layer-blob-missing', `layer ${layer.role} (${layer.digest}) is not in ${blobsDir}`, {
      hint: 'write the layer into this layout or link it from the shared blob store (linkBlob) before writing the image',
      exitCode: 1,
    });
  }
  if (size !== layer.bytes) {
    throw new ShipbenchError('oci-layer-blob-size', `layer blob ${path} holds ${size} bytes, its descriptor says ${layer.bytes}`, { exitCode: 1 });
  }
}

function checkTag(tag: string): void {
  if (!TAG_PATTERN.test(tag)) {
    throw new ShipbenchError('oci-invalid-tag', `invalid image tag ${JSON.stringify(tag)}`, {
      hint: 'tags are 1-128 characters of letters, digits, _ . and -, not starting with . or -',
    });
  }
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function writeJsonBlob(blobsDir: string, value: unknown): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const path = blobPath(blobsDir, digest);
  const present = await stat(path).then(
    (s) => s.size === bytes.length,
    () => false,
  );
  if (!present) await writeFileAtomic(path, bytes, { mode: 0o644 });
  return { digest, size: bytes.length };
}

function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}
