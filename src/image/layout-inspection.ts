import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ShipbenchError } from '../core/errors.ts';
import { type DeployCost, deployCosts, type InspectedImage, type InspectedLayer } from './deploy-cost.ts';
import { blobPath } from './layer-writer.ts';
import { listLayer, type LayerListing } from './layer-listing.ts';
import { OciAnnotation } from './oci-media-types.ts';
import { layoutBlobsDir } from './oci-layout-writer.ts';
import { readLayout } from './oci-layout-reader.ts';

/** One layout's images (in index order, taken as deploy order) and what each deploy costs a node. */
export interface InspectedLayout {
  readonly name: string;
  readonly dir: string;
  readonly images: readonly InspectedImage[];
  readonly costs: readonly DeployCost[];
}

function describeHoldings(listing: LayerListing): string {
  if (listing.files === 0 && listing.whiteouts > 0) return `${listing.whiteouts} deletions`;
  const deepest = Math.max(...listing.largestDirectories.map((d) => d.depth), 0);
  const top = listing.largestDirectories.filter((d) => d.depth === deepest).slice(0, 2);
  const parts = top.map((d) => `${d.path} ${Math.round((d.bytes / Math.max(1, listing.fileBytes)) * 100)}%`);
  if (listing.whiteouts > 0) parts.push(`${listing.whiteouts} deletions`);
  return parts.join(', ');
}

/**
 * Reads layouts and lists every layer's tar (streamed, no unpack, each blob hashed against its digest). A blob
 * file shared by several layouts (hard links) is listed once.
 */
export async function inspectLayouts(layouts: ReadonlyArray<{ name: string; dir: string }>): Promise<InspectedLayout[]> {
  const listings = new Map<string, Promise<LayerListing>>();
  const out: InspectedLayout[] = [];
  for (const { name, dir } of layouts) {
    const images: InspectedImage[] = [];
    for (const image of await readLayout(dir)) {
      const layers: InspectedLayer[] = [];
      const history = (image.config.history ?? []).filter((h) => h.empty_layer !== true);
      for (const [i, descriptor] of image.manifest.layers.entries()) {
        // Shared by file, not by digest: hard links (generate's layouts) are read once, but a copy is read
        // and verified on its own, so a tampered copy of a blob cannot hide behind a good one.
        const path = blobPath(layoutBlobsDir(dir), descriptor.digest);
        const file = await stat(path).then((s) => `${s.dev}:${s.ino}`, () => path);
        let listing = listings.get(file);
        if (listing === undefined) {
          listing = listLayer(path, { expected: descriptor, what: `layer ${descriptor.digest} of ${image.tag} in ${dir}` });
          listings.set(file, listing);
        }
        const l = await listing;
        layers.push({
          digest: descriptor.digest,
          role: descriptor.annotations?.[OciAnnotation.layerRole] ?? history[i]?.created_by ?? '',
          bytes: l.blobBytes,
          uncompressedBytes: l.tarBytes,
          files: l.files,
          fileBytes: l.fileBytes,
          whiteouts: l.whiteouts,
          holds: describeHoldings(l),
        });
      }
      images.push({ tag: image.tag, manifestDigest: image.manifestDigest, layers });
    }
    out.push({ name, dir, images, costs: deployCosts(images) });
  }
  return out;
}

/**
 * The layouts under a directory: the directory itself when it is a layout, or each child that is one (the
 * shape `shipbench generate` writes: one layout per strategy).
 */
export async function findLayouts(dir: string): Promise<Array<{ name: string; dir: string }>> {
  const isLayout = (d: string) => stat(join(d, 'oci-layout')).then((s) => s.isFile(), () => false);
  if (await isLayout(dir)) return [{ name: dir.replace(/\/+$/, '').split('/').pop() ?? dir, dir }];
  const children = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: Array<{ name: string; dir: string }> = [];
  for (const child of children.filter((c) => c.isDirectory() && !c.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
    if (await isLayout(join(dir, child.name))) found.push({ name: child.name, dir: join(dir, child.name) });
  }
  // A generate output dir says its strategies' order (the scenario's); keep it rather than the alphabet's.
  const order: string[] = await readFile(join(dir, 'generate.json'), 'utf8').then(
    (text) => (JSON.parse(text) as { strategies?: Array<{ name: string }> }).strategies?.map((s) => s.name) ?? [],
    () => [],
  );
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  found.sort((a, b) => rank(a.name) - rank(b.name));
  if (found.length === 0) {
    throw new ShipbenchError('not-an-oci-layout', `${dir} is not an OCI image layout and holds none`, {
      hint: 'point at a directory written by `shipbench generate` (or one of its strategy subdirectories), or at a scenario file',
    });
  }
  return found;
}
