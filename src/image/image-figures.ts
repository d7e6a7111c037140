import { ShipbenchError } from '../core/errors.ts';
import { type DeployCost, deployCosts, type InspectedImage } from './deploy-cost.ts';
import type { ImageSource, ImageSourceKind } from './image-source.ts';
import { type LayerScan, scanLayer } from './layer-scan.ts';
import { wasteOf } from './layer-waste.ts';

/** The figures `check` budgets: per image, and per deploy step (images in deploy order). */
export interface ImageFigures {
  readonly name: string;
  readonly layers: number;
  /** Blob bytes a registry stores and a cold node downloads (estimated for docker-archive sources). */
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  /** The largest layer by compressed bytes, and its uncompressed size. */
  readonly largestLayerBytes: number;
  readonly largestLayerUncompressedBytes: number;
  readonly files: number;
  readonly fileBytes: number;
  readonly wastedBytes: number;
  readonly efficiency: number;
  /** Per layer, bottom first: diff_id, compressed and uncompressed bytes, files, role. */
  readonly layerList: ReadonlyArray<{ diffId: string; bytes: number; uncompressedBytes: number; files: number; role: string }>;
}

export interface ImageSetFigures {
  readonly kind: ImageSourceKind;
  readonly location: string;
  /** Compressed sizes were estimated by gzip at this level (the source stores layers uncompressed). */
  readonly compressedEstimatedAtGzipLevel: number | undefined;
  readonly images: readonly ImageFigures[];
  /** What a node holding the previous image downloads for each image in turn (layers matched by diff_id). */
  readonly deploy: readonly DeployCost[];
}

export interface MeasureOptions {
  /** gzip level for estimating compressed sizes of uncompressed layers (default 6: Docker's and Go's default). */
  readonly estimateGzipLevel?: number;
  readonly onLayer?: (key: string, scan: LayerScan) => void;
}

export const DEFAULT_ESTIMATE_GZIP_LEVEL = 6;

export async function measureImageSource(source: ImageSource, options: MeasureOptions = {}): Promise<ImageSetFigures> {
  const level = options.estimateGzipLevel ?? DEFAULT_ESTIMATE_GZIP_LEVEL;
  const scans = new Map<string, LayerScan>();
  const images = await source.read(async (key, blob) => {
    if (scans.has(key)) return;
    const scan = await scanLayer(blob, { what: `layer ${key} of ${source.location}`, ...(source.storesUncompressed ? { estimateGzipLevel: level } : {}) });
    scans.set(key, scan);
    options.onLayer?.(key, scan);
  });
  if (images.length === 0) {
    throw new ShipbenchError('no-images', `${source.location} holds no images`, { hint: 'tag an image in it (skopeo copy ... oci:DIR:TAG), or name another source' });
  }
  const compressed = (s: LayerScan) => (s.compression === 'none' && s.estimatedGzipBytes !== undefined ? s.estimatedGzipBytes : s.blobBytes);
  let estimated = false;
  const figures = images.map((image): ImageFigures => {
    const layerScans = image.layerKeys.map((key, i) => {
      const scan = scans.get(key);
      if (scan === undefined) throw new ShipbenchError('image-source-invalid', `${source.location}: image ${image.name} names layer ${key}, which it does not hold`, { hint: 'the image is incomplete: copy it again' });
      const expected = image.diffIds[i];
      if (expected !== undefined && expected !== scan.diffId) {
        throw new ShipbenchError('digest-mismatch', `${source.location}: layer ${i + 1} of ${image.name} hashes to diff_id ${scan.diffId}, its config says ${expected}`, {
          hint: 'the layer or the config is corrupt: copy the image again',
        });
      }
      if (scan.estimatedGzipBytes !== undefined && scan.compression === 'none') estimated = true;
      return scan;
    });
    if (image.diffIds.length !== 0 && image.diffIds.length !== layerScans.length) {
      throw new ShipbenchError('image-source-invalid', `${source.location}: image ${image.name} has ${layerScans.length} layers but ${image.diffIds.length} diff_ids in its config`);
    }
    const largest = layerScans.reduce<LayerScan | undefined>((best, s) => (best === undefined || compressed(s) > compressed(best) ? s : best), undefined);
    const waste = wasteOf(layerScans.map((s) => s.changes));
    return {
      name: image.name,
      layers: layerScans.length,
      compressedBytes: layerScans.reduce((n, s) => n + compressed(s), 0),
      uncompressedBytes: layerScans.reduce((n, s) => n + s.tarBytes, 0),
      largestLayerBytes: largest === undefined ? 0 : compressed(largest),
      largestLayerUncompressedBytes: largest?.tarBytes ?? 0,
      files: layerScans.reduce((n, s) => n + s.files, 0),
      fileBytes: waste.fileBytes,
      wastedBytes: waste.wastedBytes,
      efficiency: waste.efficiency,
      layerList: layerScans.map((s, i) => ({ diffId: s.diffId, bytes: compressed(s), uncompressedBytes: s.tarBytes, files: s.files, role: image.roles[i] ?? '' })),
    };
  });
  // diff_ids, not blob digests, identify layers here: the same layer has one whatever the source stores.
  const inspected: InspectedImage[] = figures.map((f) => ({
    tag: f.name,
    manifestDigest: '',
    layers: f.layerList.map((l) => ({ digest: l.diffId, role: l.role, bytes: l.bytes, uncompressedBytes: l.uncompressedBytes, files: l.files, fileBytes: 0, whiteouts: 0, holds: '' })),
  }));
  return { kind: source.kind, location: source.location, compressedEstimatedAtGzipLevel: estimated ? level : undefined, images: figures, deploy: deployCosts(inspected) };
}
