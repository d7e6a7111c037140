import type { ImageSource, SourceImage } from './image-source.ts';
import { blobPath } from './layer-writer.ts';
import { OciAnnotation } from './oci-media-types.ts';
import { layoutBlobsDir } from './oci-layout-writer.ts';
import { readImage, readLayout } from './oci-layout-reader.ts';
import { VerifiedBlob } from './verified-blob.ts';

/** Every tagged image of an OCI image layout (index order is deploy order), or just `tag`. */
export function ociLayoutSource(dir: string, tag?: string): ImageSource {
  return {
    kind: 'oci-layout',
    location: tag === undefined ? dir : `${dir}:${tag}`,
    storesUncompressed: false,
    async read(scan) {
      const images = tag === undefined ? await readLayout(dir) : [await readImage(dir, tag)];
      const out: SourceImage[] = [];
      const read = new Set<string>();
      for (const image of images) {
        for (const layer of image.manifest.layers) {
          if (read.has(layer.digest)) continue; // every distinct blob once: images share layers
          read.add(layer.digest);
          // Hashed as the scan reads it: a blob that is not what its digest says fails the read, not a later step.
          const blob = new VerifiedBlob(blobPath(layoutBlobsDir(dir), layer.digest), layer, `layer ${layer.digest} of ${image.tag} in ${dir}`);
          // A scan that failed on a tampered blob (its gzip broken) says the blob is not what its digest says.
          await scan(layer.digest, blob).catch(async (error: unknown) => {
            await blob.verify();
            throw error;
          });
          await blob.verify();
        }
        const history = (image.config.history ?? []).filter((h) => h.empty_layer !== true);
        out.push({
          name: image.tag,
          layerKeys: image.manifest.layers.map((l) => l.digest),
          diffIds: image.config.rootfs.diff_ids,
          roles: image.manifest.layers.map((l, i) => l.annotations?.[OciAnnotation.layerRole] ?? history[i]?.created_by ?? ''),
        });
      }
      return out;
    },
    async close() {},
  };
}
