import type { FileEntry } from '../content/file-entry.ts';
import type { ContentKind } from '../scenario/content-kind.ts';
import type { ResolvedCompression } from '../scenario/resolved.ts';
import type { LayerSpec } from './layer-spec.ts';

/**
 * An upper-leaning estimate of a layer blob's size before it is written, for refusing a run that would
 * fill the disk. Ratios are the low ends of what gzip -1 achieves on each kind (DOMAIN.md), so the
 * estimate errs towards "too big".
 */
const CONSERVATIVE_GZIP_RATIO: Record<ContentKind, number> = { php: 2.5, json: 2.5, cdb: 1.9, binary: 1.3, js: 2.5, css: 2.5, image: 1, data: 3, text: 2 };
const TAR_HEADER_BYTES = 512;

export function estimateBlobBytes(spec: LayerSpec, compression: ResolvedCompression): number {
  let bytes = spec.whiteouts.length * TAR_HEADER_BYTES;
  for (let i = 0; i < spec.files.length; i++) {
    const f = spec.files[i] as FileEntry;
    const payload = Math.ceil(f.bytes / 512) * 512 + TAR_HEADER_BYTES;
    bytes += compression.kind === 'none' ? payload : payload / CONSERVATIVE_GZIP_RATIO[f.kind];
  }
  return Math.ceil(bytes);
}
