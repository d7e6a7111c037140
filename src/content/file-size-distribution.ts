import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';

/**
 * File sizes follow a split log-normal law: source trees have a long right tail (a few huge generated or
 * data files) and a shorter left one. The spreads per kind are read off Debian's MediaWiki 1.39 (p10, p50,
 * p90, p99 per kind: bench/content-calibration.ts real); the median is whatever makes the component's total
 * come out exact, so a preset whose mean size per kind is realistic gets realistic quantiles. Where a kind is
 * several populations in a real tree (style files by type, data JSON's manifests and dumps), it is their mixture.
 * Binaries keep a plain log-normal with a 64 KB median; l10n caches are near-equal in size.
 */
interface Spread {
  readonly left: number;
  readonly right: number;
}

/** One population of a kind's files: its share of the files, its median relative to the others', its spread. */
interface Population extends Spread {
  readonly share: number;
  readonly median: number;
}

/**
 * Style files by type, from Debian's MediaWiki 1.39: 2,200 SVG icons (median 300 B, narrow), 402 LESS files
 * (median 960 B) and 360 stylesheets (median 940 B, some built themes of 100 KB-1 MB: the widest spread).
 */
export const STYLE_TYPES: Readonly<Record<'svg' | 'less' | 'css', Population>> = {
  svg: { share: 0.74, median: 300, left: 0.55, right: 0.55 },
  less: { share: 0.14, median: 960, left: 1.15, right: 1.15 },
  css: { share: 0.12, median: 940, left: 1.7, right: 1.7 },
};

const POPULATIONS: Record<Exclude<ContentKind, 'binary' | 'cdb'>, readonly Population[]> = {
  php: [{ share: 1, median: 1, left: 1.12, right: 1.38 }],
  json: [{ share: 1, median: 1, left: 1.62, right: 2.2 }],
  js: [{ share: 1, median: 1, left: 1.35, right: 1.7 }],
  css: Object.values(STYLE_TYPES),
  image: [{ share: 1, median: 1, left: 2.07, right: 2.3 }],
  // Bimodal in real trees: 251 of Debian's 309 data JSON files are under 20 KB (manifests, configs, median
  // about 1 KB); 58 are siteinfo dumps, source maps and password lists (median about 290 KB, within 2x of it).
  data: [
    { share: 251 / 309, median: 1, left: 0.9, right: 1.1 },
    { share: 58 / 309, median: 250, left: 0.6, right: 0.6 },
  ],
};
const BINARY_MEDIAN = 64 * 1024;
const MAX_SIGMA = 2.2;
/** l10n cache files are near-equal in size: each holds every message, falling back to English. */
const CDB_SPREAD = 0.05;

function pick(populations: readonly Population[], u: number): Population {
  for (const p of populations) {
    if (u < p.share) return p;
    u -= p.share;
  }
  return populations[populations.length - 1] as Population;
}

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
    const populations = POPULATIONS[kind];
    raw = Array.from({ length: files }, () => {
      // The right tail stops at p99.8: one huge draw would otherwise shrink every other file of the component.
      const z = Math.min(2.9, rng.normal());
      const { median, left, right } = populations.length === 1 ? (populations[0] as Population) : pick(populations, rng.next());
      return median * Math.exp(z * (z < 0 ? left : right));
    });
  }
  const rawTotal = raw.reduce((a, b) => a + b, 0);
  const k = totalBytes / rawTotal;
  const sizes = raw.map((r) => Math.max(1, Math.round(r * k)));
  // Put the rounding remainder on the largest file so the total is exact.
  settleBytes(sizes, totalBytes - sizes.reduce((a, b) => a + b, 0), () => true);
  return sizes;
}

/**
 * Puts `diff` bytes on the largest files `eligible` allows (ties: the lower index first), each kept at 1 byte
 * or more, so a set of sizes adds up exactly.
 */
export function settleBytes(sizes: number[], diff: number, eligible: (i: number) => boolean): void {
  const order = sizes.map((_, i) => i).filter(eligible).sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
  for (const i of order) {
    if (diff === 0) return;
    const s = sizes[i] as number;
    const next = Math.max(1, s + diff);
    diff -= next - s;
    sizes[i] = next;
  }
}
