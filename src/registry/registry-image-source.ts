import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { ShipbenchError } from '../core/errors.ts';
import type { ImageSource } from '../image/image-source.ts';
import { OciAnnotation, OciMediaType } from '../image/oci-media-types.ts';
import type { RegistryTimeouts } from './registry-timeouts.ts';
import { DistributionClient, DockerMediaType } from './distribution-client.ts';
import type { RegistryCredentials } from './registry-auth.ts';

/**
 * An image in a registry, read through the distribution API: the manifest (from an index, the wanted
 * platform's), the config, then each layer blob streamed straight into the scan as it downloads.
 */

export interface ImageReference {
  /** `http://host:port` or `https://host`. */
  readonly baseUrl: string;
  readonly repository: string;
  /** A tag or a digest. */
  readonly reference: string;
}

const REFERENCE_HINT = 'write a registry image as http://HOST:PORT/REPO:TAG, https://HOST/REPO:TAG or docker://HOST/REPO@sha256:... (docker:// means https)';

/** Parses `http://127.0.0.1:5000/app:v2`, `https://reg.example.org/mw/app@sha256:...`, `docker://reg/app:v2`. */
export function parseImageReference(text: string): ImageReference {
  const m = /^(https?|docker):\/\/([^/]+)\/(.+)$/.exec(text);
  if (m === null) throw new ShipbenchError('image-reference-invalid', `${JSON.stringify(text)} is not a registry image reference`, { hint: REFERENCE_HINT });
  const [, scheme, host, rest] = m as unknown as [string, string, string, string];
  const at = rest.indexOf('@');
  let repository: string;
  let reference: string;
  if (at !== -1) {
    repository = rest.slice(0, at);
    reference = rest.slice(at + 1);
  } else {
    const colon = rest.lastIndexOf(':');
    repository = colon === -1 ? rest : rest.slice(0, colon);
    reference = colon === -1 ? 'latest' : rest.slice(colon + 1);
  }
  return { baseUrl: `${scheme === 'http' ? 'http' : 'https'}://${host}`, repository, reference };
}

export function isImageReference(text: string): boolean {
  return /^(https?|docker):\/\//.test(text);
}

export interface RegistrySourceOptions {
  readonly auth?: RegistryCredentials;
  readonly tlsVerify?: boolean;
  readonly timeouts?: RegistryTimeouts;
  /** For an index: the platform to take, default linux/amd64. */
  readonly platform?: { readonly os: string; readonly architecture: string };
}

const descriptor = z.object({ mediaType: z.string().optional(), digest: z.string(), size: z.number(), annotations: z.record(z.string(), z.string()).optional() });
const manifestSchema = z.object({ config: descriptor, layers: z.array(descriptor) });
const indexSchema = z.object({
  manifests: z.array(descriptor.extend({ platform: z.object({ os: z.string(), architecture: z.string() }).optional() })),
});
const configSchema = z.object({
  rootfs: z.object({ diff_ids: z.array(z.string()) }),
  history: z.array(z.object({ created_by: z.string().optional(), empty_layer: z.boolean().optional() })).optional(),
});

export function registryImageSource(text: string, options: RegistrySourceOptions = {}): ImageSource {
  const ref = parseImageReference(text);
  const client = new DistributionClient({ baseUrl: ref.baseUrl, ...(options.auth === undefined ? {} : { auth: options.auth }), rejectUnauthorized: options.tlsVerify ?? true, ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }) });
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  return {
    kind: 'registry',
    location: text,
    storesUncompressed: false,
    async read(scan) {
      let fetched = await client.getManifest(ref.repository, ref.reference);
      if (fetched.mediaType === OciMediaType.index || fetched.mediaType === DockerMediaType.manifestList) {
        const index = parse(fetched.bytes, indexSchema, `index ${text}`);
        const pick = index.manifests.find((m) => m.platform?.os === platform.os && m.platform.architecture === platform.architecture);
        if (pick === undefined) {
          const have = index.manifests.map((m) => (m.platform === undefined ? '?' : `${m.platform.os}/${m.platform.architecture}`)).join(', ');
          throw new ShipbenchError('image-platform-missing', `${text} has no ${platform.os}/${platform.architecture} image (it has ${have})`, { hint: 'name one of its platforms' });
        }
        fetched = await client.getManifest(ref.repository, pick.digest);
      }
      if (fetched.mediaType !== OciMediaType.manifest && fetched.mediaType !== DockerMediaType.manifest) {
        throw new ShipbenchError('image-manifest-unsupported', `${text} is a ${fetched.mediaType}, not an image manifest`, {
          hint: 'only OCI image manifests and Docker schema 2 manifests (and indexes of them) can be checked',
        });
      }
      const manifest = parse(fetched.bytes, manifestSchema, `manifest ${text}`);
      const configParts: Buffer[] = [];
      await client.fetchBlob(ref.repository, manifest.config.digest, (chunk) => void configParts.push(Buffer.from(chunk)), { size: manifest.config.size });
      const config = parse(Buffer.concat(configParts), configSchema, `config ${manifest.config.digest} of ${text}`);
      for (const layer of manifest.layers) {
        const pipe = new PassThrough({ highWaterMark: 1 << 20 });
        const download = client.fetchBlob(ref.repository, layer.digest, pipe, { size: layer.size }).then(
          () => void pipe.end(),
          (error: unknown) => {
            pipe.destroy(error as Error);
            throw error;
          },
        );
        download.catch(() => undefined);
        try {
          await scan(layer.digest, pipe);
        } catch (error) {
          // Either the scan stopped reading (unblock the download) or the download broke the stream (its
          // own error says more).
          pipe.destroy(new Error('the layer scan stopped'));
          const failed = await download.then(() => undefined, (e: unknown) => e);
          throw failed instanceof ShipbenchError ? failed : error;
        }
        await download;
      }
      const history = (config.history ?? []).filter((h) => h.empty_layer !== true);
      return [{
        name: `${ref.repository}${ref.reference.includes(':') ? '@' : ':'}${ref.reference}`,
        layerKeys: manifest.layers.map((l) => l.digest),
        diffIds: config.rootfs.diff_ids,
        roles: manifest.layers.map((l, i) => l.annotations?.[OciAnnotation.layerRole] ?? history[i]?.created_by ?? ''),
      }];
    },
    close: () => client.close(),
  };
}

function parse<T>(bytes: Buffer, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ShipbenchError('registry-protocol', `${what} is not valid JSON`, { cause: error });
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new ShipbenchError('registry-protocol', `${what} is not an OCI document: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return result.data;
}
