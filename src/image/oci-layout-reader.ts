import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ShipbenchError } from '../core/errors.ts';
import { blobPath } from './layer-writer.ts';
import { OCI_LAYOUT_VERSION, OciAnnotation, OciMediaType } from './oci-media-types.ts';
import { openRegularFile, readRegularFile, readVerifiedBlob } from './verified-blob.ts';

/** Manifests, configs and index.json are small JSON: larger ones are refused before they are read. */
const MAX_JSON_BYTES = 16 * 2 ** 20;

const digestSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>');

const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
});

const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});

const configSchema = z.object({
  created: z.string().optional(),
  architecture: z.string(),
  os: z.string(),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digestSchema) }),
  history: z.array(z.object({ created: z.string().optional(), created_by: z.string().optional(), empty_layer: z.boolean().optional() })).optional(),
});

export type OciDescriptor = z.infer<typeof descriptorSchema>;
export type OciManifest = z.infer<typeof manifestSchema>;
export type OciImageConfig = z.infer<typeof configSchema>;

export interface LayoutIndexEntry {
  /** `org.opencontainers.image.ref.name`; undefined for untagged manifests. */
  readonly tag: string | undefined;
  readonly descriptor: OciDescriptor;
}

export interface LayoutImage {
  readonly tag: string;
  readonly manifestDigest: string;
  readonly manifestBytes: number;
  readonly manifest: OciManifest;
  readonly configDigest: string;
  readonly config: OciImageConfig;
}

const LAYOUT_HINT = 'point at a directory written by `shipbench generate` or `skopeo copy ... oci:DIR:TAG` (it holds oci-layout, index.json and blobs/sha256/)';

/** Reads index.json after checking that `layoutDir` is an OCI image layout at all. */
export async function readLayoutIndex(layoutDir: string): Promise<LayoutIndexEntry[]> {
  await checkLayoutDir(layoutDir);
  const index = parseJson(await readRegularFile(join(layoutDir, 'index.json'), `${layoutDir}/index.json`, MAX_JSON_BYTES), indexSchema, `${layoutDir}/index.json`);
  return index.manifests.map((descriptor) => ({ tag: descriptor.annotations?.[OciAnnotation.refName], descriptor }));
}

/** Reads one tagged image: manifest and config, sizes and digests verified. */
export async function readImage(layoutDir: string, tag: string): Promise<LayoutImage> {
  const entries = await readLayoutIndex(layoutDir);
  const entry = entries.find((e) => e.tag === tag);
  if (entry === undefined) {
    const tags = entries.flatMap((e) => (e.tag === undefined ? [] : [e.tag]));
    throw new ShipbenchError('oci-tag-not-found', `no image tagged ${JSON.stringify(tag)} in ${layoutDir}`, {
      hint: tags.length === 0 ? 'index.json names no tags' : `tags present: ${tags.join(', ')}`,
    });
  }
  return readTaggedImage(layoutDir, tag, entry.descriptor);
}

/** Reads every tagged image of a layout, in index order. */
export async function readLayout(layoutDir: string): Promise<LayoutImage[]> {
  const entries = await readLayoutIndex(layoutDir);
  const images: LayoutImage[] = [];
  for (const entry of entries) {
    if (entry.tag !== undefined) images.push(await readTaggedImage(layoutDir, entry.tag, entry.descriptor));
  }
  return images;
}

export async function readManifest(layoutDir: string, descriptor: OciDescriptor): Promise<OciManifest> {
  if (descriptor.mediaType !== OciMediaType.manifest) {
    throw new ShipbenchError('oci-unsupported-manifest', `${descriptor.digest} is a ${descriptor.mediaType}, not an OCI image manifest`, {
      hint: 'only single-platform OCI image manifests are supported (no image indexes or Docker schema 2 manifests)',
    });
  }
  return parseJson(await readBlob(layoutDir, descriptor), manifestSchema, `manifest ${descriptor.digest}`);
}

