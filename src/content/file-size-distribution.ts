import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';

/**
 * File sizes follow a log-normal law, as file sizes in source trees do. The median comes from the content
 * kind (DOMAIN.md: PHP and i18n JSON files have a median of about 2-4 KB with a long tail); the spread is
 * whatever makes the mean equal the component's total / count; then sizes are rescaled so the component's
 * total is exact.
 */
const MEDIAN_BYTES: Record<ContentKind, number> = { php: 3 * 1024, json: 2.5 * 1024, cdb: 0, binary: 64 * 1024 };
const MAX_SIGMA = 2.2;

export function drawFileSizes(rng: Rng, kind: ContentKind, files: number, totalBytes: number): number[] {
  if (files === 0) return [];
  const mean = totalBytes / files;
  // cdb: one file per language, the big languages far larger than the rest; binaries likewise uneven.
  const kindMedian = MEDIAN_BYTES[kind] || mean * 0.5;
  const median = Math.min(kindMedian, mean * 0.8);
  const sigma = Math.min(MAX_SIGMA, Math.sqrt(2 * Math.log(mean / median)));
  const mu = Math.log(median);
  const raw = Array.from({ length: files }, () => Math.exp(mu + sigma * rng.normal()));
  const rawTotal = raw.reduce((a, b) => a + b, 0);
  const k = totalBytes / rawTotal;
  const sizes = raw.map((r) => Math.max(1, Math.round(r * k)));
  // Put the rounding remainder on the largest file so the total is exact.
  let diff = totalBytes - sizes.reduce((a, b) => a + b, 0);
  const order = sizes.map((_, i) => i).sort((a, b) => (sizes[b] as number) - (sizes[a] as number));
  for (const i of order) {
    if (diff === 0) break;
    const s = sizes[i] as number;
    const next = Math.max(1, s + diff);
    diff -= next - s;
    sizes[i] = next;
  }
  return sizes;
}
