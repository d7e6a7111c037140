import type { FileEntry } from '../content/file-entry.ts';
import type { ContentKind } from '../scenario/content-kind.ts';
import type { LayerSpec } from './layer-spec.ts';

/**
 * Ratios for the blob-size estimate (blob-size-estimate.ts): the low ends of what gzip -1 achieves on each kind
 * (DOMAIN.md), so the estimate errs towards "too big".
 */
const CONSERVATIVE_GZIP_RATIO: Record<ContentKind, number> = { php: 2.5, json: 2.5, cdb: 1.9, binary: 1.3, js: 2.5, css: 2.5, image: 1, data: 3, text: 2 };
const TAR_BLOCK = 512;

/** What a layer's byte figures read of its files, summed in one pass. */
export interface LayerByteSums {
  /** Sum of the files' sizes. */
  readonly fileBytes: number;
  /** Uncompressed tar bytes: a header per file and whiteout, payloads in 512-byte blocks, the end marker. */
  readonly tarBytes: number;
  /** Whiteout headers plus each file's header and blocks: the blob estimate without compression. */
  readonly plainBlobBytes: number;
  /** The same, each file's part divided by its kind's gzip ratio (summed in file order, as the estimate always was). */
  readonly gzipBlobBytes: number;
}

/** Sums kept per spec: the plan, the model and the disk check all ask, and a pass over a 140,000-file layer costs. */
const known = new WeakMap<LayerSpec, LayerByteSums>();

export function layerByteSums(spec: LayerSpec): LayerByteSums {
  let sums = known.get(spec);
  if (sums !== undefined) return sums;
  const whiteoutBytes = spec.whiteouts.length * TAR_BLOCK;
  let fileBytes = 0;
  let tarBytes = 2 * TAR_BLOCK + whiteoutBytes;
  let plainBlobBytes = whiteoutBytes;
  let gzipBlobBytes = whiteoutBytes;
  for (let i = 0; i < spec.files.length; i++) {
    const f = spec.files[i] as FileEntry;
    const payload = Math.ceil(f.bytes / TAR_BLOCK) * TAR_BLOCK + TAR_BLOCK;
    fileBytes += f.bytes;
    tarBytes += payload;
    plainBlobBytes += payload;
    gzipBlobBytes += payload / CONSERVATIVE_GZIP_RATIO[f.kind];
  }
  sums = { fileBytes, tarBytes, plainBlobBytes, gzipBlobBytes };
  known.set(spec, sums);
  return sums;
}
