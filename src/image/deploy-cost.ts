/**
 * What each deploy costs a node that holds the previous step's image: the layers it lacks (by digest, as a
 * container runtime's content store dedupes), the bytes it downloads, and the bytes it writes to disk (the
 * compressed blob into the content store, then the unpacked files into a snapshot).
 */

export interface InspectedLayer {
  readonly digest: string;
  /** What the image builder said the layer is (`base`, `php-1.45.0-wmf.2`, a Dockerfile line), or ''. */
  readonly role: string;
  /** Compressed (blob) bytes. */
  readonly bytes: number;
  readonly uncompressedBytes: number;
  readonly files: number;
  readonly fileBytes: number;
  readonly whiteouts: number;
  /** What the layer holds, in a few words (the largest directories). */
  readonly holds: string;
}

export interface InspectedImage {
  readonly tag: string;
  readonly manifestDigest: string;
  readonly layers: readonly InspectedLayer[];
}

export interface DeployCost {
  readonly step: string;
  readonly layers: number;
  readonly imageBytes: number;
  readonly imageUncompressedBytes: number;
  readonly newLayers: number;
  readonly downloadBytes: number;
  /** Blob bytes written plus unpacked tar bytes (a runtime writes both). */
  readonly diskWriteBytes: number;
  readonly filesWritten: number;
}

const sum = (layers: readonly InspectedLayer[], pick: (l: InspectedLayer) => number) => layers.reduce((n, l) => n + pick(l), 0);

/** Costs of a deploy sequence: images in deploy order, the first pulled by a cold node. */
export function deployCosts(images: readonly InspectedImage[]): DeployCost[] {
  let held = new Set<string>();
  return images.map((image) => {
    const fresh = image.layers.filter((l) => !held.has(l.digest));
    held = new Set(image.layers.map((l) => l.digest));
    return {
      step: image.tag,
      layers: image.layers.length,
      imageBytes: sum(image.layers, (l) => l.bytes),
      imageUncompressedBytes: sum(image.layers, (l) => l.uncompressedBytes),
      newLayers: fresh.length,
      downloadBytes: sum(fresh, (l) => l.bytes),
      diskWriteBytes: sum(fresh, (l) => l.bytes + l.uncompressedBytes),
      filesWritten: sum(fresh, (l) => l.files),
    };
  });
}
