import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContentSourceLabel } from '../content/source/content-source-label.ts';
import { ShipbenchError } from '../core/errors.ts';
import type { GeneratedImageSet } from '../image/image-set-writer.ts';
import { listLayer } from '../image/layer-listing.ts';
import type { BuiltLayer } from '../image/layer-spec.ts';
import { blobPath } from '../image/layer-writer.ts';
import { readImage } from '../image/oci-layout-reader.ts';
import { layoutBlobsDir } from '../image/oci-layout-writer.ts';
import type { ResolvedScenario, ResolvedStep } from '../scenario/resolved.ts';

const run = promisify(execFile);

/** The strategy name existing images run under (`run --image`): they were built elsewhere, as they are. */
export const EXTERNAL_STRATEGY = 'external';

/**
 * `run --image REF [--image REF2 ...]`: the T264209 experiment as it was done. Existing images (a sequence
 * of tags as deploy steps) are copied with skopeo, unchanged (same digests), into an OCI layout under --out,
 * and shipped by the scenario's fleet from the embedded registry: nothing is generated or built.
 * REF: docker://HOST/REPO:TAG or http://HOST:PORT/REPO:TAG (plain HTTP), an OCI layout DIR:TAG, or a
 * docker-archive file.
 */
export async function importExternalImages(scenario: ResolvedScenario, refs: readonly string[], outDir: string): Promise<{ scenario: ResolvedScenario; images: GeneratedImageSet }> {
  const layoutDir = join(outDir, EXTERNAL_STRATEGY);
  await mkdir(layoutDir, { recursive: true });
  const steps = refs.map((ref, i): ResolvedStep => (i === 0 ? { name: 'initial', kind: 'initial' } : { name: `${i}-${tagOf(ref)}`.slice(0, 100), kind: 'backport', files: 0, removes: 0, version: 'newest' }));
  const images = [];
  for (const [i, ref] of refs.entries()) {
    const step = (steps[i] as ResolvedStep).name;
    await skopeoCopy(ref, `oci:${layoutDir}:${step}`);
    const image = await readImage(layoutDir, step);
    const layers: BuiltLayer[] = [];
    for (const [j, layer] of image.manifest.layers.entries()) {
      const listing = await listLayer(blobPath(layoutBlobsDir(layoutDir), layer.digest), { expected: layer, what: `layer ${layer.digest} of ${ref}` });
      layers.push({ role: 'external', digest: layer.digest, diffId: image.config.rootfs.diff_ids[j] ?? listing.diffId, bytes: layer.size, uncompressedBytes: listing.tarBytes, files: listing.files, fileBytes: listing.fileBytes, whiteouts: listing.whiteouts, mediaType: layer.mediaType });
    }
    images.push({ step, manifestDigest: image.manifestDigest, layers, note: ref });
  }
  const content: ContentSourceLabel = { kind: 'image', location: refs.join(' '), detail: `${refs.length} existing images, as built`, digest: images.map((i) => i.manifestDigest).join(' ') };
  return {
    scenario: { ...scenario, deploy: steps, image: { ...scenario.image, strategies: [{ name: EXTERNAL_STRATEGY, kind: 'monolithic' }] } },
    images: {
      outDir,
      strategies: [{ name: EXTERNAL_STRATEGY, layoutDir, images }],
      compressor: 'as built (run --image)',
      layersBuilt: 0,
      layersReused: 0,
      builtTarBytes: 0,
      builtBlobBytes: 0,
      seconds: 0,
      trees: [],
      warnings: [],
      external: content,
    },
  };
}

function tagOf(ref: string): string {
  const tag = /[:@]([A-Za-z0-9_][A-Za-z0-9._-]*)$/.exec(ref)?.[1] ?? 'image';
  return tag.replace(/^[-.]+/, '');
}

/** skopeo's source name for REF; plain-HTTP registries (http://) are read without TLS. */
function skopeoSource(ref: string): { name: string; flags: string[] } {
  const http = /^http:\/\/(.+)$/.exec(ref);
  if (http !== null) return { name: `docker://${http[1] as string}`, flags: ['--src-tls-verify=false'] };
  const https = /^https:\/\/(.+)$/.exec(ref);
  if (https !== null) return { name: `docker://${https[1] as string}`, flags: [] };
  if (ref.startsWith('docker://')) return { name: ref, flags: [] };
  const tagged = /^(.*):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/.exec(ref);
  if (tagged !== null && isDirectory(tagged[1] as string)) return { name: `oci:${ref}`, flags: [] };
  if (isDirectory(ref)) return { name: `oci:${ref}`, flags: [] };
  try {
    if (statSync(ref).isFile()) return { name: `docker-archive:${ref}`, flags: [] };
  } catch {
    // neither: said below
  }
  throw new ShipbenchError('image-not-found', `--image ${ref} is neither a registry reference nor an OCI layout or docker-archive on disk`, {
    hint: 'give docker://HOST/REPO:TAG, http://HOST:PORT/REPO:TAG (plain HTTP), an OCI layout DIR:TAG, or a docker-archive file',
  });
}

async function skopeoCopy(ref: string, destination: string): Promise<void> {
  const source = skopeoSource(ref);
  // --preserve-digests: the image ships as it was built; never re-compressed.
  const args = ['copy', '--quiet', '--preserve-digests', ...source.flags, source.name, destination];
  try {
    await run('skopeo', args, { maxBuffer: 1 << 24 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new ShipbenchError('tool-missing', 'run --image copies images with skopeo, which is not installed', { hint: 'install it (Debian: apt-get install skopeo)' });
    throw new ShipbenchError('image-unreadable', `skopeo could not copy ${ref}: ${(e.stderr ?? e.message).trim().split('\n').pop() ?? ''}`, { hint: 'check the reference (skopeo inspect shows what it names) and that the registry is reachable' });
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
