import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';
import { normalQuantile, stratifiedUniforms } from './stratified-scores.ts';

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

/**
 * One population of a kind's files: its share of the files, its median relative to the others', its spread,
 * and where its right side stops (a standard score; p99.8 unless the population is bounded).
 */
interface Population extends Spread {
  readonly share: number;
  readonly median: number;
  readonly cap?: number;
}

/**
 * Style files by type, from Debian's MediaWiki 1.39, each type's spreads read off its own p10/p50/p90
 * (ln(p50/p10) and ln(p90/p50) over 1.28): 2,200 SVG icons (219 / 300 / 679 B: narrow, a longer right
 * side), 402 LESS files (184 / 962 / 3,922 B) and 360 stylesheets (253 / 939 / 16,395 B: built themes of
 * 100 KB-1 MB make the right side the widest of any kind; it gives the real p99, 171 KB, too). With one
 * spread per type fitted to both sides, the mixture's mean came out half the real one, and scaling to the
 * component's total doubled every size: icons and LESS then held the bytes the stylesheets hold.
 */
export const STYLE_TYPES: Readonly<Record<'svg' | 'less' | 'css', Population>> = {
  svg: { share: 0.743, median: 300, left: 0.25, right: 0.64 },
  less: { share: 0.136, median: 962, left: 1.29, right: 1.1 },
  css: { share: 0.121, median: 939, left: 1.02, right: 2.23 },
};

const POPULATIONS: Record<Exclude<ContentKind, 'binary' | 'cdb'>, readonly Population[]> = {
  php: [{ share: 1, median: 1, left: 1.12, right: 1.38 }],
  // Two populations in Debian's tree: 11,086 files in extensions' and libraries' i18n folders (118 / 845 /
  // 6,498 B at p10 / p50 / p90) and core's languages/i18n, 714 files holding 69% of the bytes (9 / 42 / 347 KB),
  // where a language is at most about as big as en.json: that side stops at its p88.
  json: [
    { share: 0.94, median: 1, left: 1.54, right: 1.59 },
    { share: 0.06, median: 50, left: 1.18, right: 2.2, cap: 1.2 },
  ],
  // Modules, and 2% bundles and vendored libraries (jQuery, Codex, VisualEditor's builds) holding 40% of the bytes.
  js: [
    { share: 0.98, median: 1, left: 1.35, right: 1.53 },
    { share: 0.02, median: 80, left: 1.0, right: 1.2 },
  ],
  css: Object.values(STYLE_TYPES),
  // Icons of 50 B beside photos of 440 KB: mean 15x the median (a right side of 2.45 with the stratified draws).
  image: [{ share: 1, median: 1, left: 2.07, right: 2.45 }],
  // Bimodal in real trees: 251 of Debian's 309 data JSON files are under 20 KB (manifests, configs, median
  // about 1 KB); 58 are siteinfo dumps, source maps and password lists (median about 290 KB, within 2x of it).
  // READMEs, licences, SQL and templates (doc-text.ts): 124 B / 1.0 KB / 17.7 KB / 117 KB in Debian's tree, mean
  // 6.5x the median; a right side of 2.0 keeps that mean (p99 105 KB) where 2.24 would double it. The left side
  // is narrower than the real 1.65: the presets' four docs components (core's small, vendor's big) widen it.
  text: [{ share: 1, median: 1, left: 1.45, right: 2.0 }],
  data: [
    { share: 251 / 309, median: 1, left: 0.9, right: 1.1 },
    { share: 58 / 309, median: 250, left: 0.6, right: 0.6 },
  ],
};
const BINARY_MEDIAN = 64 * 1024;
const MAX_SIGMA = 2.2;
/** The right tail stops at p99.8: one huge file would otherwise shrink every other file of the component. */
const RIGHT_CAP = 2.9;
/** l10n cache files are near-equal in size: each holds every message, falling back to English. */
const CDB_SPREAD = 0.05;

/** The index of the population a uniform falls in, by their shares in order. */
function populationIndex(populations: readonly Population[], u: number): number {
  for (let p = 0; p < populations.length; p++) {
    const share = (populations[p] as Population).share;
    if (u < share) return p;
    u -= share;
  }
  return populations.length - 1;
}

