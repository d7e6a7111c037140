import { createReadStream } from 'node:fs';
import type { ImageSource, SourceImage } from './image-source.ts';
import { blobPath } from './layer-writer.ts';
import { OciAnnotation } from './oci-media-types.ts';
import { layoutBlobsDir } from './oci-layout-writer.ts';
import { readImage, readLayout } from './oci-layout-reader.ts';

/** Every tagged image of an OCI image layout (index order is deploy order), or just `tag`. */
export function ociLayoutSource(dir: string, tag?: string): ImageSource {
  return {
    kind: 'oci-layout',
    location: tag === undefined ? dir : `${dir}:${tag}`,
    storesUncompressed: false,
    async read(scan) {
      const images = tag === undefined ? await readLayout(dir) : [await readImage(dir, tag)];
      const out: SourceImage[] = [];
      for (const image of images) {
        for (const layer of image.manifest.layers) {
          await scan(layer.digest, createReadStream(blobPath(layoutBlobsDir(dir), layer.digest), { highWaterMark: 1 << 20 }));
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
