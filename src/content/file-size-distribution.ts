import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';

/**
 * File sizes follow a split log-normal law: source trees have a long right tail (a few huge generated or
 * data files) and a shorter left one. The spreads per kind are read off Debian's MediaWiki 1.39 (p10, p50,
 * p90, p99 per kind: bench/content-calibration.ts real); the median is whatever makes the component's total
 * come out exact, so a preset whose mean size per kind is realistic gets realistic quantiles.
 * Binaries keep a plain log-normal with a 64 KB median; l10n caches are near-equal in size.
 */
interface Spread {
  readonly left: number;
  readonly right: number;
}

const SPREAD: Record<Exclude<ContentKind, 'binary' | 'cdb'>, Spread> = {
  php: { left: 1.12, right: 1.38 },
  json: { left: 1.62, right: 2.2 },
  js: { left: 1.35, right: 1.7 },
  css: { left: 0.32, right: 1.6 },
  image: { left: 2.07, right: 2.3 },
  // Bimodal in real trees: small manifests (extension.json, composer.json), big data sets and source maps.
  data: { left: 0.9, right: 2.6 },
};
const BINARY_MEDIAN = 64 * 1024;
const MAX_SIGMA = 2.2;
/** l10n cache files are near-equal in size: each holds every message, falling back to English. */
const CDB_SPREAD = 0.05;

export function drawFileSizes(rng: Rng, kind: ContentKind, files: number, totalBytes: number): number[] {
  if (files === 0) return [];
  let raw: number[];
  if (kind === 'cdb') raw = Array.from({ length: files }, () => Math.exp(CDB_SPREAD * rng.normal()));
  else if (kind === 'binary') {
    const mean = totalBytes / files;
    const median = Math.min(BINARY_MEDIAN, mean * 0.8);
    const sigma = Math.min(MAX_SIGMA, Math.sqrt(2 * Math.log(mean / median)));
    raw = Array.from({ length: files }, () => Math.exp(sigma * rng.normal()));
  } else {
    const { left, right } = SPREAD[kind];
    raw = Array.from({ length: files }, () => {
      // The right tail stops at p99.8: one huge draw would otherwise shrink every other file of the component.
      const z = Math.min(2.9, rng.normal());
      return Math.exp(z * (z < 0 ? left : right));
    });
  }
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