/** Unscaled sizes from a kind's populations: which population and which quantile of it, both stratified. */
function populationSizes(rng: Rng, populations: readonly Population[], files: number): number[] {
  // Populations by index, counted in the same pass: one pass per file rather than a filter per population.
  const uniforms = stratifiedUniforms(rng, files);
  const which = new Int32Array(files);
  const counts = new Array<number>(populations.length).fill(0);
  for (let i = 0; i < files; i++) {
    const p = populationIndex(populations, uniforms[i] as number);
    which[i] = p;
    counts[p] = (counts[p] as number) + 1;
  }
  const scores = counts.map((count) => stratifiedUniforms(rng, count));
  const sizes = new Array<number>(files);
  for (let i = 0; i < files; i++) {
    const p = populations[which[i] as number] as Population;
    const z = Math.min(p.cap ?? RIGHT_CAP, normalQuantile((scores[which[i] as number] as number[]).pop() as number));
    sizes[i] = p.median * Math.exp(z * (z < 0 ? p.left : p.right));
  }
  return sizes;
}

/** `files` draws of exp(sigma * a standard normal draw), unscaled. */
function logNormals(rng: Rng, files: number, sigma: number): number[] {
  const raw = new Array<number>(files);
  for (let i = 0; i < files; i++) raw[i] = Math.exp(sigma * rng.normal());
  return raw;
}

export function drawFileSizes(rng: Rng, kind: ContentKind, files: number, totalBytes: number): number[] {
  if (files === 0) return [];
  let raw: number[];
  if (kind === 'cdb') raw = logNormals(rng, files, CDB_SPREAD);
  else if (kind === 'binary') {
    const mean = totalBytes / files;
    const median = Math.min(BINARY_MEDIAN, mean * 0.8);
    const sigma = Math.min(MAX_SIGMA, Math.sqrt(2 * Math.log(mean / median)));
    raw = logNormals(rng, files, sigma);
  } else raw = populationSizes(rng, POPULATIONS[kind], files);
  let rawTotal = 0;
  for (let i = 0; i < files; i++) rawTotal += raw[i] as number;
  const k = totalBytes / rawTotal;
  // Rounded into a list of their own, not into the raw doubles: whole sizes then stay small integers (V8's Smis),
  // which a file entry holds in itself; a size read from a list of doubles is a boxed number (file-entry.ts).
  const sizes = new Array<number>(files);
  let total = 0;
  for (let i = 0; i < files; i++) {
    const size = Math.max(1, Math.round((raw[i] as number) * k));
    sizes[i] = size;
    total += size;
  }
  // Put the rounding remainder on the largest file so the total is exact.
  settleBytes(sizes, totalBytes - total, () => true);
  return sizes;
}

/**
 * Puts `diff` bytes on the largest files `eligible` allows (ties: the lower index first), each kept at 1 byte
 * or more, so a set of sizes adds up exactly.
 */
export function settleBytes(sizes: number[], diff: number, eligible: (i: number) => boolean): void {
  if (diff === 0) return;
  // Nearly always the largest file takes the whole remainder: one pass finds it, where ordering every file
  // (70,000 i18n files) costs a sort. Only when it cannot (it would fall under 1 byte) are all files ordered.
  const largest = largestEligible(sizes, eligible);
  if (largest < 0) return;
  if ((sizes[largest] as number) + diff >= 1) {
    sizes[largest] = (sizes[largest] as number) + diff;
    return;
  }
  const order = sizes.map((_, i) => i).filter(eligible).sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
  for (const i of order) {
    if (diff === 0) return;
    const s = sizes[i] as number;
    const next = Math.max(1, s + diff);
    diff -= next - s;
    sizes[i] = next;
  }
}

/** The index of the largest size `eligible` allows (ties: the lower index), or -1. */
function largestEligible(sizes: readonly number[], eligible: (i: number) => boolean): number {
  let best = -1;
  for (let i = 0; i < sizes.length; i++) {
    if ((best < 0 || (sizes[i] as number) > (sizes[best] as number)) && eligible(i)) best = i;
  }
  return best;
}
