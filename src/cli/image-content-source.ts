import { statSync } from 'node:fs';
import type { FlattenImage } from '../content/source/content-source-loader.ts';
import { dockerArchiveSource } from '../image/docker-archive-source.ts';
import type { ImageSource } from '../image/image-source.ts';
import { flattenImage } from '../image/image-rootfs.ts';
import { ociLayoutSource } from '../image/oci-layout-source.ts';
import { isImageReference, registryImageSource } from '../registry/registry-image-source.ts';

/**
 * `content.source.image`: the image named as `check` names images (a registry reference, an OCI layout
 * DIR or DIR:TAG, or a docker-archive file), read through the same verified readers, rootfs unpacked.
 */
export const flattenContentImage: FlattenImage = (image, into) => flattenImage(imageSourceOf(image), into);

function imageSourceOf(image: string): ImageSource {
  if (isImageReference(image)) return registryImageSource(image);
  const tagged = /^(.*):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/.exec(image);
  if (tagged !== null && isDirectory(tagged[1] as string)) return ociLayoutSource(tagged[1] as string, tagged[2]);
  return isDirectory(image) ? ociLayoutSource(image) : dockerArchiveSource(image);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