export async function readImageConfig(layoutDir: string, descriptor: OciDescriptor): Promise<OciImageConfig> {
  return parseJson(await readBlob(layoutDir, descriptor), configSchema, `config ${descriptor.digest}`);
}

async function readTaggedImage(layoutDir: string, tag: string, descriptor: OciDescriptor): Promise<LayoutImage> {
  const manifest = await readManifest(layoutDir, descriptor);
  const config = await readImageConfig(layoutDir, manifest.config);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new ShipbenchError(
      'oci-layout-invalid',
      `image ${tag} in ${layoutDir}: ${manifest.layers.length} layers but ${config.rootfs.diff_ids.length} diff_ids in its config`,
    );
  }
  for (const layer of manifest.layers) {
    // Opened (and closed) to refuse a FIFO or device before anyone streams it; its bytes are hashed as they are read.
    const handle = await openRegularFile(blobPath(join(layoutDir, 'blobs'), layer.digest), `layer ${layer.digest} of image ${tag} in ${layoutDir}`).catch((error: unknown) => {
      if (error instanceof ShipbenchError && error.code === 'blob-missing') return undefined;
      throw error;
    });
    const size = handle === undefined ? undefined : (await handle.stat()).size;
    await handle?.close();
    if (size !== layer.size) {
      throw new ShipbenchError(
        'oci-layout-invalid',
        `image ${tag} in ${layoutDir}: layer ${layer.digest} ${size === undefined ? 'is missing' : `holds ${size} bytes, not ${layer.size}`}`,
        { hint: 'the layout is incomplete or corrupt: regenerate it' },
      );
    }
  }
  return { tag, manifestDigest: descriptor.digest, manifestBytes: descriptor.size, manifest, configDigest: manifest.config.digest, config };
}

async function checkLayoutDir(layoutDir: string): Promise<void> {
  const isDir = await stat(layoutDir).then(
    (s) => s.isDirectory(),
    () => undefined,
  );
  if (isDir !== true) {
    throw new ShipbenchError('oci-layout-not-found', `${layoutDir} ${isDir === undefined ? 'does not exist' : 'is not a directory'}`, {
      hint: LAYOUT_HINT,
    });
  }
  const present = async (name: string) => stat(join(layoutDir, name)).then(() => true, () => false);
  const missing: string[] = [];
  for (const name of ['oci-layout', 'index.json', 'blobs/sha256']) if (!(await present(name))) missing.push(name);
  if (missing.length > 0) {
    throw new ShipbenchError('oci-layout-not-found', `${layoutDir} is not an OCI image layout: missing ${missing.join(', ')}`, { hint: LAYOUT_HINT });
  }
  const marker = parseJson(await readRegularFile(join(layoutDir, 'oci-layout'), `${layoutDir}/oci-layout`, MAX_JSON_BYTES), z.object({ imageLayoutVersion: z.string() }), `${layoutDir}/oci-layout`);
  if (marker.imageLayoutVersion !== OCI_LAYOUT_VERSION) {
    throw new ShipbenchError('oci-layout-version', `${layoutDir}: unsupported imageLayoutVersion ${marker.imageLayoutVersion}`, {
      hint: `only ${OCI_LAYOUT_VERSION} is supported`,
    });
  }
}

/** A small JSON blob, read whole and checked against its descriptor's size and digest. */
async function readBlob(layoutDir: string, descriptor: OciDescriptor): Promise<Buffer> {
  return readVerifiedBlob(blobPath(join(layoutDir, 'blobs'), descriptor.digest), descriptor, `blob ${descriptor.digest} of ${layoutDir}`, MAX_JSON_BYTES);
}

function parseJson<T>(bytes: Buffer, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ShipbenchError('oci-layout-invalid', `${what} is not valid JSON`, { cause: err });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ShipbenchError('oci-layout-invalid', `${what} is not what the OCI image spec describes: ${issues}`);
  }
  return result.data;
}
