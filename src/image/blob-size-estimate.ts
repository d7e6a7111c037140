import type { ResolvedCompression } from '../scenario/resolved.ts';
import { layerByteSums } from './layer-byte-sums.ts';
import type { LayerSpec } from './layer-spec.ts';

/**
 * An upper-leaning estimate of a layer blob's size before it is written, for refusing a run that would
 * fill the disk: per file its tar header and blocks, divided by the low end of what gzip -1 achieves on its
 * kind (layer-byte-sums.ts), so the estimate errs towards "too big".
 */
export function estimateBlobBytes(spec: LayerSpec, compression: ResolvedCompression): number {
  const sums = layerByteSums(spec);
  return Math.ceil(compression.kind === 'none' ? sums.plainBlobBytes : sums.gzipBlobBytes);
}
